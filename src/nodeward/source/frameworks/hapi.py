"""Hapi (`@hapi/hapi`, and the legacy `hapi` package).

Routes: `server.route({ method, path, handler, options })` (or an array of route objects;
`config` is the older name of `options`, and the handler may sit in it), on a server
from `Hapi.server()`/`new Hapi.Server()` or inside a plugin's `register(server, options)`
registered with `server.register(plugin, { routes: { prefix } })` (also `{ plugin,
routes }` objects and arrays of them). A route's chain is its authentication (its own
`options.auth`, else the strategy `server.auth.default(...)` set before it; `auth: false`
opens it), its `pre` handlers and its `validate` schemas.

Handlers: `(request, h)`. Request sources are `request.payload`, `query`, `params`,
`headers`, `state` (cookies); sinks are `h.response(x)` and the returned value (Hapi
sends a string as text/html), `h.redirect(x)`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from nodeward.findings import Skip
from nodeward.source import syntax
from nodeward.source.appmodel import paths
from nodeward.source.appmodel.entries import Item, RouteReg, Splice, Use
from nodeward.source.appmodel.model import AppUse, Guard, Middleware, Route
from nodeward.source.appmodel.resolve import Creation, Target
from nodeward.source.context import FileContext, Ref
from nodeward.source.frameworks.base import Defaults, Fixes, HandlerRoles, Site, Walked
from nodeward.source.frameworks.express import type_text
from nodeward.source.parse import Node
from nodeward.source.taint.nest import NestHandler

_MODULES = ("@hapi/hapi", "hapi")
#: Plugins whose registration protects every route of the server.
PLUGIN_GUARDS: dict[str, Guard] = {
    "@hapi/crumb": Guard.CSRF,
    "crumb": Guard.CSRF,
    "hapi-rate-limit": Guard.RATE_LIMIT,
    "hapi-rate-limitor": Guard.RATE_LIMIT,
    "hapi-pino": Guard.DIAGNOSTICS,
    "@hapi/yar": Guard.SESSION,
    "yar": Guard.SESSION,
    "blankie": Guard.HELMET,
}
_TOOLKIT_NAMES = frozenset({"h", "toolkit"})
_TOOLKIT_TYPE = re.compile(r"\bResponseToolkit\b")
_MAX_DEPTH = 16
#: A path parameter: `{id}`, `{id?}` (optional), `{path*}`, `{parts*2}` (segments).
_PARAM = re.compile(r"\{(\w+)[?*]?\d*\}")
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"})


@dataclass
class DefaultAuth(Use):
    """`server.auth.default("jwt")`: the strategy of the routes added after it."""


@dataclass
class HapiRoute(RouteReg):
    #: the route's own `auth` option: True (a strategy), False (`auth: false`), None (unset)
    own_auth: bool | None = None


def _options(site: Site, ctx: FileContext, route: Node) -> Node | None:
    """The route's `options` (or the older `config`) object."""
    for key in ("options", "config"):
        value = syntax.unwrap(site.resolver.value(ctx, syntax.object_get(route, key)))
        if value is not None and value.type == "object":
            return value
    return None


def _auth(ctx: FileContext, options: Node | None) -> tuple[bool | None, Middleware | None]:
    node = syntax.object_get(options, "auth") if options is not None else None
    if node is None:
        return None, None
    if syntax.bool_value(node) is False:
        return False, None
    value = syntax.unwrap(node)
    strategy = syntax.string_value(syntax.object_get(value, "strategy") or value)
    if value is not None and value.type == "object" and syntax.object_get(value, "mode"):
        mode = syntax.string_value(syntax.object_get(value, "mode"))
        if mode in ("try", "optional"):
            return True, None  # credentials are checked when present, never required
    name = f"auth: {strategy}" if strategy else f"auth: {syntax.text(node)[:40]}"
    return True, Middleware(name, None, ctx.location(node), frozenset({Guard.AUTH}), node, ctx)


