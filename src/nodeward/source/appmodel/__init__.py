"""The app model: every route of every Express (4/5), Koa, Fastify, NestJS or Hapi app in
the project, with its full mounted path and the ordered middleware chain that runs before
its handler (Fastify hooks, NestJS guards, Hapi auth: see source/frameworks/).

Built once per scan and shared by every rule and by the taint engine:

- `app_model(project)` -> `AppModel` (apps, their routes, routers no app mounts, and what
  could not be resolved), memoized per `Project`;
- `handlers(project)` -> `(Route, function node, FileContext)` for every route whose
  handler resolved to a function, so the taint engine can treat the handler's first two
  parameters as the request and the response and know which route (and chain) reached it.

What the model follows: `express()`, `express.Router()`/`Router()`, `new Koa()`,
koa-router/@koa/router (with `prefix`), routers exported with `module.exports` or `export
default` and mounted with `app.use(prefix, ...)` in another file (or `require(...)` inline),
router factories (`app.use("/api", makeRouter())`), `app.route("/x").get(...).post(...)`,
chained `router.get(...).post(...)`, `router.use(mw)` scoped to that router, middleware
arrays, route-registration helpers that receive the app (`module.exports = (app) => {...}`
called as `require("./routes")(app)`), `this.app` fields, TS casts; Fastify apps
(`fastify()`, plugins registered with a prefix, fastify-plugin, @fastify/autoload folders,
hooks with Fastify's encapsulation, route options objects, `app.route({...})`) and NestJS
apps (controllers, `@UseGuards`, APP_GUARD and global guards, `@Public()`,
`@SkipThrottle()`, `consumer.apply(...).forRoutes(...)`, the global prefix). What it marks as
unresolved (a Skip, and routes whose chain is incomplete): dynamic requires, spread
middleware, routes registered with computed methods (loops, configuration), circular
mounts, non-constant paths, and routers no app mounts (their chains lack app middleware).
"""

from __future__ import annotations

import weakref

from nodeward import progress
from nodeward.findings import Route as ReportRoute
from nodeward.project import Project
from nodeward.source.appmodel.model import (
    App,
    AppModel,
    AppUse,
    Guard,
    Handler,
    Middleware,
    Route,
)
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

__all__ = [
    "App",
    "AppModel",
    "AppUse",
    "Guard",
    "Handler",
    "Middleware",
    "Route",
    "app_model",
    "handlers",
    "report_routes",
]

# Keyed by id(): Project is a mutable dataclass (unhashable); the weakref makes sure an id
# reused by a later Project never returns a stale model.
_CACHE: dict[int, tuple[weakref.ref[Project], AppModel]] = {}


def app_model(project: Project) -> AppModel:
    """The project's app model, built on first use; its unresolved parts are recorded as
    the project's skips once."""
    cached = _CACHE.get(id(project))
    if cached is not None and cached[0]() is project:
        return cached[1]
    # the builder reads the framework registry, whose modules import this package
    from nodeward.source.appmodel.builder import build

    files = project.files
    with progress.task("app model", len(files), unit="files", quiet=project.config.quiet) as step:
        model = build(files, advance=step)
    for skip in model.unresolved:
        project.add_skip(skip)
    _CACHE[id(project)] = (weakref.ref(project), model)
    weakref.finalize(project, _CACHE.pop, id(project), None)
    return model


def report_routes(project: Project) -> tuple[ReportRoute, ...]:
    """The route table as plain report data (mounted routes first, then unmounted ones)."""
    rows = []
    for _app, route in app_model(project).routes():
        function, ctx = route.handler.function, route.handler.ctx
        span = ctx.location(function) if function is not None and ctx is not None else None
        rows.append(
            ReportRoute(
                method=route.method.upper(),
                path=route.path,
                location=route.location,
                middleware=tuple(m.name for m in route.chain),
                handler=route.handler.name,
                handler_location=span,
                complete=route.complete,
            )
        )
    return tuple(rows)


def handlers(project: Project) -> list[tuple[Route, Node, FileContext]]:
    """Every route handler that resolved to a function, with its route and file."""
    return [
        (route, route.handler.function, route.handler.ctx)
        for _app, route in app_model(project).routes()
        if route.handler.function is not None and route.handler.ctx is not None
    ]
