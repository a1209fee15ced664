"""Builds the app model: collects every registration (`use`, `get`, `route(...).post`,
helper calls that receive the app) per router object, then walks from each app through
its mounted routers in registration order to give every route its full path and chain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nodeward.findings import Skip, SourceLocation
from nodeward.source import syntax
from nodeward.source.appmodel.guards import guards_of
from nodeward.source.appmodel.model import (
    App,
    AppModel,
    AppUse,
    Framework,
    Guard,
    Handler,
    Middleware,
    Route,
)
from nodeward.source.appmodel.resolve import FRAMEWORK_MODULES, Creation, Resolver, Target
from nodeward.source.context import DEEP_FILE, FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node

METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "del": "DELETE",
    "all": "ALL",
    "options": "OPTIONS",
    "head": "HEAD",
}
_MAX_MOUNT_DEPTH = 16
_MAX_ROUTES = 20_000
_PARAM = re.compile(r":(\w+)")
Order = tuple[int | str, ...]


@dataclass(frozen=True)
class _Unknown:
    """A middleware or router the model could not resolve; reported when an app uses it."""

    skip: Skip

    @property
    def reason(self) -> str:
        return self.skip.reason


@dataclass(frozen=True)
class _Mount:
    creation: Creation


Item = Middleware | _Mount | _Unknown


@dataclass
class _Use:
    order: Order
    prefix: str
    items: list[Item]


@dataclass
class _RouteReg:
    order: Order
    method: str
    path: str
    items: list[Item]
    handler: Handler
    location: SourceLocation
    skip: Skip | None = None


@dataclass
class _Splice:
    """A call to a registration helper: run the helper's registrations on this target."""

    order: Order
    helper: Target
    prefix: str = ""


Entry = _Use | _RouteReg | _Splice


@dataclass(frozen=True)
class _Builder:
    """A `router.route("/x")` chain: the router and the path its methods register."""

    target: Target
    path: str


Receiver = Target | _Builder


