"""The app model: every route of every Express (4/5), Koa, Fastify, NestJS or Hapi app in
the project, with its full mounted path and the ordered middleware chain that runs before
its handler (Fastify hooks, NestJS guards, Hapi auth: see source/frameworks/).

Built once per scan by the analysis context (analysis/context.py) and shared by every
rule and by the taint engine:

- `app_model(project, graph)` -> `AppModel` (apps, their routes, routers no app mounts,
  and what could not be resolved: `AppModel.unresolved`, reported by the route table);
- `handlers(model)` -> `(Route, function node, FileContext)` for every route whose
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
from nodeward.source.modules import ModuleGraph
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


def app_model(project: Project, graph: ModuleGraph | None = None) -> AppModel:
    """Build the project's app model over `graph` (the scan's module graph; a new one
    when None). A scan reads it from its AnalysisContext, which builds it once."""
    # the builder reads the framework registry, whose modules import this package
    from nodeward.source.appmodel.builder import build

    files = project.files
    with progress.task("app model", len(files), unit="files", quiet=project.config.quiet) as step:
        return build(files, graph, advance=step)


def report_routes(model: AppModel) -> tuple[ReportRoute, ...]:
    """The route table as plain report data (mounted routes first, then unmounted ones)."""
    rows = []
    for _app, route in model.routes():
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


def handlers(model: AppModel) -> list[tuple[Route, Node, FileContext]]:
    """Every route handler that resolved to a function, with its route and file."""
    return [
        (route, route.handler.function, route.handler.ctx)
        for _app, route in model.routes()
        if route.handler.function is not None and route.handler.ctx is not None
    ]
