"""Regenerates the screenshots in docs/img/, rendered by Debian's headless chromium through
Playwright (no browser download):

- report.png: the HTML report of examples/vulnerable-app;
- report-200-routes-1600.png, report-200-routes-420.png: the report of a generated Express
  app with 200 routes (written to a temporary folder) in a wide and a phone-width window;
- report-200-routes-420-findings.png: its findings in the phone-width window;
- report-200-routes-table.png: the same report with its route table opened and filtered.

    python docs/make_screenshot.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from nodeward.report import html
from nodeward.scan import scan_path
from nodeward.web.browser import CHROMIUM_ARGS

ROOT = Path(__file__).parent.parent
IMAGES = ROOT / "docs" / "img"
ARGS = list(CHROMIUM_ARGS)

#: Resources of the generated app; each gets a router file with ROUTES_PER_RESOURCE routes.
RESOURCES = (
    "users",
    "accounts",
    "orders",
    "invoices",
    "products",
    "carts",
    "reviews",
    "reports",
    "projects",
    "files",
)
ROUTES_PER_RESOURCE = 20


def _router(resource: str) -> str:
    """One router of the generated app: CRUD, sub-resources, search and export routes, a
    few of them weak on purpose (SQL built from the query, HTML from a parameter)."""
    lines = [
        '"use strict";',
        'const express = require("express");',
        'const db = require("../db");',
        'const { authenticate, requireRole } = require("../auth");',
        "const router = express.Router();",
    ]
    for n in range(ROUTES_PER_RESOURCE // 4):
        sub = f"items{n}"
        lines += [
            f'router.get("/{sub}", authenticate, (req, res) => res.json(db.list("{resource}")));',
            f'router.post("/{sub}", authenticate, express.json(), (req, res) =>'
            f' res.json(db.create("{resource}", {{ name: String(req.body.name) }})));',
            f'router.put("/{sub}/:id", authenticate, requireRole("admin"), express.json(),'
            f' (req, res) => res.json(db.update("{resource}", Number(req.params.id))));',
        ]
        if n == 0:
            lines.append(  # JavaScript of the fixture app, weak on purpose
                f'router.get("/{sub}/search", (req, res) => db.pool.query("SELECT * FROM'  # noqa: S608
                f' {resource} WHERE name = \'" + req.query.name + "\'", (e, rows) =>'
                " res.json(rows)));"
            )
        elif n == 1:
            lines.append(
                f'router.get("/{sub}/:id/preview", (req, res) =>'
                ' res.send("<h1>" + req.params.id + "</h1>"));'
            )
        else:
            lines.append(
                f'router.delete("/{sub}/:id", authenticate, requireRole("admin"), (req, res) =>'
                f' res.json(db.remove("{resource}", Number(req.params.id))));'
            )
    lines.append("module.exports = router;")
    return "\n".join(lines) + "\n"


def write_app(folder: Path) -> Path:
    """A 200-route Express app: server.js mounts one router per resource."""
    app = folder / "shop-api"
    (app / "routes").mkdir(parents=True)
    (app / "package.json").write_text(
        '{"name": "shop-api", "version": "1.0.0", "dependencies": '
        '{"express": "^4.19.2", "express-session": "^1.18.0", "mysql": "^2.18.1"}}\n'
    )
    (app / "db.js").write_text(
        'const mysql = require("mysql");\n'
        "const pool = mysql.createPool({ host: process.env.DB_HOST });\n"
        "module.exports = { pool, list: () => [], create: (t, v) => v, update: (t, id) => id,"
        " remove: (t, id) => id };\n"
    )
    (app / "auth.js").write_text(
        "const authenticate = (req, res, next) => (req.session.user ? next() :"
        " res.sendStatus(401));\n"
        "const requireRole = (role) => (req, res, next) =>"
        " (req.session.user.role === role ? next() : res.sendStatus(403));\n"
        "module.exports = { authenticate, requireRole };\n"
    )
    mounts = "\n".join(f'app.use("/api/{name}", require("./routes/{name}"));' for name in RESOURCES)
    (app / "server.js").write_text(
        'const express = require("express");\n'
        'const session = require("express-session");\n'
        "const app = express();\n"
        'app.use(session({ secret: "keyboard cat", resave: false, saveUninitialized: false }));\n'
        f"{mounts}\n"
        "app.listen(3000);\n"
    )
    for name in RESOURCES:
        (app / "routes" / f"{name}.js").write_text(_router(name))
    return app


def _page(context: Any, path: Path, width: int, height: int) -> Any:
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(path.as_uri())
    return page


def _render(app: Path, shown_as: str, target: Path) -> None:
    report = scan_path(app, quiet=True, offline=True)
    # Show a relative root in the picture, not this machine's folder layout.
    page = html.render(report).replace(report.root, shown_as).replace(str(Path.home()), "~")
    target.write_text(page, encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        example = folder / "example.html"
        _render(ROOT / "examples" / "vulnerable-app", "examples/vulnerable-app", example)
        routes = folder / "routes.html"
        _render(write_app(folder), "shop-api", routes)
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(folder / "profile"),
                executable_path="/usr/bin/chromium",
                headless=True,
                args=ARGS,
            )
            _page(context, example, 1200, 1400).screenshot(path=str(IMAGES / "report.png"))
            wide = _page(context, routes, 1600, 1500)
            wide.screenshot(path=str(IMAGES / "report-200-routes-1600.png"))
            narrow = _page(context, routes, 420, 1500)
            narrow.screenshot(path=str(IMAGES / "report-200-routes-420.png"))
            narrow.evaluate("() => document.getElementById('findings').scrollIntoView()")
            narrow.screenshot(path=str(IMAGES / "report-200-routes-420-findings.png"))
            wide.click("details.routes > summary")
            wide.fill("#route-filter", "orders put")
            wide.locator("#routes").scroll_into_view_if_needed()
            wide.evaluate("() => document.getElementById('routes').scrollIntoView()")
            wide.screenshot(path=str(IMAGES / "report-200-routes-table.png"))
            context.close()
    sizes = ("1600", "420", "420-findings", "table")
    for name in ("report.png", *(f"report-200-routes-{s}.png" for s in sizes)):
        print(f"wrote docs/img/{name} ({(IMAGES / name).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
