"""routing-controllers in the app model (servers, controllers, routePrefix, @UseBefore,
@Authorized with and without an authorizationChecker) and in the taint engine (decorated
parameters as request sources): exact route tables, chains, handler roles, bad input."""

from __future__ import annotations

from pathlib import Path

from appmodel_helpers import project_at
from conftest import FIXTURES

from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.appmodel import AppModel, Guard, app_model, handlers
from nodeward.source.frameworks.registry import EXPRESS, KOA
from nodeward.source.frameworks.routing_controllers import routing_controllers_handler
from nodeward.source.taint.nest import NestSource, nest_handler

RULES = FIXTURES / "rules"


def _write(root: Path, files: dict[str, str]) -> Project:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return project_at(root)


def _table(model: AppModel) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [
        (
            r.method,
            r.path,
            tuple(m.name for m in r.chain),
            f"{r.handler.location.path}:{r.handler.location.line}",
        )
        for _app, r in model.routes()
    ]


def test_create_express_server_routes_prefixes_and_chains() -> None:
    model = app_model(project_at(RULES / "routes_routing_controllers_ts"))
    assert [(a.framework, a.name, a.location.path, a.location.line) for a in model.apps] == [
        (EXPRESS, "app", "src/app.ts", 8)
    ]
    admin, auth = "src/controllers/AdminController.ts", "src/controllers/AuthController.ts"
    log, is_admin = "LoggingMiddleware", '@Authorized("admin")'
    assert _table(model) == [
        ("GET", "/api/admin/users", (log, is_admin), f"{admin}:13"),
        ("DELETE", "/api/admin/users/:id", (log, is_admin), f"{admin}:19"),
        ("GET", "/api/admin/reports/:id", (log,), f"{admin}:28"),
        (
            "PUT",
            "/api/admin/reports/:id",
            (log, '@Authorized(["admin", "auditor"])'),
            f"{admin}:35",
        ),
        ("POST", "/api/auth/login", (log,), f"{auth}:11"),
        ("POST", "/api/auth/password/reset", (log, "resetLimiter"), f"{auth}:19"),
    ]
    guards = {m.name: m.guards for _a, r in model.routes() for m in r.chain}
    assert guards[is_admin] == {Guard.AUTH}  # an authorizationChecker is configured
    assert guards[log] == frozenset()
    assert guards["resetLimiter"] == {Guard.RATE_LIMIT}
    delete = next(r for _a, r in model.routes() if r.label == "DELETE /api/admin/users/:id")
    assert (delete.params, delete.handler.name, delete.location.line) == (
        ("id",),
        "AdminController.remove",
        18,
    )
    # app.use(helmet()) comes after createExpressServer registered the controllers
    (use,) = model.apps[0].uses
    assert use.middleware.name == "helmet()"
    assert len(use.routes_before) == 6


def test_handlers_are_the_methods_the_taint_engine_recognises() -> None:
    triples = handlers(app_model(project_at(RULES / "routes_routing_controllers_ts")))
    assert len(triples) == 6
    for _route, method, _ctx in triples:
        assert routing_controllers_handler(method) is not None


def test_use_express_server_globs_checks_and_koa(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "server.ts": (
                'import express from "express";\n'
                'import helmet from "helmet";\n'
                'import { useExpressServer, createKoaServer } from "routing-controllers";\n'
                "const app = express();\n"
                "app.use(helmet());\n"
                "useExpressServer(app, {\n"
                '  routePrefix: "/v1",\n'
                '  controllers: [__dirname + "/controllers/*.ts"],\n'
                "});\n"
                'app.use("/late", express.json());\n'
                "export const koa = createKoaServer({ controllers: [] });\n"
            ),
            "controllers/Orders.ts": (
                "import { Authorized, Controller, CurrentUser, Method, Post, UseBefore }"
                ' from "routing-controllers";\n'
                'import { requireAuth } from "../auth";\n'
                "@Controller()\n"
                "@UseBefore(requireAuth)\n"
                "export class Orders {\n"
                "  @Authorized()\n"
                '  @Post("/orders")\n'
                "  create(@CurrentUser({ required: true }) user: object) { return user; }\n"
                '  @Method("patch", "/orders/:id")\n'
                "  patch() { return 1; }\n"
                "}\n"
            ),
            "auth.ts": (
                "export function requireAuth(req: any, res: any, next: any) {\n"
                "  if (!req.user) return res.status(401).end();\n"
                "  next();\n"
                "}\n"
            ),
        },
    )
    model = app_model(project)
    assert [(a.framework, a.name) for a in model.apps] == [
        (EXPRESS, "app"),
        (KOA, "koa"),
    ]
    no_checker = "@Authorized() (no authorizationChecker configured)"
    no_user = "@CurrentUser({ required: true }) (no currentUserChecker configured)"
    assert _table(model) == [
        (
            "POST",
            "/v1/orders",
            ("helmet()", "requireAuth", no_checker, no_user),
            "controllers/Orders.ts:8",
        ),
        ("PATCH", "/v1/orders/:id", ("helmet()", "requireAuth"), "controllers/Orders.ts:10"),
    ]
    chain = model.apps[0].routes[0].chain
    assert [sorted(g.value for g in m.guards) for m in chain] == [["helmet"], ["auth"], [], []]
    late = next(u for u in model.apps[0].uses if u.prefix == "/late")
    assert len(late.routes_before) == 2  # applied after useExpressServer


