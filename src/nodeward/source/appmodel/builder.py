"""Builds the app model: collects every registration (`use`, `get`, `route(...).post`,
helper calls that receive the app) per router object, then walks from each app through
its mounted routers in registration order to give every route its full path and chain."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from nodeward.findings import Skip
from nodeward.source import syntax
from nodeward.source.appmodel import folder_loads, loop_routes, relevance
from nodeward.source.appmodel.entries import (
    Entry,
    Item,
    Mount,
    Order,
    RouteReg,
    Splice,
    Unknown,
    Use,
)
from nodeward.source.appmodel.guards import judged_middleware
from nodeward.source.appmodel.model import (
    App,
    AppModel,
    Guard,
    Handler,
    Middleware,
    Route,
)
from nodeward.source.appmodel.resolve import Creation, Resolver, Target
from nodeward.source.appmodel.walk import MAX_MOUNT_DEPTH, Active, Walk
from nodeward.source.context import DEEP_FILE, FileContext
from nodeward.source.frameworks import fastify, registry
from nodeward.source.frameworks.base import METHODS, Framework
from nodeward.source.loop_bindings import Element
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node


@dataclass(frozen=True)
class _Builder:
    """A `router.route("/x")` chain: the router and the path its methods register."""

    target: Target
    path: str


Receiver = Target | _Builder


@dataclass
class _Collector:
    resolver: Resolver
    files: list[FileContext] = field(default_factory=list)  # @fastify/autoload reads folders
    #: Plugins that autoload folders: the root plugin of a fastify-cli app
    #: (`fastify start app.js` creates the instance, so the project never calls fastify()).
    autoload_roots: set[Target] = field(default_factory=set)
    entries: dict[Target, list[Entry]] = field(default_factory=dict)
    mounted: set[Target] = field(default_factory=set)
    skips: list[Skip] = field(default_factory=list)
    #: what each framework built for the project (see Framework.prepare)
    state: dict[str, object] = field(default_factory=dict)
    #: member call name -> the frameworks that may register something with it, in order
    claims: dict[str, list[Framework]] = field(default_factory=dict)
    #: the files whose calls can reach an app (relevance.py); None: every file
    relevant: frozenset[str] | None = None
    #: the names of `claims`, as the bytes a property node holds
    claimed_names: frozenset[bytes] = frozenset()

    def __post_init__(self) -> None:
        for framework in registry.FRAMEWORKS:
            for prop in framework.calls:
                self.claims.setdefault(prop, []).append(framework)
        self.claimed_names = frozenset(prop.encode() for prop in self.claims)

    def add(self, target: Target, entry: Entry) -> None:
        self.entries.setdefault(target, []).append(entry)

    # -- receivers --------------------------------------------------------------------

    def receiver(self, ctx: FileContext, node: Node | None, depth: int = 0) -> Receiver | None:
        node = syntax.unwrap(node)
        if node is None or depth > MAX_MOUNT_DEPTH:
            return None
        if node.type == "identifier":
            param = self.resolver.param_index(node, ctx)
            if param is not None:
                func, index = param
                return Target(ctx.rel, func.start_byte, index)
        if node.type == "call_expression":
            fn = syntax.unwrap(node.child_by_field_name("function"))
            if fn is not None and fn.type == "member_expression":
                prop = syntax.text(fn.child_by_field_name("property"))
                inner = self.receiver(ctx, fn.child_by_field_name("object"), depth + 1)
                if prop == "route" and isinstance(inner, Target):
                    args = syntax.call_arguments(node)
                    path = self.resolver.string(ctx, args[0]) if args else None
                    return _Builder(inner, path if path is not None else "<dynamic>")
                if prop in METHODS or prop == "use":
                    return inner  # app.get(...).post(...) and route(...).get(...).post(...)
        creation = self.resolver.creation(ctx, node)
        return creation.target if creation is not None else None

    # -- one file ---------------------------------------------------------------------

    def collect(self, ctx: FileContext) -> None:
        if self.relevant is not None and ctx.rel not in self.relevant:
            self._claims_only(ctx)
            return
        for call in ctx.nodes("call_expression"):
            fn = syntax.unwrap(call.child_by_field_name("function"))
            if fn is None:
                continue
            if fn.type == "subscript_expression":
                self._computed(ctx, call, fn)
            elif fn.type == "member_expression":
                prop = syntax.text(fn.child_by_field_name("property"))
                claimed = any(
                    framework.collect(self, ctx, call, fn, prop)
                    for framework in self.claims.get(prop, ())
                )
                if not claimed and (prop == "use" or prop in METHODS):
                    self._registration(ctx, call, fn, prop)
            if fn.type in ("identifier", "member_expression", "call_expression"):
                self._helper_call(ctx, call, fn)

    def _claims_only(self, ctx: FileContext) -> None:
        """A file no app can reach (relevance.py): what the collector would record there
        is never walked, so only the frameworks' own readings run (they report some
        skips, a route method that is not a constant, on their own)."""
        claimed = self.claimed_names
        for call in ctx.nodes("call_expression"):
            fn = syntax.unwrap(call.child_by_field_name("function"))
            prop_node = fn.child_by_field_name("property") if fn is not None else None
            # the bytes of the name: the same test as its text, without decoding each one
            if fn is None or fn.type != "member_expression" or prop_node is None:
                continue
            if prop_node.text in claimed:
                prop = syntax.text(prop_node)
                any(framework.collect(self, ctx, call, fn, prop) for framework in self.claims[prop])

    def _computed(self, ctx: FileContext, call: Node, fn: Node) -> None:
        if self._loop_registrations(ctx, call, fn, None):
            return  # `router[r.method](r.path, r.handler)` over a table the file writes
        recv = self.receiver(ctx, fn.child_by_field_name("object"))
        if isinstance(recv, Target) and recv.param is None:
            self.skips.append(
                Skip(
                    f"{ctx.rel}:{syntax.line_of(call)}",
                    "route registered with a computed method (a loop or configuration); "
                    "its routes are not in the route table",
                )
            )

    def _loop_registrations(self, ctx: FileContext, call: Node, fn: Node, prop: str | None) -> bool:
        """A registration in a loop over a table written in the file: one route per
        element, its method, path and handler read from that element (loop_routes.py)."""
        loop = loop_routes.enclosing_loop(ctx, call)
        found = loop_routes.elements(ctx, loop, self.resolver.graph) if loop is not None else None
        if loop is None or not found:
            return False
        args = syntax.call_arguments(call)
        each = []
        for element in found:
            index = fn.child_by_field_name("index")
            method = prop or loop_routes.bound_string(ctx, index, loop, element)
            path = loop_routes.bound_string(ctx, args[0], loop, element) if args else None
            if method is None or (method not in METHODS and method != prop) or path is None:
                return False  # a method read from data must be a method; `use` mounts
            bound = [self._bound_argument(ctx, a, loop, element) for a in args[1:]]
            each.append((method, path, bound))
        for method, path, bound in each:
            self._registration(ctx, call, fn, method, (path, bound))
        return True

    @staticmethod
    def _bound_argument(
        ctx: FileContext, arg: Node, loop: loop_routes.Loop, element: Element
    ) -> Node:
        """The element's own handler (`r.handler`) when it is written in this file."""
        bound = loop_routes.bound_value(ctx, arg, loop, element)
        return bound[1] if bound is not None and bound[0] is ctx else arg

    def _registration(
        self,
        ctx: FileContext,
        call: Node,
        fn: Node,
        prop: str,
        looped: tuple[str, list[Node]] | None = None,  # one element's path and arguments
    ) -> None:
        recv = self.receiver(ctx, fn.child_by_field_name("object"))
        if recv is None:
            return
        args = syntax.call_arguments(call)
        if looped is not None:
            args = args[:1] + looped[1]
        order = self.order(ctx, call, recv)
        if isinstance(recv, _Builder):
            if prop == "use" or not args:
                return
            self._route(ctx, call, recv.target, order, prop, recv.path, args)
            return
        if prop == "use":
            prefix = looped[0] if looped else self.path_arg(ctx, args[0]) if args else None
            if prefix is None and len(args) > 1 and self._loop_registrations(ctx, call, fn, prop):
                return  # `for (const [path, router] of Object.entries(t)) app.use(path, router)`
            if prefix is None and len(args) > 1 and _looks_like_path(args[0]):
                prefix = "<dynamic>"
            rest = args[1:] if prefix is not None else args
            self.add(recv, Use(order, prefix or "/", self.items(ctx, rest)))
            return
        if len(args) < 2:
            return  # app.get("setting") reads a setting
        path = looped[0] if looped is not None else self.path_arg(ctx, args[0])
        if prop == "all" and path is not None and path.endswith("*"):
            # app.all("/api/*", requireAuth): middleware for everything under the prefix
            prefix = path.rstrip("*").rstrip("/") or "/"
            self.add(recv, Use(order, prefix, self.items(ctx, args[1:])))
            return
        skip = None
        suffix = fastify.options_prefix_suffix(self.resolver, ctx, args[0])
        if path is None and suffix is not None:
            self._route(ctx, call, recv, order, prop, suffix, args[1:], options_prefix=True)
            return
        if path is None and self._loop_registrations(ctx, call, fn, prop):
            return  # `for (const r of routes) app.get(r.path, r.handler)`
        if path is None:
            # `/items/${i}` keeps its shape in the table; anything else is a placeholder.
            node = syntax.unwrap(args[0])
            path = (
                syntax.text(node)[1:-1] if node and node.type == "template_string" else "<dynamic>"
            )
            skip = Skip(
                f"{ctx.rel}:{syntax.line_of(call)}",
                f"route path `{syntax.text(args[0])[:60]}` is not a constant",
            )
        self._route(ctx, call, recv, order, prop, path, args[1:], skip)

    def _route(
        self,
        ctx: FileContext,
        call: Node,
        target: Target,
        order: Order,
        prop: str,
        path: str,
        args: list[Node],
        skip: Skip | None = None,
        *,
        options_prefix: bool = False,
    ) -> None:
        # Fastify: `app.get(path, { preHandler: [auth] }, handler)`, or the handler inside
        # the options object. The hooks run before the handler like Express middleware.
        options = fastify.options_object(self.resolver, ctx, args[-1])
        inner = syntax.object_get(options, "handler") if options is not None else None
        if options is not None and inner is None:
            return  # an options object without a handler registers nothing we can follow
        handler = self.handler(ctx, inner if inner is not None else args[-1])
        items = fastify.route_items(self, ctx, args[:-1] if inner is None else args)
        last = syntax.unwrap(args[-1]) or args[-1]
        if last.type == "call_expression" and (
            handler.function is None or len(syntax.function_params(handler.function)) < 2
        ):
            # app.get("/api/users", requireAuth()): a guard registered on its own for the
            # route, in front of handlers added elsewhere (a REST generator, a later call)
            tail = self.middleware(ctx, last)
            if tail.guards & _STANDALONE_GUARDS:
                items.append(tail)
        location = ctx.location(call)
        route = RouteReg(order, METHODS[prop], path, items, handler, location, skip, options_prefix)
        self.add(target, route)

    def _helper_call(self, ctx: FileContext, call: Node, fn: Node) -> None:
        """`require("./routes")(app)`, `registerRoutes(app)`, `app.register(plugin)`:
        a function that receives a router and registers on it."""
        args = syntax.call_arguments(call)
        if not any(arg.type == "identifier" for arg in args):
            return
        # Resolving the callee is cheaper than resolving what every argument holds, and
        # most calls (library and built-in functions) end here.
        func = self.resolver.function(ctx, fn)
        funcs = [func] if func is not None else []
        if func is None and fn.type == "call_expression" and _is_dynamic_require(ctx, fn):
            funcs = folder_loads.loaded_functions(self.resolver.graph, ctx, fn)
        if not funcs:
            return
        receivers: list[tuple[int, Target]] = []
        for index, arg in enumerate(args):
            recv = self.receiver(ctx, arg) if arg.type == "identifier" else None
            if isinstance(recv, Target):
                receivers.append((index, recv))
        for fctx, fnode in funcs:
            for index, recv in receivers:
                helper = Target(fctx.rel, fnode.start_byte, index)
                self.add(recv, Splice(self.order(ctx, call, recv), helper))

    # -- pieces -----------------------------------------------------------------------

    def order(self, ctx: FileContext, node: Node, recv: Receiver) -> Order:
        target = recv.target if isinstance(recv, _Builder) else recv
        return (0 if target.rel == ctx.rel else 1, ctx.rel, node.end_byte)

    def path_arg(self, ctx: FileContext, node: Node) -> str | None:
        node = syntax.unwrap(node) or node
        if node.type == "regex":
            return syntax.text(node)
        if node.type == "array":
            parts = [self.resolver.string(ctx, c) for c in node.named_children]
            return "|".join(p for p in parts if p is not None) if all(parts) else None
        if node.type in ("string", "template_string"):
            return syntax.string_value(node)
        if node.type == "identifier" and self.resolver.param_index(node, ctx) is None:
            value = self.resolver.value(ctx, node)
            if value is not None and value.type in ("string", "template_string"):
                return syntax.string_value(value)
        return None

    def items(self, ctx: FileContext, args: list[Node], depth: int = 0) -> list[Item]:
        found: list[Item] = []
        for arg in args:
            node = syntax.unwrap(arg) or arg
            where = f"{ctx.rel}:{syntax.line_of(node)}"
            if node.type == "spread_element" or depth > 4:
                reason = f"middleware spread from `{syntax.text(node)[:40]}` not resolved"
                found.append(Unknown(Skip(where, reason)))
                continue
            value = self.resolver.value(ctx, node)
            if value is not None and value.type == "array":
                found += self.items(ctx, list(value.named_children), depth + 1)
                continue
            creation = self.resolver.creation(ctx, node)
            if creation is not None:
                self.mounted.add(creation.target)
                found.append(Mount(creation))
                continue
            if node.type == "call_expression" and ctx.callee_name(node).endswith(".allowedMethods"):
                continue  # koa-router's 405/501 responder guards nothing
            required = ctx.required_module(node) if node.type == "call_expression" else None
            if node.type == "call_expression" and _is_dynamic_require(ctx, node):
                reason = f"dynamic require `{syntax.text(node)[:60]}` not resolved"
                found.append(Unknown(Skip(where, reason)))
                continue
            if required is not None and required.startswith(".") and not self._resolves(ctx, node):
                found.append(Unknown(Skip(where, f"cannot resolve `{required}`")))
                continue
            found.append(self.middleware(ctx, node))
        return found

    def _resolves(self, ctx: FileContext, node: Node) -> bool:
        return self.resolver.graph.resolve_import(ctx, node) is not None

    def middleware(self, ctx: FileContext, node: Node) -> Middleware:
        ref = ctx.ref_of(node)
        name = _display_name(ctx, node)
        definition = None
        definition_ctx = None
        target = node
        if node.type == "call_expression":  # authorize("admin"): judge the factory's body
            target = syntax.unwrap(node.child_by_field_name("function")) or node
        func = self.resolver.function(ctx, target)
        if func is not None:
            definition_ctx, definition = func
        return judged_middleware(ctx, node, name, ref, definition, definition_ctx)

    def handler(self, ctx: FileContext, node: Node) -> Handler:
        node = syntax.unwrap(node) or node
        name = _display_name(ctx, node)
        if node.type == "call_expression":  # asyncHandler(async (req, res) => ...)
            args = syntax.call_arguments(node)
            inner = [a for a in args if a.type in syntax.FUNCTION_TYPES]
            if inner:
                node = inner[-1]
            else:
                # asyncHandler(getProfile()), wrap(controller.show), or a factory: login()
                wrapped = [a for a in args if a.type in _REFERENCE_TYPES]
                if wrapped and all(self._data_function(ctx, a) for a in wrapped):
                    wrapped = []  # makeHandler(runQuery): a factory closing over a function
                for candidate in wrapped or [node]:
                    found = self._request_function(ctx, candidate)
                    if found is not None:
                        return Handler(name, found[0].location(found[1]), found[1], found[0])
                if wrapped:  # the wrapper's own body is not the handler
                    return Handler(name, ctx.location(node), None, None)
        func = self.resolver.function(ctx, node)
        if func is None:
            return Handler(name, ctx.location(node), None, None)
        fctx, fnode = func
        return Handler(name, fctx.location(fnode), fnode, fctx)

    def _data_function(self, ctx: FileContext, node: Node) -> bool:
        """Whether an argument names a function that takes no request (`(sql) => ...`);
        a call (`signup()`) may make a handler."""
        if node.type not in ("identifier", "member_expression"):
            return False
        found = self.resolver.function(ctx, node)
        return found is not None and len(syntax.function_params(found[1])) < 2

    def _request_function(self, ctx: FileContext, node: Node) -> tuple[FileContext, Node] | None:
        """The `(req, res, ...)` function an expression gives: a named handler, or what a
        handler factory (`export function login() { return (req, res) => ... }`) returns."""
        node = syntax.unwrap(node) or node
        if node.type == "call_expression":
            fn = syntax.unwrap(node.child_by_field_name("function"))
            factory = self.resolver.function(ctx, fn) if fn is not None else None
            return _returned_function(*factory) if factory is not None else None
        if node.type not in ("identifier", "member_expression"):
            return None
        found = self.resolver.function(ctx, node)
        if found is not None and len(syntax.function_params(found[1])) >= 2:
            return found
        return None