@dataclass
class _Collector:
    resolver: Resolver
    entries: dict[Target, list[Entry]] = field(default_factory=dict)
    mounted: set[Target] = field(default_factory=set)
    skips: list[Skip] = field(default_factory=list)

    def add(self, target: Target, entry: Entry) -> None:
        self.entries.setdefault(target, []).append(entry)

    # -- receivers --------------------------------------------------------------------

    def receiver(self, ctx: FileContext, node: Node | None, depth: int = 0) -> Receiver | None:
        node = syntax.unwrap(node)
        if node is None or depth > _MAX_MOUNT_DEPTH:
            return None
        if node.type == "identifier":
            param = self.resolver.param_index(node)
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
        for call in ctx.nodes("call_expression"):
            fn = syntax.unwrap(call.child_by_field_name("function"))
            if fn is None:
                continue
            if fn.type == "subscript_expression":
                self._computed(ctx, call, fn)
            elif fn.type == "member_expression":
                prop = syntax.text(fn.child_by_field_name("property"))
                if prop == "use" or prop in METHODS:
                    self._registration(ctx, call, fn, prop)
            if fn.type in ("identifier", "member_expression", "call_expression"):
                self._helper_call(ctx, call, fn)

    def _computed(self, ctx: FileContext, call: Node, fn: Node) -> None:
        recv = self.receiver(ctx, fn.child_by_field_name("object"))
        if isinstance(recv, Target) and recv.param is None:
            self.skips.append(
                Skip(
                    f"{ctx.rel}:{syntax.line_of(call)}",
                    "route registered with a computed method (a loop or configuration); "
                    "its routes are not in the route table",
                )
            )

    def _registration(self, ctx: FileContext, call: Node, fn: Node, prop: str) -> None:
        recv = self.receiver(ctx, fn.child_by_field_name("object"))
        if recv is None:
            return
        args = syntax.call_arguments(call)
        order = self._order(ctx, call, recv)
        if isinstance(recv, _Builder):
            if prop == "use" or not args:
                return
            self._route(ctx, call, recv.target, order, prop, recv.path, args)
            return
        if prop == "use":
            prefix = self._path_arg(ctx, args[0]) if args else None
            if prefix is None and len(args) > 1 and _looks_like_path(args[0]):
                prefix = "<dynamic>"
            rest = args[1:] if prefix is not None else args
            self.add(recv, _Use(order, prefix or "/", self.items(ctx, rest)))
            return
        if len(args) < 2:
            return  # app.get("setting") reads a setting
        path = self._path_arg(ctx, args[0])
        if prop == "all" and path is not None and path.endswith("*"):
            # app.all("/api/*", requireAuth): middleware for everything under the prefix
            prefix = path.rstrip("*").rstrip("/") or "/"
            self.add(recv, _Use(order, prefix, self.items(ctx, args[1:])))
            return
        skip = None
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
    ) -> None:
        handler = self.handler(ctx, args[-1])
        items = self.items(ctx, args[:-1])
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
        self.add(target, _RouteReg(order, METHODS[prop], path, items, handler, location, skip))

    def _helper_call(self, ctx: FileContext, call: Node, fn: Node) -> None:
        """`require("./routes")(app)`, `registerRoutes(app)`, `app.register(plugin)`:
        a function that receives a router and registers on it."""
        args = syntax.call_arguments(call)
        if not args:
            return
        receivers: list[tuple[int, Target]] = []
        for index, arg in enumerate(args):
            recv = self.receiver(ctx, arg) if arg.type == "identifier" else None
            if isinstance(recv, Target):
                receivers.append((index, recv))
        if not receivers:
            return
        func = self.resolver.function(ctx, fn)
        if func is None:
            return
        fctx, fnode = func
        for index, recv in receivers:
            helper = Target(fctx.rel, fnode.start_byte, index)
            self.add(recv, _Splice(self._order(ctx, call, recv), helper))

    # -- pieces -----------------------------------------------------------------------

    def _order(self, ctx: FileContext, node: Node, recv: Receiver) -> Order:
        target = recv.target if isinstance(recv, _Builder) else recv
        return (0 if target.rel == ctx.rel else 1, ctx.rel, node.end_byte)

    def _path_arg(self, ctx: FileContext, node: Node) -> str | None:
        node = syntax.unwrap(node) or node
        if node.type == "regex":
            return syntax.text(node)
        if node.type == "array":
            parts = [self.resolver.string(ctx, c) for c in node.named_children]
            return "|".join(p for p in parts if p is not None) if all(parts) else None
        if node.type in ("string", "template_string"):
            return syntax.string_value(node)
        if node.type == "identifier" and self.resolver.param_index(node) is None:
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
                found.append(_Unknown(Skip(where, reason)))
                continue
            value = self.resolver.value(ctx, node)
            if value is not None and value.type == "array":
                found += self.items(ctx, list(value.named_children), depth + 1)
                continue
            creation = self.resolver.creation(ctx, node)
            if creation is not None:
                self.mounted.add(creation.target)
                found.append(_Mount(creation))
                continue
            if node.type == "call_expression" and ctx.callee_name(node).endswith(".allowedMethods"):
                continue  # koa-router's 405/501 responder guards nothing
            required = ctx.required_module(node) if node.type == "call_expression" else None
            if node.type == "call_expression" and _is_dynamic_require(ctx, node):
                reason = f"dynamic require `{syntax.text(node)[:60]}` not resolved"
                found.append(_Unknown(Skip(where, reason)))
                continue
            if required is not None and required.startswith(".") and not self._resolves(ctx, node):
                found.append(_Unknown(Skip(where, f"cannot resolve `{required}`")))
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
        label = name if ref is None or ref.module.startswith(".") else f"{name} {ref.module}"
        return Middleware(
            name=name,
            ref=ref,
            location=ctx.location(node),
            guards=guards_of(label, ref, definition, definition_ctx),
            node=node,
            ctx=ctx,
            definition=definition,
            definition_ctx=definition_ctx,
        )

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
        for ret in syntax.walk(body):
            if ret.type == "return_statement" and syntax.enclosing_function(ret) == func:
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


# -- flattening -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Active:
    """A middleware (or an unresolved one) that runs for requests under `prefix`."""

    prefix: str
    middleware: Middleware | None
    reason: str = ""


