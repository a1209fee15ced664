"""The app model: exact route tables of split apps, the `routes` command, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from appmodel_helpers import project_at, route_labelled, route_table
from conftest import FIXTURES

from nodeward.cli import main
from nodeward.scan import scan_path
from nodeward.source.appmodel import AppModel, Guard, app_model, handlers
from nodeward.source.appmodel.builder import build

RULES = FIXTURES / "rules"


BASE_JS = ("helmet()", "express.json()", "session()")


def test_commonjs_split_app_route_table() -> None:
    model = app_model(project_at(RULES / "routes_split_js"))
    assert [(a.name, a.location.path, a.location.line) for a in model.apps] == [
        ("app", "app.js", 8)
    ]
    assert route_table(model) == [
        ("GET", "/healthz", (), "app.js:10"),
        ("POST", "/auth/login", BASE_JS, "routes/auth.js:8"),
        ("POST", "/auth/register", BASE_JS, "routes/auth.js:19"),
        ("POST", "/auth/forgot-password", BASE_JS, "routes/auth.js:27"),
        ("POST", "/auth/logout", BASE_JS, "routes/auth.js:35"),
        ("GET", "/account", (*BASE_JS, "requireAuth"), "routes/account.js:8"),
        ("POST", "/account/password", (*BASE_JS, "requireAuth"), "routes/account.js:11"),
        ("GET", "/account/orders/:id", (*BASE_JS, "requireAuth"), "routes/account.js:17"),
        ("GET", "/account/invoices/:id", (*BASE_JS, "requireAuth"), "routes/account.js:23"),
        (
            "DELETE",
            "/account/addresses/:id",
            (*BASE_JS, "requireAuth", "checkOwner"),
            "routes/account.js:29",
        ),
        ("POST", "/account/promote", (*BASE_JS, "requireAuth"), "routes/account.js:35"),
        ("GET", "/admin/users", BASE_JS, "routes/admin.js:9"),
        ("DELETE", "/admin/users/:id", BASE_JS, "routes/admin.js:12"),
        ("GET", "/orders", (*BASE_JS, "requireAuth"), "routes/orders.js:5"),
        ("POST", "/manage/orders", (*BASE_JS, "requireAuth"), "routes/orders.js:7"),
        ("POST", "/manage/refunds", BASE_JS, "routes/orders.js:9"),
        ("GET", "/metrics", BASE_JS, "app.js:22"),
        ("GET", "/internal/metrics", (*BASE_JS, "requireAuth"), "app.js:26"),
    ]
    route = model.apps[0].routes[7]
    assert route.params == ("id",)
    assert route.complete
    assert route.guarded_by(Guard.AUTH) and not route.guarded_by(Guard.CSRF)
    assert model.unresolved == ()


BASE_TS = ("express.json()", "cookieSession()")


def test_esm_typescript_split_app_route_table() -> None:
    model = app_model(project_at(RULES / "routes_split_ts"))
    helmet = "helmetModule.default()"
    assert route_table(model) == [
        ("POST", "/api/v1/auth/signin", BASE_TS, "src/routes/auth.ts:8"),
        ("POST", "/api/v1/auth/signup", BASE_TS, "src/routes/auth.ts:22"),
        ("PUT", "/api/v1/auth/password", BASE_TS, "src/routes/auth.ts:29"),
        ("GET", "/api/v1/admin/stats", BASE_TS, "src/routes/admin.ts:7"),
        (
            "POST",
            "/api/v1/admin/users/:id/role",
            (*BASE_TS, "ensureLoggedIn", "onlyAdmins"),
            "src/routes/admin.ts:12",
        ),
        ("GET", "/api/v1/projects/:projectId", (*BASE_TS, "auth"), "src/routes/projects.ts:5"),
        ("PATCH", "/api/v1/projects/:projectId", (*BASE_TS, "auth"), "src/routes/projects.ts:10"),
        ("DELETE", "/api/v1/projects/:projectId", (*BASE_TS, "auth"), "src/routes/projects.ts:16"),
        ("GET", "/profile", (*BASE_TS, "ensureLoggedIn"), "src/app.ts:24"),
        ("PUT", "/profile", (*BASE_TS, "ensureLoggedIn"), "src/app.ts:25"),
        ("GET", "/debug/env", (*BASE_TS, helmet), "src/app.ts:31"),
        ("GET", "/metrics", (*BASE_TS, helmet, "ensureLoggedIn"), "src/app.ts:34"),
    ]
    helmet_use = next(u for u in model.apps[0].uses if u.middleware.has(Guard.HELMET))
    assert [r.label for r in helmet_use.routes_before][:2] == [
        "POST /api/v1/auth/signin",
        "POST /api/v1/auth/signup",
    ]


def test_koa_router_prefixes() -> None:
    model = app_model(project_at(RULES / "routes_koa_ts"))
    assert [(r.method, r.path, tuple(m.name for m in r.chain)) for r in model.apps[0].routes] == [
        ("POST", "/auth/login", ()),
        ("POST", "/auth/token", ("ratelimit()",)),
        ("GET", "/admin/users", ()),
        ("DELETE", "/admin/users/:id", ("jwt()",)),
    ]


def test_routes_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", str(RULES / "routes_split_ts"), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [a["location"] for a in document["apps"]] == ["src/app.ts:11"]
    route = document["apps"][0]["routes"][4]
    assert route == {
        "method": "POST",
        "path": "/api/v1/admin/users/:id/role",
        "params": ["id"],
        "chain": [
            {
                "name": "express.json()",
                "module": "express",
                "guards": [],
                "location": "src/app.ts:13",
            },
            {
                "name": "cookieSession()",
                "module": "cookie-session",
                "guards": ["session"],
                "location": "src/app.ts:14",
            },
            {
                "name": "ensureLoggedIn",
                "module": "../middleware/guards",
                "guards": ["auth"],
                "location": "src/routes/admin.ts:9",
            },
            {
                "name": "onlyAdmins",
                "module": "../middleware/guards",
                "guards": ["auth"],
                "location": "src/routes/admin.ts:9",
            },
        ],
        "chain_complete": True,
        "handler": {"name": "<inline function>", "location": "src/routes/admin.ts:12"},
        "registered_at": "src/routes/admin.ts:12",
    }
    assert document["unmounted_routes"] == []
    assert document["unresolved"] == []


def test_routes_command_text_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", str(RULES / "routes_split_js")]) == 0
    out = capsys.readouterr().out
    assert "  DELETE  /admin/users/:id" in out
    assert "-> routes/admin.js:12" in out
    assert main(["routes", str(RULES / "does-not-exist")]) == 2


def test_unresolved_parts_are_skips_and_unknown_chains() -> None:
    project = project_at(RULES / "routes_bad_input")
    model = app_model(project)
    reasons = sorted(s.reason.split(" `")[0].split(";")[0] for s in model.unresolved)
    assert reasons == [
        "cannot resolve",
        "dynamic require",
        "middleware spread from",
        "route registered with a computed method (a loop or configuration)",
        "router mounted inside itself (circular mount)",
    ]
    assert all(not r.complete for r in model.apps[0].routes)
    # returned with the model (the route table reports them), never added to the project
    assert not set(model.unresolved) & set(project.skips)


def test_handlers_for_the_taint_engine() -> None:
    triples = handlers(app_model(project_at(RULES / "routes_split_js")))
    found = {(r.label, ctx.rel, fn.start_point.row + 1) for r, fn, ctx in triples}
    assert ("DELETE /admin/users/:id", "routes/admin.js", 12) in found
    assert ("POST /auth/login", "routes/auth.js", 8) in found
    assert all(fn.type.endswith(("function", "function_declaration")) for _r, fn, _c in triples)


def test_router_not_mounted_has_unknown_chain() -> None:
    project = project_at(RULES / "client_authorization.js")
    model = app_model(project)
    assert model.apps == ()
    assert [(r.label, r.complete) for r in model.orphan_routes] == [
        ("POST /posts/:id/delete", False)
    ]


def test_no_framework_no_work(tmp_path: Path) -> None:
    (tmp_path / "lib.js").write_text("module.exports = (m) => m.get('a', 1);\n")
    assert build(project_at(tmp_path).files) == AppModel(apps=(), orphan_routes=(), unresolved=())


def test_route_builder_chains_and_scoped_router_use(tmp_path: Path) -> None:
    (tmp_path / "app.mjs").write_text(
        'import express from "express";\n'
        'import { doubleCsrf } from "csrf-csrf";\n'
        "const { doubleCsrfProtection } = doubleCsrf({});\n"
        "const app = express();\n"
        "const r = express.Router();\n"
        'r.get("/open", h);\n'
        "r.use(doubleCsrfProtection);\n"
        'r.post("/closed", h);\n'
        'app.use("/v1", r);\n'
        'app.route("/x").get(h).post(h);\n'
        "function h(req, res) {}\n"
    )
    model = app_model(project_at(tmp_path))
    assert not route_labelled(model, "GET /v1/open").guarded_by(Guard.CSRF)
    assert route_labelled(model, "POST /v1/closed").guarded_by(Guard.CSRF)
    assert [r.label for r in model.apps[0].routes][-2:] == ["GET /x", "POST /x"]


def test_circular_imports_do_not_hang(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text(
        'const app = require("express")();\nconst b = require("./b");\n'
        "b(app);\nmodule.exports = app;\n"
    )
    (tmp_path / "b.js").write_text(
        'const a = require("./a");\n'
        'module.exports = function reg(app) { reg(app); app.get("/b", (q, s) => 1); };\n'
    )
    model = app_model(project_at(tmp_path))
    assert [r.label for r in model.apps[0].routes] == ["GET /b"]


def test_generated_code_nested_thousands_deep_is_skipped_not_hung(tmp_path: Path) -> None:
    """tree-sitter's Node.parent costs O(depth): the model must not walk up such trees."""
    chain = "db" + "\n  .where(x)" * 3000
    (tmp_path / "chain.js").write_text(
        f'require("express")().get("/", (req, res) => {{ {chain}.raw(req.query.a); }});\n'
    )
    (tmp_path / "app.js").write_text(
        'const app = require("express")();\napp.get("/ok", (req, res) => res.end());\n'
    )
    report = scan_path(tmp_path)
    reasons = {s.target: s.reason for s in report.skips if "not modelled" in s.reason}
    assert reasons["chain.js"].startswith("syntax tree nests 6")
    assert [(r.method, r.path) for r in report.routes] == [("GET", "/ok")]


def test_routers_loaded_from_a_folder_by_computed_name() -> None:
    """`require("./routes/" + file)(api)` may load any module of the folder: each one's
    exported function registers on the router (a file, or a sub-folder's index)."""
    model = app_model(project_at(RULES / "routes_folder_loaded_js"))
    assert route_table(model) == [
        (
            "PUT",
            "/api/billing/card",
            ("express.urlencoded()", "session()"),
            "routes/billing/index.js:2",
        ),
        ("GET", "/api/profile", ("express.urlencoded()", "session()"), "routes/profile.js:2"),
        ("POST", "/api/profile", ("express.urlencoded()", "session()"), "routes/profile.js:3"),
    ]


def test_folder_loader_with_a_template_and_typescript_export_assignment() -> None:
    model = app_model(project_at(RULES / "routes_folder_loaded_ts"))
    assert [(r.method, r.path, r.chain[-1].name) for r in model.apps[0].routes] == [
        ("POST", "/labels", "csurf()"),
        ("GET", "/tasks", "csurf()"),
        ("DELETE", "/tasks/:id", "csurf()"),
    ]
