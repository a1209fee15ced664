"""Hapi through the framework seam: exact route tables (plugins, prefixes, route arrays,
`options`/`config`, default and per-route auth), the `routes` command, which parameters
the taint engine reads as request and toolkit, and flows found in Hapi handlers."""

from __future__ import annotations

from pathlib import Path

import pytest
from appmodel_helpers import project_at, route_labelled, route_table
from conftest import FIXTURES
from tree import write_file

from nodeward.cli import main
from nodeward.scan import scan_path
from nodeward.source import syntax
from nodeward.source.appmodel import Guard, app_model, handlers
from nodeward.source.frameworks.registry import FRAMEWORKS, HAPI
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.taint.handlers import handler_roles
from nodeward.source.taint.model import Shape, SinkKind, load_models, parse_models

RULES = FIXTURES / "rules"


def test_js_server_plugin_prefix_default_auth_and_opt_outs() -> None:
    model = app_model(project_at(RULES / "flows_hapi_js"))
    assert [(a.framework, a.name, a.location.line) for a in model.apps] == [(HAPI, "server", 9)]
    default = ("auth: session (cookie, default)",)
    assert route_table(model) == [
        ("GET", "/admin/users/{id}", default, "handlers/admin.js:9"),
        (
            "POST",
            "/admin/backup",
            ("auth: session (cookie)", "handlers.loadUser"),
            "handlers/admin.js:18",
        ),
        ("DELETE", "/admin/users/{id}", (), "handlers/admin.js:26"),  # auth: false
        ("GET", "/admin/files/{name}", default, "handlers/admin.js:31"),
        ("GET", "/search", (), "server.js:18"),
        ("GET", "/go", (), "server.js:30"),  # `config`, the handler inside it
        ("GET", "/home", (), "server.js:41"),
        ("GET", "/hello", (), "server.js:54"),
        ("POST", "/echo", default, "server.js:59"),
    ]
    assert route_labelled(model, "POST /echo").guarded_by(Guard.AUTH)
    assert route_labelled(model, "GET /admin/files/{name}").params == ("name",)
    assert not route_labelled(model, "DELETE /admin/users/{id}").guarded_by(Guard.AUTH)
    assert model.unresolved == ()
    # every handler resolved to its function, in the module that defines it
    assert {
        ctx.rel for _route, _node, ctx in handlers(app_model(project_at(RULES / "flows_hapi_js")))
    } == {
        "handlers/admin.js",
        "server.js",
    }


def test_ts_plugin_object_with_routes_option_and_typed_handlers() -> None:
    model = app_model(project_at(RULES / "flows_hapi_ts"))
    assert [(a.framework, a.location.path, a.location.line) for a in model.apps] == [
        (HAPI, "src/server.ts", 9)
    ]
    assert route_table(model) == [
        ("GET", "/api/users", ("auth: jwt (jwt, default)",), "src/handlers/users.ts:9"),
        (
            "GET",
            "/api/users/{id}/profile",
            ("auth: jwt (jwt, default)",),
            "src/handlers/users.ts:18",
        ),
        ("POST", "/api/reports", ("auth: jwt (jwt)",), "src/handlers/users.ts:23"),
        ("GET", "/api/avatars/{file}", (), "src/handlers/users.ts:30"),
        ("GET", "/api/admin/stats", (), "src/handlers/users.ts:9"),
        ("GET", "/greet", (), "src/server.ts:19"),
        ("POST", "/logout", ("auth: jwt (jwt, default)",), "src/server.ts:29"),
    ]


def test_default_auth_applies_only_to_routes_added_after_it(tmp_path: Path) -> None:
    """Hapi fixes a route's auth when the route is added; `mode: "try"` never requires
    credentials; the legacy `hapi` package and `method: "*"` work the same."""
    write_file(
        tmp_path,
        "index.js",
        (
            'const Hapi = require("hapi");\n'
            "const server = new Hapi.Server();\n"
            'server.route({ method: "GET", path: "/early", handler: (request, h) => "a" });\n'
            'server.auth.default("token");\n'
            'server.route({ method: "*", path: "/late", handler: (request, h) => "b" });\n'
            "server.route({ method: 'GET', path: '/try', options: { auth: { mode: 'try', "
            "strategy: 'token' } }, handler: (request, h) => 'c' });\n"
            "server.route({ method: 'GET', path: '/own', options: { auth: { strategy: "
            "'admin' } }, handler: (request, h) => 'd' });\n"
        ),
    )
    model = app_model(project_at(tmp_path))
    assert [(m, p, c) for m, p, c, _h in route_table(model)] == [
        ("GET", "/early", ()),
        ("ALL", "/late", ("auth: token (default)",)),
        ("GET", "/try", ()),
        ("GET", "/own", ("auth: admin",)),
    ]


