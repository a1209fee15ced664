"""The app model for Fastify (plugins, hooks, encapsulation) and NestJS (controllers,
guards, APP_GUARD, @Public/@SkipThrottle): exact route tables, the `routes` command, the
handlers the taint engine receives, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from appmodel_helpers import project_at, route_labelled, route_table
from conftest import FIXTURES

from nodeward.cli import main
from nodeward.source.appmodel import Guard, app_model, handlers
from nodeward.source.frameworks.registry import FASTIFY, NESTJS
from nodeward.source.taint.nest import nest_handler

RULES = FIXTURES / "rules"


FASTIFY_JS = ("@fastify/helmet", "@fastify/jwt", "@fastify/rate-limit (global: false)")


def test_fastify_commonjs_plugins_hooks_and_encapsulation() -> None:
    model = app_model(project_at(RULES / "routes_fastify_js"))
    assert [(a.framework, a.name, a.location.line) for a in model.apps] == [(FASTIFY, "fastify", 1)]
    assert route_table(model) == [
        ("POST", "/login", FASTIFY_JS, "app.js:21"),
        ("POST", "/auth/token", (*FASTIFY_JS, "config.rateLimit"), "app.js:30"),
        ("GET", "/admin/stats", FASTIFY_JS, "routes/admin.js:7"),
        (
            "DELETE",
            "/admin/users/:id",
            (*FASTIFY_JS, "app.authenticate", "requireRole()"),
            "routes/admin.js:10",
        ),
        ("DELETE", "/admin/orders/:id", FASTIFY_JS, "routes/admin.js:16"),
        ("POST", "/admin/users/:id/role", (*FASTIFY_JS, "app.authenticate"), "routes/admin.js:25"),
        ("PUT", "/admin/users/:id/role", (*FASTIFY_JS, "app.authenticate"), "routes/admin.js:25"),
        # the plugin's hook is added after the route and still applies
        ("GET", "/manage/reports", (*FASTIFY_JS, "<inline function>"), "routes/manage.js:3"),
        # ... but only inside the plugin (encapsulation)
        ("GET", "/internal/queue", FASTIFY_JS, "app.js:41"),
        # a fastify-plugin (fp) plugin's hook reaches the instance that registered it
        ("GET", "/staff/dashboard/orders", (*FASTIFY_JS, "app.authenticate"), "app.js:48"),
    ]
    assert route_labelled(model, "GET /manage/reports").guarded_by(
        Guard.AUTH
    )  # request.jwtVerify()
    assert not route_labelled(model, "POST /login").guarded_by(Guard.RATE_LIMIT)
    assert route_labelled(model, "POST /auth/token").guarded_by(Guard.RATE_LIMIT)
    assert route_labelled(model, "DELETE /admin/users/:id").params == ("id",)
    assert [u.middleware.name for u in model.apps[0].uses] == list(FASTIFY_JS)
    assert model.unresolved == ()


def test_fastify_esm_typescript_plugins_in_other_files() -> None:
    model = app_model(project_at(RULES / "routes_fastify_ts"))
    base = ("@fastify/helmet", "@fastify/auth")
    assert route_table(model) == [
        (
            "POST",
            "/api/sessions/login",
            (*base, "@fastify/rate-limit"),
            "src/handlers/sessions.ts:9",
        ),
        ("POST", "/api/sessions/otp/verify", base, "src/handlers/sessions.ts:18"),
        (
            "GET",
            "/api/admin/invoices",
            (*base, "fastify.auth([fastify.verifyJWT, fastify.verifyAdmin])"),
            "src/routes/admin.ts:9",
        ),
        ("POST", "/api/admin/invoices/:id/refund", base, "src/routes/admin.ts:12"),
        (
            "DELETE",
            "/api/admin/customers/:id",
            (*base, "fastify.verifyJWT", "fastify.verifyAdmin"),
            "src/routes/admin.ts:21",
        ),
    ]
    assert route_labelled(model, "POST /api/sessions/login").guarded_by(Guard.RATE_LIMIT)
    assert route_labelled(model, "GET /api/admin/invoices").guarded_by(Guard.AUTH)


def test_fastify_shapes_in_one_file(tmp_path: Path) -> None:
    (tmp_path / "server.mjs").write_text(
        'import { fastify } from "fastify";\n'
        'import rateLimit from "@fastify/rate-limit";\n'
        "const app = fastify();\n"
        "const opts = { onRequest: [app.authenticate], preHandler: verifyOwner };\n"
        'app.get("/a", opts, async (request, reply) => reply.send(1));\n'
        'app.post("/b", { handler: createB, preValidation: [checkCsrf] });\n'
        'app.route({ method: ["GET", "HEAD"], url: "/c", handler });\n'
        'app.addHook("onSend", logIt);\n'
        "app.register(async (child) => {\n"
        "  child.register(rateLimit);\n"
        '  child.all("/d", handler);\n'
        '}, { prefix: "/v2" });\n'
        "async function handler(request, reply) {}\n"
        "async function createB(request, reply) {}\n"
    )
    model = app_model(project_at(tmp_path))
    assert [(r.method, r.path, tuple(m.name for m in r.chain)) for r in model.apps[0].routes] == [
        ("GET", "/a", ("app.authenticate", "verifyOwner")),
        ("POST", "/b", ("checkCsrf",)),
        ("GET", "/c", ()),
        ("HEAD", "/c", ()),
        ("ALL", "/v2/d", ("@fastify/rate-limit",)),
    ]
    assert route_labelled(model, "POST /b").guarded_by(Guard.CSRF)
    assert route_labelled(model, "POST /b").handler.name == "createB"
    assert route_labelled(model, "ALL /v2/d").guarded_by(Guard.RATE_LIMIT)


def test_fastify_bad_input_is_skipped_not_crashed(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text(
        'const app = require("fastify")();\n'
        'app.register(require("./missing"), { prefix: "/x" });\n'
        "app.register(loop);\n"
        "async function loop(f) { f.register(loop); f.get('/l', h); }\n"
        'app.route({ method: verb, url: "/m", handler: h });\n'
        "app.route({ url: base + '/n', method: 'GET', handler: h });\n"
        "app.route();\napp.register();\napp.addHook('onRequest');\n"
        "app.get('/z', { schema: {} });\n"
        "function h(request, reply) {}\n"
    )
    model = app_model(project_at(tmp_path))
    assert [(r.label, r.complete) for r in model.apps[0].routes] == [
        ("GET /l", False),
        ("GET /<dynamic>", False),
    ]
    reasons = sorted(s.reason.split(";")[0].split(" `")[0] for s in model.unresolved)
    assert reasons == [
        "plugin",
        "plugin registered inside itself (circular)",
        "route method is not a constant",
        "route url is not a constant",
    ]


NEST_BASE = ("helmet()", "ThrottlerGuard")


def test_nestjs_controllers_guards_and_global_prefix() -> None:
    model = app_model(project_at(RULES / "routes_nestjs_ts"))
    assert [(a.framework, a.location.path, a.location.line) for a in model.apps] == [
        (NESTJS, "src/main.ts", 7)
    ]
    jwt, public = "JwtAuthGuard", "JwtAuthGuard (skipped: @Public())"
    admin = "src/admin/admin.controller.ts"
    assert route_table(model) == [
        ("GET", "/api/admin/users", (*NEST_BASE, jwt, "RolesGuard"), f"{admin}:12"),
        ("DELETE", "/api/admin/users/:id", (*NEST_BASE, jwt, "RolesGuard"), f"{admin}:19"),
        ("GET", "/api/admin/reports/:id", (*NEST_BASE, public, "AuditGuard"), f"{admin}:30"),
        (
            "GET",
            "/api/admin/reports/:id/export",
            (*NEST_BASE, public, 'AuthGuard("jwt")', "RolesGuard"),
            f"{admin}:38",
        ),
        ("POST", "/api/auth/login", (*NEST_BASE, public), "src/auth/auth.controller.ts:17"),
        (
            "POST",
            "/api/auth/password/reset",
            ("helmet()", "ThrottlerGuard (skipped: @SkipThrottle())", public),
            "src/auth/auth.controller.ts:28",
        ),
        ("GET", "/api/internal/jobs", (*NEST_BASE, jwt), "src/internal/internal.controller.ts:8"),
        (
            "POST",
            "/api/internal/cache/flush",
            (*NEST_BASE, public),
            "src/internal/internal.controller.ts:15",
        ),
    ]
    guards = {m.name: m.guards for _a, r in model.routes() for m in r.chain}
    assert guards["JwtAuthGuard"] == {Guard.AUTH}  # extends AuthGuard('jwt') from @nestjs/passport
    assert guards["RolesGuard"] == {Guard.AUTH}  # its canActivate can return false
    assert guards["AuditGuard"] == frozenset()  # always returns true
    assert guards["ThrottlerGuard"] == {Guard.RATE_LIMIT}
    assert guards[public] == frozenset()
    login = route_labelled(model, "POST /api/auth/login")
    assert (login.location.line, login.handler.name) == (15, "AuthController.login")
    assert login.params == ()
    assert route_labelled(model, "DELETE /api/admin/users/:id").params == ("id",)


def test_nestjs_handlers_are_the_methods_the_taint_engine_recognises() -> None:
    triples = handlers(app_model(project_at(RULES / "routes_nestjs_ts")))
    assert len(triples) == 8
    for _r, method, _ctx in triples:
        assert method.type == "method_definition"
        assert nest_handler(method) is not None


def test_nestjs_without_bootstrap_and_other_shapes(tmp_path: Path) -> None:
    (tmp_path / "cats.controller.ts").write_text(
        'import { Controller, Get, Post, UseGuards } from "@nestjs/common";\n'
        'import { SkipThrottle, ThrottlerGuard } from "@nestjs/throttler";\n'
        "const BASE = 'cats';\n"
        "@SkipThrottle()\n"
        "@Controller(BASE)\n"
        "@UseGuards(new ThrottlerGuard())\n"
        "export class CatsController {\n"
        "  @Get(['', 'all']) list() { return []; }\n"
        "  @SkipThrottle(false)\n"
        "  @UseGuards(ThrottlerGuard)\n"
        "  @Post(path) create() { return 1; }\n"
        "  helper() { return 2; }\n"
        "}\n"
        "@Controller() export class RootController { @Get() root() { return 'ok'; } }\n"
    )
    (tmp_path / "odd.controller.ts").write_text(
        'import { Controller, Get, UseGuards } from "@nestjs/common";\n'
        "@Controller(...parts) export class A { @Get(1) @UseGuards(...guards) a() {} }\n"
        "@Controller export class B { @Get x() {} }\n"
        "@Controller('c') export class C { @Get() get; @Post() }\n"
    )
    model = app_model(project_at(tmp_path))
    assert model.apps == ()
    assert sorted(s.reason for s in model.unresolved) == [
        "guards spread from `...guards` not resolved",
        "route path of A.a is not a constant",
        "route path of CatsController.create is not a constant",
    ]
    assert [(r.label, tuple(m.name for m in r.chain), r.complete) for r in model.orphan_routes] == [
        ("GET /cats", (), False),
        # @SkipThrottle(false) on the method restores the class's guard
        ("POST <dynamic>", ("ThrottlerGuard", "ThrottlerGuard"), False),
        ("GET /", (), False),
        ("GET <dynamic>", (), False),
        ("GET /", (), False),
    ]


def test_routes_command_prints_fastify_and_nest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", str(RULES / "routes_nestjs_ts")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nestjs app `app` (src/main.ts:7)")
    assert "  POST    /api/internal/cache/flush" in out
    assert main(["routes", str(RULES / "routes_fastify_ts")]) == 0
    out = capsys.readouterr().out
    assert "fastify app `app` (src/server.ts:8)" in out
    assert "-> src/handlers/sessions.ts:9" in out


def test_fastify_autoload_folders_become_prefixed_plugins(tmp_path: Path) -> None:
    """The fastify-cli layout: plugins/ (fastify-plugin, shared) and routes/ (one
    encapsulated plugin per file, prefixed with its folder)."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "routes" / "admin").mkdir(parents=True)
    (tmp_path / "app.js").write_text(
        'const path = require("node:path");\n'
        'const AutoLoad = require("@fastify/autoload");\n'
        "module.exports = async function (fastify, opts) {\n"
        '  fastify.register(AutoLoad, { dir: path.join(__dirname, "plugins") });\n'
        "  fastify.register(AutoLoad, {\n"
        '    dir: path.join(__dirname, "routes"),\n'
        '    options: { prefix: "/api" },\n'
        "  });\n"
        "};\n"
    )
    (tmp_path / "plugins" / "auth.js").write_text(
        'const fp = require("fastify-plugin");\n'
        "module.exports = fp(async (f) => {\n"
        '  f.decorate("authenticate", async (request) => request.jwtVerify());\n'
        "});\n"
    )
    (tmp_path / "routes" / "root.js").write_text(
        'module.exports = async (f) => { f.get("/", async () => ({ root: true })); };\n'
    )
    (tmp_path / "routes" / "admin" / "index.js").write_text(
        "module.exports = async function (f) {\n"
        '  f.addHook("onRequest", f.authenticate);\n'
        '  f.get("/users", async () => []);\n'
        "};\n"
    )
    (tmp_path / "routes" / "schemas.js").write_text("module.exports = { user: {} };\n")
    model = app_model(project_at(tmp_path))
    assert [(a.name, a.location.line) for a in model.apps] == [("fastify-cli plugin app.js", 3)]
    assert [(r.label, tuple(m.name for m in r.chain)) for r in model.apps[0].routes] == [
        ("GET /api/admin/users", ("f.authenticate",)),
        ("GET /api", ()),
    ]