def _route_object(site: Site, ctx: FileContext, call: Node, recv: Target, node: Node) -> None:
    route = syntax.unwrap(site.resolver.value(ctx, node))
    if route is None or route.type != "object":
        return
    options = _options(site, ctx, route)
    handler_node = syntax.object_get(route, "handler") or syntax.object_get(options, "handler")
    method_node = syntax.unwrap(site.resolver.value(ctx, syntax.object_get(route, "method")))
    if handler_node is None or method_node is None:
        return
    methods = (
        [site.resolver.string(ctx, m) for m in method_node.named_children]
        if method_node.type == "array"
        else [site.resolver.string(ctx, method_node)]
    )
    path = site.resolver.string(ctx, syntax.object_get(route, "path"))
    where = f"{ctx.rel}:{syntax.line_of(node)}"
    skip = None if path is not None else Skip(where, "route path is not a constant")
    own_auth, auth = _auth(ctx, options)
    items: list[Item] = [auth] if auth is not None else []
    pre = syntax.unwrap(syntax.object_get(options, "pre")) if options is not None else None
    if pre is not None and pre.type == "array":
        for step in pre.named_children:  # `pre: [{ method: loadUser, assign: "user" }]`
            runs = syntax.object_get(syntax.unwrap(step), "method") or step
            items += site.items(ctx, [runs])
    validate = syntax.object_get(options, "validate") if options is not None else None
    if validate is not None:
        items.append(
            Middleware(
                "validate",
                None,
                ctx.location(validate),
                frozenset({Guard.VALIDATION}),
                validate,
                ctx,
            )
        )
    handler = site.handler(ctx, handler_node)
    order = (*site.order(ctx, call, recv), node.start_byte)
    for method in methods:
        verb = "ALL" if method == "*" else (method or "").upper()
        if verb != "ALL" and verb not in _HTTP_METHODS:
            site.skips.append(Skip(where, "route method is not a constant"))
            continue
        shown = path if path is not None else "<dynamic>"
        entry = HapiRoute(order, verb, shown, list(items), handler, ctx.location(node), skip)
        entry.own_auth = own_auth
        site.add(recv, entry)


def _plugin_register(
    site: Site, ctx: FileContext, node: Node, depth: int = 0
) -> tuple[FileContext, Node] | None:
    """The `register` function of a plugin expression: `{ name, register }`, `{ plugin }`,
    `require("./users")`, `exports.plugin = {...}`, across files."""
    if depth > 4:
        return None
    value = syntax.unwrap(site.resolver.value(ctx, node))
    if value is None:
        return None
    if value.type == "object":
        register = syntax.object_get(value, "register")
        if register is not None:
            return site.resolver.function(ctx, register)
        for member in value.named_children:  # `register(server, options) { ... }`
            if (
                member.type == "method_definition"
                and syntax.text(member.child_by_field_name("name")) == "register"
            ):
                return ctx, member
        inner = syntax.object_get(value, "plugin")
        return _plugin_register(site, ctx, inner, depth + 1) if inner is not None else None
    resolved = site.resolver.graph.resolve_import(ctx, value)
    if resolved is not None and resolved.node is not value:
        return _plugin_register(site, resolved.ctx, resolved.node, depth + 1)
    ref = ctx.ref_of(value)
    module = site.resolver.graph.resolve(ctx.rel, ref.module) if ref is not None else None
    exported = site.resolver.graph.exports(module).get("plugin") if module is not None else None
    if module is not None and exported is not None:  # `exports.plugin = { register }`
        return _plugin_register(site, module, exported, depth + 1)
    return None


def _register(site: Site, ctx: FileContext, call: Node, recv: Target, args: list[Node]) -> None:
    """`server.register(plugin | [plugins] | { plugin, routes }, { routes: { prefix } })`."""
    options = syntax.unwrap(site.resolver.value(ctx, args[1])) if len(args) > 1 else None
    prefix = site.resolver.string(ctx, syntax.object_get(options, "routes.prefix")) or ""
    value = syntax.unwrap(site.resolver.value(ctx, args[0]))
    plugins = (
        list(value.named_children) if value is not None and value.type == "array" else args[:1]
    )
    for plugin in plugins:
        own = syntax.unwrap(site.resolver.value(ctx, plugin))
        at = prefix
        if (
            own is not None
            and own.type == "object"
            and syntax.object_get(own, "plugin") is not None
        ):
            at = site.resolver.string(ctx, syntax.object_get(own, "routes.prefix")) or prefix
        guard = _package_guard(ctx, own, plugin)
        if guard is not None:
            site.add(recv, Use(site.order(ctx, call, recv), "/", [guard]))
            continue
        found = _plugin_register(site, ctx, plugin)
        if found is None:
            continue
        helper = Target(found[0].rel, found[1].start_byte, 0)
        site.add(recv, Splice(site.order(ctx, call, recv), helper, at))


