"""routing-controllers (typestack) in the app model: controller classes registered on an
Express or Koa app by `createExpressServer({...})` / `useExpressServer(app, {...})` (and
the Koa twins).

A route's full path is the server's `routePrefix`, the controller's prefix
(`@JsonController('/users')`) and the method's (`@Get('/:id')`). Its chain, in the order
the driver registers it: the global `@Middleware({ type: 'before' })` classes, then
`@UseBefore(...)` on the class and on the method, then the authorization check that
`@Authorized()` adds. That check only guards when the server was given an
`authorizationChecker` (without one the route fails with an error, which is no access
control); likewise `@CurrentUser({ required: true })` refuses anonymous requests only
when a `currentUserChecker` is configured.

`createExpressServer` registers the controllers while it creates the app, so
`app.use(helmet())` written after it does not run before them; with `useExpressServer(app,
...)` the middleware applied to `app` before the call does.

`controllers: [UserController]` names the classes; a glob (`__dirname +
'/controllers/*.ts'`) or a value from configuration stands for every controller class in
the project, and so does leaving the option out (the driver then takes every controller
it has loaded). The handler of a route is the method's own node: the taint engine
recognises the same method (routing_controllers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from nodeward.findings import Skip
from nodeward.source import syntax
from nodeward.source.appmodel import paths
from nodeward.source.appmodel.guards import guards_of
from nodeward.source.appmodel.model import App, AppUse, Guard, Handler, Middleware, Route
from nodeward.source.appmodel.resolve import Creation, Resolver, member_function
from nodeward.source.context import FileContext
from nodeward.source.decorators import (
    Decorator,
    class_decorators,
    decorators,
    method_decorators,
    own_decorator_nodes,
)
from nodeward.source.frameworks.base import Framework
from nodeward.source.frameworks.decorator_routes import (
    ROUTING_CONTROLLERS_CONTROLLERS,
    ROUTING_CONTROLLERS_ROUTES,
    first_path,
)
from nodeward.source.frameworks.nestjs_consumer import MakeMiddleware
from nodeward.source.parse import Node

MODULE = "routing-controllers"
#: server function -> (framework, whether it creates the app rather than taking one)
_SERVERS = {
    "createExpressServer": ("express", True),
    "createKoaServer": ("koa", True),
    "useExpressServer": ("express", False),
    "useKoaServer": ("koa", False),
}
ROUTE_DECORATORS = ROUTING_CONTROLLERS_ROUTES
CONTROLLER_DECORATORS = ROUTING_CONTROLLERS_CONTROLLERS

Class = tuple[FileContext, Node]


@dataclass(frozen=True)
class Server:
    """One `createExpressServer(options)` / `useExpressServer(app, options)` call."""

    ctx: FileContext
    call: Node
    function: str  # createExpressServer, useExpressServer, ...
    framework: Framework
    creates: bool
    app: Creation | None  # the app the routes land on, when it resolved
    prefix: str
    controllers: tuple[Class, ...] | None  # None: every controller class
    middlewares: tuple[Class, ...] | None  # None: every @Middleware class
    authorization: bool  # an authorizationChecker is configured
    current_user: bool  # a currentUserChecker is configured


def _rc_files(files: list[FileContext]) -> list[FileContext]:
    return [ctx for ctx in files if MODULE in ctx.imported_modules()]


def _configured(options: Node | None, key: str) -> bool:
    value = syntax.unwrap(syntax.object_get(options, key)) if options is not None else None
    return value is not None and syntax.text(value) not in ("undefined", "null")


class RoutingControllersModel:
    def __init__(
        self, resolver: Resolver, files: list[FileContext], make_middleware: MakeMiddleware
    ) -> None:
        self.resolver = resolver
        self.files = _rc_files(files)
        self.make_middleware = make_middleware
        self.skips: list[Skip] = []
        self.servers = [s for ctx in self.files for s in self._servers(ctx)]

    # -- servers ----------------------------------------------------------------------

    def _servers(self, ctx: FileContext) -> Iterator[Server]:
        for call in ctx.nodes("call_expression"):
            ref = ctx.ref_of(call)
            if ref is None or ref.module != MODULE or len(ref.path) != 2:
                continue
            kind = _SERVERS.get(ref.path[0])
            if kind is None or ref.path[1] != "()":
                continue
            name, creates = kind
            # (imported here: the registry imports this module, through routing_controllers)
            from nodeward.source.frameworks.registry import BY_NAME

            framework = BY_NAME[name]
            args = syntax.call_arguments(call)
            app_arg = None if creates else (args[0] if args else None)
            option_arg = args[0 if creates else 1] if len(args) > (0 if creates else 1) else None
            options = syntax.unwrap(self.resolver.value(ctx, option_arg))
            if options is not None and options.type != "object":
                self.skips.append(
                    Skip(
                        f"{ctx.rel}:{syntax.line_of(call)}",
                        "routing-controllers options not resolved",
                    )
                )
                options = None
            prefix = ""
            if options is not None and syntax.object_get(options, "routePrefix") is not None:
                prefix = (
                    self.resolver.string(ctx, syntax.object_get(options, "routePrefix"))
                    or "<dynamic>"
                )
            yield Server(
                ctx=ctx,
                call=call,
                function=ref.path[0],
                framework=framework,
                creates=creates,
                app=self.resolver.creation(ctx, call if creates else app_arg),
                prefix=prefix,
                controllers=self._classes(ctx, options, "controllers"),
                middlewares=self._classes(ctx, options, "middlewares"),
                authorization=_configured(options, "authorizationChecker"),
                current_user=_configured(options, "currentUserChecker"),
            )

    def _classes(
        self, ctx: FileContext, options: Node | None, key: str
    ) -> tuple[Class, ...] | None:
        """The classes an options array names; None when it holds globs or is not a
        literal array (every class of the kind is then taken)."""
        node = syntax.object_get(options, key) if options is not None else None
        value = syntax.unwrap(self.resolver.value(ctx, node)) if node is not None else None
        if value is None or value.type != "array":
            return None
        found: list[Class] = []
        for element in value.named_children:
            cls = self.resolver.class_of(ctx, element)
            if cls is None or cls[1].type not in syntax.CLASS_TYPES:
                return None  # a glob, a spread or a class we cannot see
            found.append(cls)
        return tuple(found)

    # -- routes -----------------------------------------------------------------------

    def controllers(self) -> list[Class]:
        return [
            (ctx, cls)
            for ctx in self.files
            for cls in ctx.nodes(*syntax.CLASS_TYPES)
            if any(d.name in CONTROLLER_DECORATORS for d in class_decorators(cls))
        ]

    def _global_middleware(self, server: Server) -> list[Middleware]:
        classes = server.middlewares
        if classes is None:
            classes = tuple((ctx, c) for ctx in self.files for c in ctx.nodes(*syntax.CLASS_TYPES))
        found = []
        for ctx, cls in classes:
            marker = next((d for d in class_decorators(cls) if d.name == "Middleware"), None)
            if marker is None or not marker.args:
                continue
            kind = syntax.string_value(syntax.object_get(marker.args[0], "type"))
            if kind == "before":
                found.append(self._class_middleware(ctx, cls, cls))
        return found

    def routes(self, server: Server, before: list[Middleware]) -> list[Route]:
        """The routes `server` registers, behind the app middleware in `before`."""
        controllers = server.controllers if server.controllers is not None else self.controllers()
        chain = [*before, *self._global_middleware(server)]
        return [r for ctx, cls in controllers for r in self._controller(ctx, cls, server, chain)]

    def orphan_routes(self) -> list[Route]:
        """Controllers that no server registers (or a project whose server we cannot see):
        their chains lack the server's middleware."""
        if any(s.controllers is None for s in self.servers):
            return []
        served = {
            (ctx.rel, cls.start_byte) for s in self.servers for ctx, cls in s.controllers or ()
        }
        return [
            replace(route, complete=False)
            for ctx, cls in self.controllers()
            if (ctx.rel, cls.start_byte) not in served
            for route in self._controller(ctx, cls, None, [])
        ]

    def _controller(
        self, ctx: FileContext, cls: Node, server: Server | None, before: list[Middleware]
    ) -> Iterator[Route]:
        on_class = class_decorators(cls)
        controller = next((d for d in on_class if d.name in CONTROLLER_DECORATORS), None)
        body = cls.child_by_field_name("body")
        if controller is None or body is None:
            return
        base = first_path(self.resolver, ctx, controller.args)
        class_name = syntax.text(cls.child_by_field_name("name")) or "<controller>"
        prefix = server.prefix if server is not None else ""
        for method in body.named_children:
            if method.type != "method_definition":
                continue
            own = method_decorators(method)
            found = self._route_decorator(ctx, own)
            if found is None:
                continue
            verb, sub = found
            local = paths.join(base, sub) if base is not None and sub is not None else None
            path = "<dynamic>" if local is None else paths.join(paths.join("/", prefix), local)
            name = syntax.text(method.child_by_field_name("name"))
            if local is None:
                where = f"{ctx.rel}:{syntax.line_of(own[0].node)}"
                self.skips.append(
                    Skip(where, f"route path of {class_name}.{name} is not a constant")
                )
            chain = [*before, *self._uses(ctx, on_class), *self._uses(ctx, own)]
            chain += self._checks(ctx, server, on_class, own, method)
            yield Route(
                method=verb,
                path=path,
                params=paths.params(path),
                chain=tuple(chain),
                handler=Handler(f"{class_name}.{name}", ctx.location(method), method, ctx),
                location=ctx.location(own[0].node),
            )

    def _route_decorator(
        self, ctx: FileContext, own: list[Decorator]
    ) -> tuple[str, str | None] | None:
        for d in own:
            if d.name in ROUTE_DECORATORS:
                return ROUTE_DECORATORS[d.name], first_path(self.resolver, ctx, d.args)
            if d.name == "Method" and d.args:  # @Method('post', '/x')
                verb = (self.resolver.string(ctx, d.args[0]) or "ALL").upper()
                return verb, first_path(self.resolver, ctx, d.args[1:])
        return None

    def _uses(self, ctx: FileContext, decorators: list[Decorator]) -> list[Middleware]:
        """`@UseBefore(helmet(), AuthMiddleware)`: functions, or classes with a `use`."""
        found: list[Middleware] = []
        for d in decorators:
            if d.name != "UseBefore":
                continue
            for arg in d.args:
                cls = self.resolver.class_of(ctx, arg) if arg.type == "identifier" else None
                if cls is not None and cls[1].type in syntax.CLASS_TYPES:
                    found.append(self._class_middleware(cls[0], cls[1], arg, ctx))
                else:
                    found.append(self.make_middleware(ctx, arg))
        return found

    @staticmethod
    def _class_middleware(
        cls_ctx: FileContext, cls: Node, node: Node, ctx: FileContext | None = None
    ) -> Middleware:
        """A middleware class: judged by its name and the body of its `use` method."""
        name = syntax.text(cls.child_by_field_name("name")) or syntax.text(node)[:60]
        use = member_function(cls, "use")
        where = ctx if ctx is not None else cls_ctx
        return Middleware(
            name=name,
            ref=None,
            location=where.location(node),
            guards=guards_of(name, None, use, cls_ctx) if use is not None else frozenset(),
            node=node,
            ctx=where,
            definition=use,
            definition_ctx=cls_ctx if use is not None else None,
        )

    @staticmethod
    def _checks(
        ctx: FileContext,
        server: Server | None,
        on_class: list[Decorator],
        own: list[Decorator],
        method: Node,
    ) -> list[Middleware]:
        """The driver's own checks: `@Authorized()` and `@CurrentUser({ required: true })`."""
        found: list[Middleware] = []
        authorized = next((d for d in (*own, *on_class) if d.name == "Authorized"), None)
        if authorized is not None:
            guarded = server is None or server.authorization
            label = syntax.text(authorized.node)
            name = label if guarded else f"{label} (no authorizationChecker configured)"
            found.append(_check(ctx, authorized.node, name, guarded))
        for param in syntax.function_params(method):
            for d in decorators(own_decorator_nodes(param)):
                if d.name != "CurrentUser":
                    continue
                options = syntax.unwrap(d.args[0]) if d.args else None
                required = options is not None and syntax.bool_value(
                    syntax.object_get(options, "required")
                )
                if not required:
                    continue
                guarded = server is None or server.current_user
                label = syntax.text(d.node)
                name = label if guarded else f"{label} (no currentUserChecker configured)"
                found.append(_check(ctx, d.node, name, guarded))
        return found