_STANDALONE_GUARDS = frozenset({Guard.AUTH, Guard.CSRF, Guard.RATE_LIMIT})
_REFERENCE_TYPES = frozenset({"call_expression", "identifier", "member_expression"})


def _returned_function(ctx: FileContext, func: Node) -> tuple[FileContext, Node] | None:
    """The request handler a factory returns, when it takes the request and response."""
    body = func.child_by_field_name("body")
    returned: list[Node] = []
    if body is not None and body.type != "statement_block":
        returned.append(body)
    elif body is not None:
        for ret in ctx.nodes_within(body, "return_statement"):
            if ctx.enclosing_function(ret) == func:
                value = next(iter(ret.named_children), None)
                if value is not None:
                    returned.append(value)
    for value in returned:
        value = syntax.unwrap(value) or value
        if value.type in syntax.FUNCTION_TYPES and len(syntax.function_params(value)) >= 2:
            return ctx, value
    return None


_PATH_NAME = re.compile(r"path|prefix|url|route|base|mount", re.IGNORECASE)


def _looks_like_path(node: Node) -> bool:
    """A mount path the model cannot evaluate: `${base}/api`, config.prefix, API_PATH."""
    node = syntax.unwrap(node) or node
    if node.type in ("template_string", "binary_expression"):
        return True
    name = syntax.dotted_name(node)
    return name is not None and _PATH_NAME.search(name.rsplit(".", 1)[-1]) is not None


