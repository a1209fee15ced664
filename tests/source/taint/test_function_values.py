"""Function values that reach a call through data (taint/function_values.py) and routes
registered in loops over tables (appmodel/loop_routes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from appmodel_helpers import project_at, route_table
from conftest import FIXTURES
from hang import hang_guard

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path
from nodeward.source.appmodel import app_model
from nodeward.source.taint.function_values import MAX_TARGETS

RULES = FIXTURES / "rules"


def _findings(root: Path, rule: str) -> list[tuple[str, int]]:
    report = scan_path(root)
    return sorted(
        (f.location.path, f.location.line)
        for f in report.findings
        if f.rule == rule and isinstance(f.location, SourceLocation)
    )


def test_a_call_through_a_huge_table_is_cut_at_the_bound_and_reported(tmp_path: Path) -> None:
    count = MAX_TARGETS + 6
    sinks = "".join(f'function run{i}(x) {{\n  exec("job{i} " + x);\n}}\n' for i in range(count))
    table = ", ".join(f"run{i}" for i in range(count))
    (tmp_path / "app.js").write_text(
        'const express = require("express");\n'
        'const { exec } = require("child_process");\n'
        "const app = express();\n"
        f"{sinks}"
        f"const jobs = [{table}];\n"
        'app.get("/jobs", (req, res) => {\n'
        "  for (const job of jobs) job(req.query.arg);\n"
        "  res.end();\n"
        "});\n"
    )
    report = scan_path(tmp_path)
    flagged = [f for f in report.findings if f.rule == "NW103"]
    assert len(flagged) == MAX_TARGETS  # run0 .. run63, each on its exec line
    assert sorted(f.location.line for f in flagged if isinstance(f.location, SourceLocation)) == [
        5 + 3 * i for i in range(MAX_TARGETS)
    ]
    reasons = [s.reason for s in report.skips if s.target == "app.js"]
    assert any(f"a call through data reaches over {MAX_TARGETS} functions" in r for r in reasons)


def test_a_helper_calling_its_own_parameter_is_not_bound_to_every_caller(
    tmp_path: Path,
) -> None:
    # `run` calls `fn` itself (no closure): the unsafe function passed elsewhere with a
    # constant must not be reached from the call that passes request data.
    (tmp_path / "app.js").write_text(
        'const express = require("express");\n'
        'const { exec } = require("child_process");\n'
        "const app = express();\n"
        "function run(fn, x) { return fn(x); }\n"
        'function shell(x) { exec("ls " + x); }\n'
        "function quiet(x) { return String(x).length; }\n"
        'run(shell, "/tmp");\n'
        'app.get("/a", (req, res) => res.json({ n: run(quiet, req.query.x) }));\n'
    )
    assert _findings(tmp_path, "NW103") == []


def test_a_factory_closure_reaches_only_the_functions_passed_to_the_factory(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.js").write_text(
        'const express = require("express");\n'
        'const { exec } = require("child_process");\n'
        "const app = express();\n"
        "const make = (sink) => (req, res) => { sink(req.query.x); res.end(); };\n"
        'function shell(x) { exec("ls " + x); }\n'
        'function other(x) { exec("cat " + x); }\n'
        'app.get("/a", make(shell));\n'
        'other("/etc/hosts");\n'
    )
    assert _findings(tmp_path, "NW103") == [("app.js", 5)]


def test_loop_registrations_take_method_path_and_handler_from_the_same_record(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.js").write_text(
        'const express = require("express");\n'
        "const app = express();\n"
        "const routes = [\n"
        '  { method: "get", path: "/one", handler: (req, res) => res.end() },\n'
        '  { method: "post", path: "/two", handler: (req, res) => res.end() },\n'
        "];\n"
        "for (const r of routes) app[r.method](r.path, r.handler);\n"
        "const actions = { start() {}, stop() {} };\n"
        'Object.keys(actions).forEach((name) => app.put("/do/" + name, (req, res) => res.end()));\n'
        "for (const r of load()) app.get(r.path, r.handler);\n"
    )
    model = app_model(project_at(tmp_path))
    assert route_table(model) == [
        ("GET", "/one", (), "app.js:4"),
        ("POST", "/two", (), "app.js:5"),
        ("PUT", "/do/start", (), "app.js:9"),
        ("PUT", "/do/stop", (), "app.js:9"),
        ("GET", "/<dynamic>", (), "app.js:10"),
    ]
    assert [u.reason for u in model.unresolved] == ["route path `r.path` is not a constant"]


def test_the_fixture_app_lists_routes_of_tables_in_other_modules_and_keys() -> None:
    rows = route_table(app_model(project_at(RULES / "flows_function_values_js")))
    paths = [(method, path) for method, path, _chain, _handler in rows]
    assert ("POST", "/tasks/backup") in paths
    assert ("GET", "/tasks/usage") in paths
    assert ("POST", "/convert/pdf") in paths
    assert ("GET", "/accounts/byEmail") in paths
    assert ("GET", "/net/ping") in paths  # Object.keys of another module's exports
    assert ("POST", "/pack/zip") in paths  # a Map's keys, by for-of
    assert ("POST", "/v2/pack/tar") in paths  # and by its forEach
    assert ("GET", "/orders/:id", (), "app.js:105") in rows  # the factory's handler


def test_a_table_with_spreads_and_its_own_entries_reaches_both(tmp_path: Path) -> None:
    (tmp_path / "lib.js").write_text(
        'const { exec } = require("child_process");\nexports.spreadSink = (x) => exec("a " + x);\n'
    )
    (tmp_path / "app.js").write_text(
        'const express = require("express");\n'
        'const { exec } = require("child_process");\n'
        "const app = express();\n"
        'const table = { ...require("./lib"), own: (x) => exec("b " + x) };\n'
        'app.get("/t/:k", (req, res) => { table[req.params.k](req.query.x); res.end(); });\n'
    )
    assert _findings(tmp_path, "NW103") == [("app.js", 4), ("lib.js", 2)]


def test_tables_spreading_tables_stay_bounded(tmp_path: Path) -> None:
    # each level spreads the one below twenty times: read naively, 20**depth entries
    levels = [
        f"const t{k} = [" + ", ".join([f"...t{k - 1}"] * 20) + f", {{ ...t{k - 1} }}];\n"
        for k in range(1, 25)
    ]
    (tmp_path / "app.js").write_text(
        'const express = require("express");\n'
        'const { exec } = require("child_process");\n'
        "const app = express();\n"
        'const t0 = [(x) => exec("a " + x)];\n'
        + "".join(levels)
        + 'app.get("/t", (req, res) => { t24[req.query.k](req.query.x); t2[0](req.query.y); });\n'
    )
    with hang_guard(60, "a scan of tables spreading tables"):
        findings = _findings(tmp_path, "NW103")
    assert findings == [("app.js", 4)]  # through t2 at least; deep tables end at the bound


@pytest.mark.parametrize(
    ("app", "routers"),
    [
        (
            "app.js",
            'const express = require("express");\n'
            "const app = express();\n"
            "const routers = {\n"
            '  "/users": require("./routes/users"),\n'
            '  "/orders": require("./routes/orders"),\n'
            "};\n"
            "for (const [prefix, router] of Object.entries(routers)) app.use(prefix, router);\n"
            'const mounts = [{ path: "/v2/users", router: require("./routes/users") }];\n'
            "mounts.forEach(({ path, router }) => app.use(path, router));\n",
        ),
        (
            "app.ts",
            'import express, { Router } from "express";\n'
            'import users from "./routes/users";\n'
            'import orders from "./routes/orders";\n'
            "const app = express();\n"
            'const routers: Record<string, Router> = { "/users": users, "/orders": orders };\n'
            "for (const [prefix, router] of Object.entries(routers)) app.use(prefix, router);\n"
            'const mounts = [{ path: "/v2/users", router: users }];\n'
            "mounts.forEach(({ path, router }) => app.use(path, router));\n",
        ),
    ],
)
def test_routers_mounted_in_a_loop_get_their_prefixes(
    tmp_path: Path, app: str, routers: str
) -> None:
    (tmp_path / "routes").mkdir()
    for name, line in (("users", 'router.get("/:id", ok);'), ("orders", 'router.post("/", ok);')):
        (tmp_path / "routes" / f"{name}.js").write_text(
            'const router = require("express").Router();\n'
            "const ok = (req, res) => res.json({});\n"
            f"{line}\n"
            "module.exports = router;\n"
        )
    (tmp_path / app).write_text(routers)
    rows = route_table(app_model(project_at(tmp_path)))
    assert sorted((method, path) for method, path, _chain, _handler in rows) == [
        ("GET", "/users/:id"),
        ("GET", "/v2/users/:id"),
        ("POST", "/orders"),
    ]