@dataclass
class _Walk:
    collector: _Collector
    routes: list[Route] = field(default_factory=list)
    uses: list[AppUse] = field(default_factory=list)

    def router(
        self,
        target: Target,
        prefix: str,
        active: list[_Active],
        stack: tuple[Target, ...],
        top: bool,
    ) -> None:
        if target in stack or len(stack) > _MAX_MOUNT_DEPTH:
            self.collector.skips.append(
                Skip(f"{target.rel}", "router mounted inside itself (circular mount); not followed")
            )
            return
        creation = self.collector.resolver.creations.get(target)
        if creation is not None and creation.framework is Framework.KOA:
            prefix = _join(prefix, _koa_prefix(creation))
        entries = sorted(self._entries(target, stack), key=lambda pair: pair[0])
        active = list(active)
        for _order, entry, extra in entries:
            base = _join(prefix, extra)
            match entry:
                case _Use():
                    at = _join(base, entry.prefix)
                    for item in entry.items:
                        self._use_item(item, at, active, (*stack, target), top)
                case _RouteReg():
                    self._route(entry, _join(base, entry.path), active)
                case _Splice():
                    pass  # expanded by _entries

    def _entries(
        self, target: Target, stack: tuple[Target, ...], depth: int = 0
    ) -> list[tuple[Order, Entry, str]]:
        """The target's entries with helper calls expanded in place."""
        found: list[tuple[Order, Entry, str]] = []
        for entry in self.collector.entries.get(target, []):
            if isinstance(entry, _Splice):
                if depth > _MAX_MOUNT_DEPTH or entry.helper in stack:
                    continue
                for order, inner, extra in self._entries(entry.helper, (*stack, target), depth + 1):
                    found.append(((*entry.order, *order), inner, _join(entry.prefix, extra)))
            else:
                found.append((entry.order, entry, ""))
        return found

    def _use_item(
        self, item: Item, at: str, active: list[_Active], stack: tuple[Target, ...], top: bool
    ) -> None:
        match item:
            case Middleware():
                if top:
                    before = tuple(r for r in self.routes if _covers(at, r.path))
                    self.uses.append(AppUse(item, before, at))
                active.append(_Active(at, item))
            case _Mount():
                self.router(item.creation.target, at, active, stack, top=False)
            case _Unknown():
                self.collector.skips.append(item.skip)
                active.append(_Active(at, None, item.reason))

    def _route(self, entry: _RouteReg, path: str, active: list[_Active]) -> None:
        if len(self.routes) >= _MAX_ROUTES:
            return
        applying = [a for a in active if _covers(a.prefix, path)]
        chain = [a.middleware for a in applying if a.middleware is not None]
        complete = all(a.middleware is not None for a in applying)
        if entry.skip is not None:
            self.collector.skips.append(entry.skip)
        for item in entry.items:
            if isinstance(item, Middleware):
                chain.append(item)
            elif isinstance(item, _Unknown):
                self.collector.skips.append(item.skip)
                complete = False
        self.routes.append(
            Route(
                method=entry.method,
                path=path,
                params=tuple(_PARAM.findall(path)),
                chain=tuple(chain),
                handler=entry.handler,
                location=entry.location,
                complete=complete,
            )
        )


def _join(prefix: str, path: str) -> str:
    if not path or path == "/":
        return prefix or "/"
    if not prefix or prefix == "/":
        return path if path.startswith("/") else "/" + path
    return prefix.rstrip("/") + "/" + path.lstrip("/")


def _covers(prefix: str, path: str) -> bool:
    if prefix in ("", "/") or prefix.startswith(("<", "/^")) or "|" in prefix:
        return True
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def build(
    files: list[FileContext], graph: ModuleGraph | None = None, *, always: bool = False
) -> AppModel:
    """The app model of `files`. Projects that import no web framework are skipped
    unless `always` (benchmarks measure the full walk with it)."""
    if not always and not any(_imports_framework(ctx) for ctx in files):
        return AppModel(apps=(), orphan_routes=(), unresolved=())
    graph = graph if graph is not None else ModuleGraph(files)
    collector = _Collector(Resolver(graph))
    for ctx in files:
        if ctx.max_depth > DEEP_FILE:
            reason = (
                f"syntax tree nests {ctx.max_depth} levels deep (generated code?); "
                "its routes are not modelled"
            )
            collector.skips.append(Skip(ctx.rel, reason))
            continue
        collector.collect(ctx)
    creations = collector.resolver.creations
    apps: list[App] = []
    for creation in creations.values():
        if not creation.is_app or creation.target in collector.mounted:
            continue
        walk = _Walk(collector)
        walk.router(creation.target, "", [], (), top=True)
        apps.append(
            App(
                framework=creation.framework,
                name=_creation_name(creation),
                location=creation.ctx.location(creation.node),
                ctx=creation.ctx,
                routes=tuple(walk.routes),
                uses=tuple(walk.uses),
            )
        )
    orphans = _Walk(collector)
    for creation in creations.values():
        if creation.is_app or creation.target in collector.mounted:
            continue
        orphans.router(creation.target, "", [_Active("/", None, "not mounted")], (), top=False)
    return AppModel(
        apps=tuple(apps),
        orphan_routes=tuple(orphans.routes),
        unresolved=tuple(dict.fromkeys(collector.skips)),
    )


def _koa_prefix(creation: Creation) -> str:
    args = syntax.call_arguments(creation.node)
    prefix = syntax.string_value(syntax.object_get(args[0], "prefix")) if args else None
    return prefix or ""


def _creation_name(creation: Creation) -> str:
    parent = creation.node.parent
    while parent is not None and parent.type in ("as_expression", "parenthesized_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        return syntax.text(parent.child_by_field_name("name"))
    if parent is not None and parent.type in ("public_field_definition", "field_definition"):
        key = parent.child_by_field_name("name") or parent.child_by_field_name("property")
        return f"this.{syntax.text(key)}"
    return syntax.text(creation.node)[:30]


def _imports_framework(ctx: FileContext) -> bool:
    return any(m in FRAMEWORK_MODULES for m in ctx.imported_modules())