def test_unlisted_controllers_are_orphans_and_bad_options_skip(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "server.ts": (
                'import { createExpressServer } from "routing-controllers";\n'
                'import { Listed } from "./listed";\n'
                "createExpressServer({ controllers: [Listed] });\n"
                "export function mount(app: any, options: any) {\n"
                '  require("routing-controllers").useExpressServer(app, loadOptions());\n'
                "}\n"
            ),
            "listed.ts": (
                'import { JsonController, Get } from "routing-controllers";\n'
                '@JsonController("/a") export class Listed { @Get() list() { return []; } }\n'
            ),
            "other.ts": (
                'import { JsonController, Get } from "routing-controllers";\n'
                "const base = process.env.BASE;\n"
                '@JsonController("/b")\n'
                "export class Other {\n"
                "  @Get(base) list() { return []; }\n"
                "  @Get \n"
                "  bare() { return []; }\n"
                "  notARoute() { return []; }\n"
                "}\n"
            ),
        },
    )
    model = app_model(project)
    listed, mounted = model.apps
    assert [r.label for r in listed.routes] == ["GET /a"]
    # options from a call: every controller, on an app the model cannot follow
    assert (mounted.name, mounted.location.line) == ("the app given to useExpressServer()", 5)
    assert [(r.label, r.complete) for r in mounted.routes] == [
        ("GET /a", False),
        ("GET <dynamic>", False),
        ("GET /b", False),
    ]
    assert model.orphan_routes == ()
    reasons = {s.reason for s in model.unresolved}
    assert "route path of Other.list is not a constant" in reasons
    assert "routing-controllers options not resolved" in reasons
    (tmp_path / "server.ts").write_text(
        'import { createExpressServer } from "routing-controllers";\n'
        'import { Listed } from "./listed";\n'
        "createExpressServer({ controllers: [Listed] });\n"
    )
    model = app_model(project_at(tmp_path))
    assert [(r.label, r.complete) for r in model.orphan_routes] == [
        ("GET <dynamic>", False),
        ("GET /b", False),
    ]


def test_decorated_parameters_are_request_sources(tmp_path: Path) -> None:
    project = _write(
        tmp_path,
        {
            "c.ts": (
                "import { JsonController, Controller, Get, Post, Body, BodyParam, Param,"
                " QueryParam, HeaderParam, CookieParam, UploadedFile, Req, Res, Render }"
                ' from "routing-controllers";\n'
                '@JsonController("/x")\n'
                "export class X {\n"
                '  @Post("/:id")\n'
                '  a(@Body() b: object, @BodyParam("n") n: string, @Param("id") id: number,\n'
                '    @QueryParam("q") q: string, @HeaderParam("X-Token") t: string,\n'
                '    @CookieParam("sid") s: string, @UploadedFile("f") f: object,\n'
                "    @Req() req: object, @Res() res: object) { return b; }\n"
                "}\n"
                "@Controller()\n"
                "export class Y {\n"
                '  @Get("/y") y() { return "hi"; }\n'
                '  @Get("/v") @Render("view") v() { return {}; }\n'
                "}\n"
            ),
            "nest.ts": (
                'import { Controller, Get, Query } from "@nestjs/common";\n'
                '@Controller("n")\n'
                'export class N { @Get() n(@Query("q") q: string) { return q; } }\n'
            ),
        },
    )
    methods = {
        syntax.text(m.child_by_field_name("name")): m
        for ctx in project.files
        for m in ctx.nodes("method_definition")
    }
    x = routing_controllers_handler(methods["a"])
    assert x is not None
    assert [(p.name, p.source, p.key) for p in x.params] == [
        ("b", NestSource.BODY, None),
        ("n", NestSource.BODY, "n"),
        ("q", NestSource.QUERY, "q"),
        ("t", NestSource.HEADERS, "x-token"),
        ("s", NestSource.COOKIES, "sid"),
        ("f", NestSource.FILE, None),
    ]
    assert (x.converted, x.request, x.response, x.returns_html) == (
        frozenset({"id"}),
        "req",
        "res",
        False,
    )
    y, v = routing_controllers_handler(methods["y"]), routing_controllers_handler(methods["v"])
    assert y is not None and y.returns_html
    assert v is not None and not v.returns_html
    # a NestJS @Controller is not routing-controllers'
    assert routing_controllers_handler(methods["n"]) is None
    assert nest_handler(methods["n"]) is not None