def test_guard_plugins_protect_every_route_and_helpers_register_routes(tmp_path: Path) -> None:
    """@hapi/crumb and hapi-rate-limit protect every route of the server whenever they
    are registered; a function that receives the server (not a plugin) registers routes
    too when the project uses Hapi and not Fastify."""
    write_file(
        tmp_path,
        "index.js",
        (
            'const Hapi = require("@hapi/hapi");\n'
            'const Crumb = require("@hapi/crumb");\n'
            "const server = Hapi.server();\n"
            'require("./routes")(server);\n'
            'server.register([{ plugin: Crumb, options: {} }, require("hapi-rate-limit")]);\n'
        ),
    )
    write_file(
        tmp_path,
        "routes.js",
        (
            "module.exports = (server) => {\n"
            '  server.route({ method: "POST", path: "/login", handler: (request, h) => 1 });\n'
            "};\n"
        ),
    )
    model = app_model(project_at(tmp_path))
    assert route_table(model) == [
        ("POST", "/login", ("@hapi/crumb", "hapi-rate-limit"), "routes.js:2"),
    ]
    login = route_labelled(model, "POST /login")
    assert login.guarded_by(Guard.CSRF) and login.guarded_by(Guard.RATE_LIMIT)
    assert [u.middleware.name for u in model.apps[0].uses] == ["@hapi/crumb", "hapi-rate-limit"]


def test_fastify_route_objects_stay_fastify(tmp_path: Path) -> None:
    """`app.route({...})` on a Fastify instance or plugin is not Hapi's, though both
    frameworks call it `route`."""
    write_file(
        tmp_path,
        "app.js",
        (
            'const app = require("fastify")();\n'
            "app.register(async function (instance) {\n"
            '  instance.route({ method: "GET", url: "/a", handler: async (req, reply) => 1 });\n'
            '}, { prefix: "/p" });\n'
        ),
    )
    model = app_model(project_at(tmp_path))
    assert [a.framework.name for a in model.apps] == ["fastify"]
    assert [(m, p) for m, p, _c, _h in route_table(model)] == [("GET", "/p/a")]


def test_routes_command_lists_hapi_routes_with_their_auth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["routes", str(RULES / "flows_hapi_js")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("hapi app `server` (server.js:9)")
    assert "  POST    /admin/backup" in out
    assert "auth: session (cookie) > handlers.loadUser  -> handlers/admin.js:18" in out


def _function(source: str) -> Node:
    parsed = parse(SourceText("a.ts", source.encode(), tuple(source.splitlines())))
    return next(
        n for n in syntax.walk(parsed.root) if n.type in ("arrow_function", "function_declaration")
    )


@pytest.mark.parametrize(
    ("source", "request_name", "toolkit"),
    [
        ("const f = (request, h) => 1;", "request", "h"),
        ("function f(req: Request, t: ResponseToolkit) {}", "req", "t"),
        ("function f(r: Hapi.Request, t: Hapi.ResponseToolkit) {}", "r", "t"),
    ],
)
def test_hapi_handler_roles(source: str, request_name: str, toolkit: str) -> None:
    roles = handler_roles(_function(source))
    assert roles is not None and roles.nest is not None
    assert (roles.request, roles.response) == (request_name, toolkit)
    assert roles.nest.returns_html


def test_express_handlers_are_not_hapi() -> None:
    roles = handler_roles(_function("const f = (req, res) => 1;"))
    assert roles is not None and roles.nest is None
    assert (roles.request, roles.response) == ("req", "res")


def test_flows_in_hapi_handlers_are_found() -> None:
    report = scan_path(RULES / "flows_hapi_js")
    found = {(f.rule, f.location.path, f.location.line) for f in report.findings}
    assert {
        ("NW101", "handlers/admin.js", 11),
        ("NW103", "handlers/admin.js", 20),
        ("NW105", "handlers/admin.js", 33),
        ("NW901", "handlers/admin.js", 15),
        ("NW901", "server.js", 20),
        ("NW540", "server.js", 32),
    } <= found
    messages = [f.message for f in report.findings if f.rule == "NW901"]
    assert any("request.query.q flows into h.response()" in m for m in messages)


def test_frameworks_import_no_rule_module() -> None:
    """source/frameworks/* may be read by rules, never the other way round."""
    folder = Path(__file__).parents[3] / "src" / "nodeward" / "source" / "frameworks"
    for module in folder.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        for forbidden in ("nodeward.source.rules", "nodeward.rules", "nodeward.catalog"):
            assert forbidden not in text, f"{module.name} imports {forbidden}"
    assert HAPI in FRAMEWORKS


def test_each_framework_carries_its_request_model_rows() -> None:
    """The request sources and response sinks of a framework are rows of its module,
    parsed and validated like the library models."""
    models = load_models()
    assert models.sources[("@request", ("payload",))] is Shape.OBJECT  # Hapi
    assert models.sources[("@request", ("body",))] is Shape.OBJECT  # Express
    assert models.sources[("@koa", ("querystring",))] is Shape.OBJECT  # Koa
    assert [r.kind for r in models.sinks_for("@response", ("response",))] == [SinkKind.XSS]
    for framework in FRAMEWORKS:
        if framework.models:
            parse_models({framework.name: framework.models})  # raises ModelError if bad