def test_nestjs_module_middleware_for_routes(tmp_path: Path) -> None:
    (tmp_path / "main.ts").write_text(
        'import { NestFactory } from "@nestjs/core";\n'
        'import { AppModule } from "./app.module";\n'
        "const app = await NestFactory.create(AppModule);\n"
    )
    (tmp_path / "app.module.ts").write_text(
        'import { MiddlewareConsumer, Module, NestModule, RequestMethod } from "@nestjs/common";\n'
        'import cookieParser from "cookie-parser";\n'
        'import { AuthMiddleware } from "./auth.middleware";\n'
        'import { CatsController, DogsController } from "./pets.controller";\n'
        "@Module({ controllers: [CatsController, DogsController] })\n"
        "export class AppModule implements NestModule {\n"
        "  configure(consumer: MiddlewareConsumer) {\n"
        '    consumer.apply(cookieParser()).forRoutes("*");\n'
        "    consumer\n"
        "      .apply(AuthMiddleware)\n"
        '      .exclude({ path: "cats", method: RequestMethod.GET })\n'
        '      .forRoutes(CatsController, { path: "dogs/*", method: RequestMethod.POST });\n'
        "  }\n"
        "}\n"
    )
    (tmp_path / "auth.middleware.ts").write_text(
        'import { Injectable, NestMiddleware, UnauthorizedException } from "@nestjs/common";\n'
        "@Injectable()\n"
        "export class AuthMiddleware implements NestMiddleware {\n"
        "  use(req: any, res: any, next: () => void) {\n"
        "    if (!req.headers.authorization) throw new UnauthorizedException();\n"
        "    next();\n"
        "  }\n"
        "}\n"
    )
    (tmp_path / "pets.controller.ts").write_text(
        'import { Controller, Get, Post } from "@nestjs/common";\n'
        '@Controller("cats")\n'
        "export class CatsController {\n"
        "  @Get() list() { return []; }\n"
        "  @Post() create() { return {}; }\n"
        "}\n"
        '@Controller("dogs")\n'
        "export class DogsController {\n"
        '  @Get(":id") one() { return {}; }\n'
        '  @Post(":id/adopt") adopt() { return {}; }\n'
        "}\n"
    )
    model = app_model(project_at(tmp_path))
    assert [(r.label, tuple(m.name for m in r.chain)) for r in model.apps[0].routes] == [
        ("GET /cats", ("cookieParser()",)),
        ("POST /cats", ("cookieParser()", "AuthMiddleware")),
        ("GET /dogs/:id", ("cookieParser()",)),
        ("POST /dogs/:id/adopt", ("cookieParser()", "AuthMiddleware")),
    ]
    assert route_labelled(model, "POST /cats").guarded_by(Guard.AUTH)


def test_fastify_type_provider_and_imported_plugins(tmp_path: Path) -> None:
    (tmp_path / "routes").mkdir()
    (tmp_path / "server.ts").write_text(
        'import Fastify from "fastify";\n'
        'import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";\n'
        "const server = Fastify({ logger: true }).withTypeProvider<TypeBoxTypeProvider>();\n"
        'server.register(import("./routes/users.js"), { prefix: "/users" });\n'
    )
    (tmp_path / "routes" / "users.ts").write_text(
        'import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";\n'
        "const users: FastifyPluginAsyncTypebox = async (app) => {\n"
        '  app.get("/:id", { schema: {} }, async (request, reply) => reply.send(request.params));\n'
        "};\n"
        "export default users;\n"
    )
    model = app_model(project_at(tmp_path))
    assert [(a.name, [r.label for r in a.routes]) for a in model.apps] == [
        ("server", ["GET /users/:id"])
    ]
    assert [
        (ctx.rel, fn.start_point.row + 1)
        for _r, fn, ctx in handlers(app_model(project_at(tmp_path)))
    ] == [("routes/users.ts", 3)]