def _package_guard(ctx: FileContext, own: Node | None, plugin: Node) -> Middleware | None:
    """A package plugin that protects every route by being registered (it adds its own
    extension point): `require("@hapi/crumb")`, `{ plugin: Crumb, options }`."""
    node = syntax.object_get(own, "plugin") if own is not None and own.type == "object" else None
    node = node or plugin
    ref = ctx.ref_of(node)
    guard = PLUGIN_GUARDS.get(ref.module) if ref is not None else None
    if ref is None or guard is None:
        return None
    return Middleware(ref.module, ref, ctx.location(node), frozenset({guard}), node, ctx)


def _is_plugin_register(func: Node) -> bool:
    """`register: async (server, options) => {}`, `register(server) {}`, `const register =
    ...`: the shape of a Hapi plugin (Fastify plugins are plain functions)."""
    parent = func.parent
    if func.type == "method_definition":
        return syntax.text(func.child_by_field_name("name")) == "register"
    if parent is not None and parent.type == "pair":
        return syntax.text(parent.child_by_field_name("key")) == "register"
    if parent is not None and parent.type == "variable_declarator":
        return syntax.text(parent.child_by_field_name("name")) == "register"
    name = func.child_by_field_name("name")
    return func.type == "function_declaration" and syntax.text(name) == "register"


def _hapi_receiver(site: Site, ctx: FileContext, fn: Node) -> Target | None:
    """The server a `server.x(...)` call is made on, when it is a Hapi server or the
    `server` parameter of a Hapi plugin's register function."""
    obj = syntax.unwrap(fn.child_by_field_name("object"))
    if obj is not None and obj.type == "member_expression":  # server.auth.default(...)
        obj = syntax.unwrap(obj.child_by_field_name("object"))
    recv = site.receiver(ctx, obj)
    if not isinstance(recv, Target):
        return None
    if recv.param is None:
        creation = site.resolver.creations.get(recv)
        return recv if creation is not None and creation.framework is HAPI else None
    found = site.resolver.param_index(obj) if obj is not None and obj.type == "identifier" else None
    if found is not None and _is_plugin_register(found[0]):
        return recv
    return recv if found is not None and _project(site).hapi_only else None


@dataclass
class _Walk:
    """A Hapi server's routes in registration order, through its plugins. The default
    strategy is the server's: set in the root or in a plugin, it applies to every route
    added after it (Hapi fixes a route's auth when the route is added)."""

    site: Site
    #: plugins registered for the whole server (Hapi runs their extension points for
    #: every route, whenever the route was added)
    plugins: list[Middleware]
    strategies: dict[str, str]
    routes: list[Route] = field(default_factory=list)
    default: Middleware | None = None

    def server(self, target: Target, prefix: str, stack: tuple[Target, ...]) -> None:
        if target in stack or len(stack) > _MAX_DEPTH:
            return
        for entry in sorted(self.site.entries.get(target, []), key=lambda e: e.order):
            match entry:
                case DefaultAuth():
                    found = (i for i in entry.items if isinstance(i, Middleware))
                    self.default = next(found, self.default)
                case HapiRoute():
                    chain = list(self.plugins)
                    if self.default is not None and entry.own_auth is None:
                        chain.append(self.default)
                    path = paths.join(prefix, entry.path)
                    route = entry.route(path, chain, True, self.site.skips)
                    own = replace(route, params=tuple(_PARAM.findall(path)))
                    self.routes.append(replace(own, chain=self._schemes(route.chain)))
                case Splice():
                    at = paths.join(prefix, entry.prefix)
                    self.server(entry.helper, at, (*stack, target))
                case _:
                    pass

    def _schemes(self, chain: tuple[Middleware, ...]) -> tuple[Middleware, ...]:
        """`auth: session` shown with the scheme `server.auth.strategy` gave it:
        `auth: session (cookie)`, `auth: session (cookie, default)`."""
        named = []
        for item in chain:
            strategy = item.name.removeprefix("auth: ").removesuffix(" (default)")
            scheme = self.strategies.get(strategy) if item.name.startswith("auth: ") else None
            if scheme is not None:
                default = ", default" if item.name.endswith(" (default)") else ""
                item = replace(item, name=f"auth: {strategy} ({scheme}{default})")
            named.append(item)
        return tuple(named)


def _server_plugins(site: Site, target: Target, stack: tuple[Target, ...] = ()) -> list[Middleware]:
    """The guard plugins registered anywhere on the server (its plugins included)."""
    if target in stack or len(stack) > _MAX_DEPTH:
        return []
    found: list[Middleware] = []
    for entry in site.entries.get(target, []):
        if isinstance(entry, Use) and not isinstance(entry, DefaultAuth):
            found += [i for i in entry.items if isinstance(i, Middleware)]
        elif isinstance(entry, Splice):
            found += _server_plugins(site, entry.helper, (*stack, target))
    return found