def _is_dynamic_require(ctx: FileContext, call: Node) -> bool:
    fn = call.child_by_field_name("function")
    if fn is None or syntax.text(fn) != "require":
        return False
    return ctx.required_module(call) is None


def _display_name(ctx: FileContext, node: Node) -> str:
    if node.type in syntax.FUNCTION_TYPES:
        name = node.child_by_field_name("name")
        return syntax.text(name) if name is not None else "<inline function>"
    if node.type == "call_expression":
        callee = ctx.callee_name(node)
        if callee:
            return f"{callee}()"
        return " ".join(syntax.text(node).split())[:40]
    dotted = syntax.dotted_name(node)
    return dotted if dotted is not None else " ".join(syntax.text(node).split())[:40]


def build(
    files: list[FileContext],
    graph: ModuleGraph | None = None,
    *,
    always: bool = False,
    advance: Callable[[int], None] | None = None,
) -> AppModel:
    """The app model of `files`. Projects that import no web framework are skipped
    unless `always` (benchmarks measure the full walk with it). `advance(1)` is called
    after each file is read (progress)."""
    if not always and not any(_imports_framework(ctx) for ctx in files):
        return AppModel(apps=(), orphan_routes=(), unresolved=())
    graph = graph if graph is not None else ModuleGraph(files)
    collector = _Collector(Resolver(graph), files, relevant=relevance.relevant_files(files, graph))
    for ctx in files:
        if ctx.max_depth > DEEP_FILE:
            reason = (
                f"syntax tree nests {ctx.max_depth} levels deep (generated code?); "
                "its routes are not modelled"
            )
            collector.skips.append(Skip(ctx.rel, reason))
            continue
        collector.collect(ctx)
        for framework in registry.FRAMEWORKS:
            framework.note_file(collector, ctx)
        if advance is not None:
            advance(1)
    # before the apps are listed: routing-controllers resolves the apps its servers make
    for framework in registry.FRAMEWORKS:
        framework.prepare(collector)
    apps = _apps(collector)
    for framework in registry.FRAMEWORKS:
        apps += framework.extra_apps(collector)
    return AppModel(
        apps=tuple(apps),
        orphan_routes=tuple(_orphan_routes(collector)),
        unresolved=tuple(dict.fromkeys(collector.skips)),
    )


