"""Request-rewriting middleware an app installs for every route.

`app.use(mongoSanitize())` (express-mongo-sanitize) strips every key that starts with `$`
or contains a dot from req.body, req.query, req.params and req.headers before any handler
runs, so no request value can carry a MongoDB operator object. Which middleware does what
is model data (`middleware` rows); this module only finds where an app installs it.

Only app-wide installs count here: `app.use(factory())` with no mount path, on an
`express()` app (or on a receiver nodeward cannot trace to a router), so every route sees
it. A middleware mounted on a path, on a router, or on one route protects only the routes
behind it: validation.py reads those from each route's middleware chain.

Clearing request data project-wide also covers code the route table cannot attribute to
a route (a helper reading `req.body` for its handler), so it only holds when every route
the app model resolved runs the middleware: a second app, or a route registered before
the `app.use`, keeps its request data, and its routed handlers are judged by their own
chains.
"""

from __future__ import annotations

from collections.abc import Iterable

from nodeward.source import syntax
from nodeward.source.appmodel.model import Middleware, Route
from nodeward.source.context import FileContext
from nodeward.source.taint.model import Models, SinkKind


def app_wide_cleared(
    files: Iterable[FileContext], models: Models, routes: Iterable[Route] = ()
) -> frozenset[SinkKind]:
    """The kinds no request data can reach because every route runs a sanitizing
    middleware first."""
    if not models.middleware:
        return frozenset()
    installed = _installed_app_wide(files, models)
    for route in routes:
        if installed and route.complete:
            installed &= frozenset().union(*(installed_clears(m, models) for m in route.chain))
    return installed


def installed_clears(middleware: Middleware, models: Models) -> frozenset[SinkKind]:
    """What one middleware of a route's chain does to every request field
    (`router.use(mongoSanitize())`)."""
    ref = middleware.ref
    path = ref.path[:-1] if ref is not None and ref.path[-1:] == ("()",) else ()
    if ref is None:
        return frozenset()
    return models.middleware.get((ref.module, path), frozenset())


def _installed_app_wide(files: Iterable[FileContext], models: Models) -> frozenset[SinkKind]:
    cleared: set[SinkKind] = set()
    modules = frozenset(module for module, _path in models.middleware)
    for ctx in files:
        if not ctx.imports_any(modules):
            continue  # what it installs is looked up by its Ref, which starts at an import
        for call in ctx.nodes("call_expression"):
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "member_expression":
                continue
            if syntax.text(fn.child_by_field_name("property")) != "use":
                continue
            receiver = ctx.ref_of(fn.child_by_field_name("object"))
            if receiver is not None and receiver.path[-2:] == ("Router", "()"):
                continue  # `router.use(...)`: only the routes behind the router
            args = syntax.call_arguments(call)
            if len(args) != 1:  # `app.use("/api", m())` protects one mount path only
                continue
            installed = syntax.unwrap(args[0])
            if installed is None or installed.type != "call_expression":
                continue
            ref = ctx.callee(installed)
            if ref is not None:
                cleared |= models.middleware.get((ref.module, ref.path), frozenset())
    return frozenset(cleared)