@dataclass
class _Project:
    """What the Hapi module learns about one project."""

    #: `server.auth.strategy(name, scheme, ...)`: name -> scheme
    schemes: dict[str, str] = field(default_factory=dict)
    #: the project imports Hapi and not Fastify: a `server.route({...})` inside any
    #: function that receives the server (`module.exports = (server) => ...`) is Hapi's
    hapi_only: bool = False


def _project(site: Site) -> _Project:
    found = site.state.get("hapi")
    if not isinstance(found, _Project):
        imported = {m for ctx in site.files for m in ctx.imported_modules()}
        fastify = any(m == "fastify" or m.startswith(("@fastify/", "fastify-")) for m in imported)
        found = _Project(hapi_only=bool(imported & set(_MODULES)) and not fastify)
        site.state["hapi"] = found
    return found


def _on_auth(fn: Node) -> bool:
    """`server.auth.<x>`."""
    return syntax.text(fn.child_by_field_name("object")).endswith(".auth")


class Hapi(Defaults):
    name = "hapi"
    label = "Hapi"
    fixes = Fixes(
        rate_limit=(
            "register hapi-rate-limit and limit the route: "
            "options: { plugins: { 'hapi-rate-limit': { pathLimit: 5 } } }"
        ),
        global_rate_limit=(
            "register a limiter for every route: server.register({ plugin: "
            "require('hapi-rate-limit'), options: { userLimit: 100 } }), and a stricter "
            "pathLimit on the login routes"
        ),
        csrf=(
            "register @hapi/crumb before them: server.register({ plugin: require('@hapi/crumb') })"
        ),
        helmet=(
            "set the security headers on every route: Hapi.server({ routes: { security: true } })"
        ),
    )
    creations: Mapping[Ref, bool] = MappingProxyType(
        {
            Ref(module, path): True
            for module in _MODULES
            for path in (("server", "()"), ("Server", "()"), ("default", "server", "()"))
        }
    )
    modules = frozenset(_MODULES)
    chains_registrations = False
    calls = frozenset({"route", "register", "default", "strategy"})
    models = """
sources = [
  ["@request", "Member[payload,state]", "object"],
]
sinks = [
  ["@response", "Member[response].Argument[0]", "reflected-xss"],
]
"""

    def collect(self, site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> bool:
        recv = _hapi_receiver(site, ctx, fn)
        args = syntax.call_arguments(call)
        if recv is None or not args:
            return False
        if prop == "route":
            value = syntax.unwrap(site.resolver.value(ctx, args[0]))
            routes = (
                list(value.named_children)
                if value is not None and value.type == "array"
                else args[:1]
            )
            for route in routes:
                _route_object(site, ctx, call, recv, route)
        elif prop == "register":
            _register(site, ctx, call, recv, args)
        elif prop == "strategy" and _on_auth(fn) and len(args) > 1:
            name, scheme = syntax.string_value(args[0]), syntax.string_value(args[1])
            if name is not None and scheme is not None:
                _project(site).schemes.setdefault(name, scheme)
        elif prop == "default" and _on_auth(fn):
            strategy = syntax.string_value(args[0]) or syntax.text(args[0])[:40]
            guard = Middleware(
                f"auth: {strategy} (default)",
                None,
                ctx.location(call),
                frozenset({Guard.AUTH}),
                call,
                ctx,
            )
            site.add(recv, DefaultAuth(site.order(ctx, call, recv), "/", [guard]))
        else:
            return False
        return True

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        plugins = _server_plugins(site, creation.target)
        walk = _Walk(site, plugins, _project(site).schemes)
        walk.server(creation.target, "", ())
        return tuple(walk.routes), tuple(AppUse(m, (), "/") for m in plugins)

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        """`(request, h)`: the toolkit named `h` or typed `ResponseToolkit`. What the
        handler returns is the response body, a string served as text/html."""
        params = syntax.function_params(func)
        if len(params) != 2:
            return None
        second = syntax.param_name(params[1])
        if second not in _TOOLKIT_NAMES and not _TOOLKIT_TYPE.search(type_text(params[1])):
            return None
        request = syntax.param_name(params[0])
        body = NestHandler((), frozenset(), request, second, returns_html=True, framework="Hapi")
        return HandlerRoles(request=request, response=second, nest=body)


HAPI = Hapi()