def _check(ctx: FileContext, node: Node, name: str, guarded: bool) -> Middleware:
    return Middleware(
        name=name,
        ref=None,
        location=ctx.location(node),
        guards=frozenset({Guard.AUTH}) if guarded else frozenset(),
        node=node,
        ctx=ctx,
    )


def attach(
    model: RoutingControllersModel,
    creation: Creation,
    routes: tuple[Route, ...],
    uses: tuple[AppUse, ...],
) -> tuple[tuple[Route, ...], tuple[AppUse, ...]]:
    """`creation`'s routes and app-level uses with the controllers its servers register
    added: behind the uses applied before the server call, and before the others."""
    for server in model.servers:
        if server.app is None or server.app.target != creation.target:
            continue
        earlier = [u for u in uses if not server.creates and _applied_before(u, server)]
        before = [u.middleware for u in earlier if _covers(u.prefix, server.prefix)]
        added = tuple(model.routes(server, before))
        routes += added
        uses = tuple(
            u if u in earlier else replace(u, routes_before=(*u.routes_before, *added))
            for u in uses
        )
    return routes, uses


def unattached_apps(model: RoutingControllersModel) -> list[App]:
    """Servers given an app we cannot follow (`useExpressServer(app)` with `app` a
    parameter): their routes, with the app-level middleware unknown."""
    return [
        App(
            framework=server.framework,
            name=f"the app given to {server.function}()",
            location=server.ctx.location(server.call),
            ctx=server.ctx,
            routes=tuple(replace(r, complete=False) for r in model.routes(server, [])),
        )
        for server in model.servers
        if server.app is None
    ]


def _applied_before(use: AppUse, server: Server) -> bool:
    """Applied to the app before the server call: earlier in the same file, or in another
    file (a setup module; the usual order)."""
    where = use.middleware.location
    return where.path != server.ctx.rel or where.line < syntax.line_of(server.call)


def _covers(prefix: str, route_prefix: str) -> bool:
    if prefix in ("", "/"):
        return True
    return paths.join("/", route_prefix).startswith(prefix.rstrip("/"))