def _apps(collector: _Collector) -> list[App]:
    """Every app the project creates, walked the way its framework applies middleware,
    with the routes other frameworks add to it."""
    apps: list[App] = []
    for creation in list(collector.resolver.creations.values()):
        if not creation.is_app or creation.target in collector.mounted:
            continue
        walked = creation.framework.app_routes(collector, creation)
        for framework in registry.FRAMEWORKS:
            walked = framework.attach(collector, creation, walked)
        apps.append(
            App(
                framework=creation.framework,
                name=_creation_name(creation),
                location=creation.ctx.location(creation.node),
                ctx=creation.ctx,
                routes=walked[0],
                uses=walked[1],
            )
        )
    return apps


def _orphan_routes(collector: _Collector) -> list[Route]:
    """Routes of routers and controllers that no app mounts: their chains lack the
    app-level middleware, so they are incomplete."""
    orphans = Walk(collector)
    for framework in registry.FRAMEWORKS:
        orphans.routes += framework.orphan_routes(collector)
    for creation in collector.resolver.creations.values():
        if creation.is_app or creation.target in collector.mounted:
            continue
        orphans.router(creation.target, "", [Active("/", None, "not mounted")], (), top=False)
    return orphans.routes


_TRANSPARENT_PARENTS = frozenset({"as_expression", "parenthesized_expression", "await_expression"})


def _is_type_provider_call(node: Node) -> bool:
    """`Fastify().withTypeProvider<T>()`: the same instance, named by its variable."""
    if node.type == "member_expression":
        return syntax.text(node.child_by_field_name("property")) == "withTypeProvider"
    fn = node.child_by_field_name("function") if node.type == "call_expression" else None
    return fn is not None and _is_type_provider_call(fn)


def _creation_name(creation: Creation) -> str:
    parent = creation.node.parent
    while parent is not None and (
        parent.type in _TRANSPARENT_PARENTS or _is_type_provider_call(parent)
    ):
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        return syntax.text(parent.child_by_field_name("name"))
    if parent is not None and parent.type in syntax.FIELD_TYPES:
        key = parent.child_by_field_name("name") or parent.child_by_field_name("property")
        return f"this.{syntax.text(key)}"
    return syntax.text(creation.node)[:30]


def _imports_framework(ctx: FileContext) -> bool:
    return any(m in registry.MODULES for m in ctx.imported_modules())
