"""Fastify: route options objects, plugins (`register`), hooks, and the walk that applies
Fastify's encapsulation. Handlers take `(request, reply)` (the Express handler shape, see
express.py); a reply sends strings as text/plain (taint/content_type.py).

Fastify differs from Express in two ways the route table must respect. A hook
(`addHook("onRequest", fn)`, or a plugin such as @fastify/rate-limit) applies to every
route of its instance whatever the order they were written in: a route's hooks are
collected when its plugin has finished loading. And `register(plugin)` gives the plugin
a child instance: hooks the plugin adds stay inside it, unless the plugin is wrapped with
fastify-plugin (`fp(fn)`), which makes it share its parent's instance.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from nodeward.findings import Skip
from nodeward.source import syntax
from nodeward.source.appmodel import paths
from nodeward.source.appmodel.entries import Entry, Item, Order, RouteReg, Splice, Unknown, Use
from nodeward.source.appmodel.model import App, AppUse, Guard, Handler, Middleware, Route
from nodeward.source.appmodel.resolve import Creation, Resolver, Target
from nodeward.source.context import FileContext, Ref
from nodeward.source.frameworks import graphql_servers as graphql
from nodeward.source.frameworks.base import METHODS, Defaults, Fixes, Site, Walked
from nodeward.source.modules import DEFAULT
from nodeward.source.parse import Node

#: The hooks that run before the handler, in the order Fastify runs them.
HOOKS = ("onRequest", "preParsing", "preValidation", "preHandler")
_MAX_DEPTH = 16

#: Plugins whose registration alone protects every route of the instance (they add their
#: own onRequest hook). @fastify/jwt, @fastify/auth, @fastify/csrf-protection only
#: decorate the instance: their hooks (`app.authenticate`, `app.csrfProtection`) count
#: where a route or `addHook` uses them.
PLUGIN_GUARDS: dict[str, Guard] = {
    "@fastify/rate-limit": Guard.RATE_LIMIT,
    "fastify-rate-limit": Guard.RATE_LIMIT,
    "@fastify/helmet": Guard.HELMET,
    "fastify-helmet": Guard.HELMET,
    "@fastify/session": Guard.SESSION,
    "@fastify/secure-session": Guard.SESSION,
}
_FASTIFY_PLUGIN = "fastify-plugin"


def options_object(resolver: Resolver, ctx: FileContext, node: Node) -> Node | None:
    """The object literal a route argument evaluates to (`{ preHandler: [auth] }`,
    or a variable holding one): Fastify's route options. Express never takes one."""
    value = syntax.unwrap(resolver.value(ctx, node))
    return value if value is not None and value.type == "object" else None


def hook_nodes(resolver: Resolver, ctx: FileContext, options: Node) -> list[Node]:
    """The hook functions a route options object runs before its handler, in run order
    (`onRequest: [app.authenticate]`, `preHandler: app.auth([...])`)."""
    found: list[Node] = []
    for hook in HOOKS:
        value = syntax.object_get(options, hook)
        if value is None:
            continue
        held = syntax.unwrap(resolver.value(ctx, value))
        if held is not None and held.type == "array":
            found += held.named_children
        else:
            found.append(value)
    return found


def rate_limit_config(options: Node) -> Node | None:
    """`config: { rateLimit: { max: 5 } }`: @fastify/rate-limit's per-route limit (with
    `global: false` only routes that set it are limited). `rateLimit: false` opts out."""
    value = syntax.object_get(options, "config.rateLimit")
    if value is None or syntax.bool_value(value) is False:
        return None
    return value


def rate_limit_middleware(ctx: FileContext, value: Node) -> Middleware:
    return Middleware(
        name="config.rateLimit",
        ref=Ref("@fastify/rate-limit", ()),
        location=ctx.location(value),
        guards=frozenset({Guard.RATE_LIMIT}),
        node=value,
        ctx=ctx,
    )


def named_composition(item: Item) -> Item:
    """`fastify.auth([fastify.verifyJWT, fastify.verifyAdmin])` (@fastify/auth) is named
    with the checks it composes, so a reader (and the role check of NW502) sees them."""
    if not isinstance(item, Middleware) or item.node.type != "call_expression":
        return item
    fn = item.node.child_by_field_name("function")
    args = syntax.call_arguments(item.node)
    if fn is None or fn.type != "member_expression" or not args or args[0].type != "array":
        return item
    if syntax.text(fn.child_by_field_name("property")) != "auth":
        return item
    composed = ", ".join(syntax.text(c) for c in args[0].named_children)
    return replace(item, name=f"{syntax.text(fn)}([{composed}])"[:120])


def plugin_function(
    resolver: Resolver, ctx: FileContext, node: Node | None, depth: int = 0
) -> tuple[FileContext, Node, bool] | None:
    """The function a registered plugin resolves to, across files, and whether it is
    wrapped with fastify-plugin (`fp(async (app) => ...)`, so not encapsulated)."""
    value = syntax.unwrap(resolver.value(ctx, node))
    if value is None or depth > _MAX_DEPTH:
        return None
    if value.type in syntax.FUNCTION_TYPES:
        return ctx, value, False
    if value.type == "call_expression":
        ref = ctx.ref_of(value)
        if ref is not None and ref.module == _FASTIFY_PLUGIN:
            args = syntax.call_arguments(value)
            inner = plugin_function(resolver, ctx, args[0], depth + 1) if args else None
            return (inner[0], inner[1], True) if inner is not None else None
    if value.type in ("identifier", "member_expression", "call_expression"):
        resolved = resolver.graph.resolve_import(ctx, value)
        if resolved is not None and resolved.node is not value:
            return plugin_function(resolver, resolved.ctx, resolved.node, depth + 1)
    return None


#: The modules whose plugin loads a folder of plugins (read by the app model's relevance pass).
AUTOLOAD_MODULES = frozenset({"@fastify/autoload", "fastify-autoload"})
_SCRIPT = re.compile(r"\.(m|c)?(j|t)s$")


def is_autoload(ctx: FileContext, node: Node) -> bool:
    ref = ctx.ref_of(node)
    return ref is not None and ref.module in AUTOLOAD_MODULES


def autoloaded(
    resolver: Resolver, files: list[FileContext], ctx: FileContext, options: Node | None
) -> list[tuple[FileContext, Node | None, str]]:
    """`app.register(AutoLoad, { dir: path.join(__dirname, "routes") })`: every script
    under the folder is a plugin (its default export, None when it has none), prefixed
    with its folder's path relative to `dir` (autoload's dirNameRoutePrefix). The folder is
    the last string of the `dir` expression, relative to this file."""
    dir_node = syntax.unwrap(resolver.value(ctx, syntax.object_get(options, "dir")))
    if dir_node is None:
        return []
    parts = [syntax.string_value(n) for n in syntax.walk(dir_node) if n.type == "string"]
    folder = next((p for p in reversed(parts) if p), None)
    if folder is None:
        return []
    # dirNameRoutePrefix: false loads every plugin of the tree at the autoload's prefix
    folder_names = syntax.bool_value(syntax.object_get(options, "dirNameRoutePrefix")) is not False
    base = posixpath.normpath(posixpath.join(posixpath.dirname(ctx.rel), folder))
    found: list[tuple[FileContext, Node | None, str]] = []
    for plugin_ctx in sorted(files, key=lambda f: f.rel):
        rel = plugin_ctx.rel
        if not rel.startswith(base + "/") or not _SCRIPT.search(rel) or rel.endswith(".d.ts"):
            continue
        exported = resolver.graph.exports(plugin_ctx).get(DEFAULT)
        folder_prefix = (posixpath.dirname(rel)[len(base) :] or "/") if folder_names else "/"
        found.append((plugin_ctx, exported, folder_prefix))
    return found


def autoload_config(resolver: Resolver, ctx: FileContext) -> Node | None:
    """The options @fastify/autoload registers a file's plugin with: its `autoConfig`
    export, an object or a function returning one."""
    value = syntax.unwrap(resolver.value(ctx, resolver.graph.exports(ctx).get("autoConfig")))
    if value is not None and value.type in syntax.FUNCTION_TYPES:
        body = value.child_by_field_name("body")
        returned = [n for n in syntax.walk(body) if n.type == "return_statement"] if body else []
        value = body if body is not None and body.type != "statement_block" else None
        if returned and returned[0].named_children:
            value = returned[0].named_children[0]
        value = syntax.unwrap(value)
    return value if value is not None and value.type == "object" else None


def package_plugin(ctx: FileContext, node: Node, options: Node | None) -> Middleware | None:
    """`app.register(helmet)`, `app.register(require("@fastify/rate-limit"), {...})`: a
    package plugin, shown in the chain of every route of the instance. Only the plugins in
    PLUGIN_GUARDS protect anything by being registered; a rate limiter registered with
    `global: false` limits only the routes that ask for it."""
    ref = ctx.ref_of(node)
    if ref is None or ref.module.startswith("."):
        return None
    guard = PLUGIN_GUARDS.get(ref.module)
    name = ref.module
    if (
        guard is Guard.RATE_LIMIT
        and syntax.bool_value(syntax.object_get(options, "global")) is False
    ):
        guard, name = None, f"{ref.module} (global: false)"
    return Middleware(
        name=name,
        ref=ref,
        location=ctx.location(node),
        guards=frozenset({guard}) if guard is not None else frozenset(),
        node=node,
        ctx=ctx,
    )


# -- the walk -------------------------------------------------------------------------


@dataclass
class FastifyWalk:
    """Routes of one Fastify app: each instance's hooks apply to all its routes and to
    its encapsulated children; fp-wrapped plugins and helpers share their caller's."""

    entries: dict[Target, list[Entry]]
    skips: list[Skip]
    routes: list[Route] = field(default_factory=list)
    uses: list[AppUse] = field(default_factory=list)

    def instance(
        self,
        target: Target,
        prefix: str,
        inherited: list[Item],
        stack: tuple[Target, ...],
        options_prefix: str | None = None,
    ) -> None:
        """Walk one instance; `options_prefix` is the `prefix` option its plugin was
        registered with (what `opts.prefix` reads inside it)."""
        if target in stack or len(stack) > _MAX_DEPTH:
            self.skips.append(
                Skip(target.rel, "plugin registered inside itself (circular); not followed")
            )
            return
        own = sorted(
            self._shared(target, "", (*stack, target), options_prefix), key=lambda found: found[0]
        )
        hooks = list(inherited)
        for _order, entry, _extra, _seen in own:
            if isinstance(entry, Use):
                hooks += [item for item in entry.items if isinstance(item, Middleware | Unknown)]
        if not stack:
            self.uses += [AppUse(m, (), "/") for m in hooks if isinstance(m, Middleware)]
        for _order, entry, extra, seen in own:
            base = paths.join(prefix, extra)
            match entry:
                case RouteReg():
                    self._route(entry, paths.join(base, self._path(entry, seen)), hooks)
                case Splice():  # only encapsulated plugins are left after _shared
                    self.instance(
                        entry.helper,
                        paths.join(base, entry.prefix),
                        hooks,
                        (*stack, target),
                        entry.options_prefix,
                    )
                case Use():
                    pass

    def _path(self, entry: RouteReg, seen: str | None) -> str:
        """The route's own path; `opts.prefix + "/x"` gets the prefix the plugin was
        registered with. Fastify has already prefixed the plugin's routes with it when the
        plugin is encapsulated, so the prefix then appears twice, as it does at run time."""
        if not entry.options_prefix:
            return entry.path
        if seen is None:
            where = f"{entry.location.path}:{entry.location.line}"
            reason = (
                "route path starts with the plugin's `opts.prefix`, which no registration "
                f"shows; listed as /{UNKNOWN_PREFIX}"
            )
            self.skips.append(Skip(where, reason))
        return prefixed_path(seen, entry.path)

    def _shared(
        self,
        target: Target,
        prefix: str,
        stack: tuple[Target, ...],
        options_prefix: str | None,
    ) -> list[tuple[Order, Entry, str, str | None]]:
        """The instance's entries, with helpers and fp-wrapped plugins expanded in place
        (they register on the same instance); encapsulated plugins stay splices. Each entry
        carries the `opts.prefix` of the function that made it."""
        found: list[tuple[Order, Entry, str, str | None]] = []
        for entry in self.entries.get(target, []):
            if isinstance(entry, Splice) and not entry.encapsulated:
                if entry.helper in stack or len(stack) > _MAX_DEPTH:
                    continue
                # a helper called with the app (not registered) sees no plugin options
                inner = self._shared(
                    entry.helper,
                    paths.join(prefix, entry.prefix),
                    (*stack, target),
                    entry.options_prefix,
                )
                found += [((*entry.order, *order), e, extra, s) for order, e, extra, s in inner]
            else:
                found.append((entry.order, entry, prefix, options_prefix))
        return found

    def _route(self, entry: RouteReg, path: str, hooks: list[Item]) -> None:
        chain = [m for m in hooks if isinstance(m, Middleware)]
        complete = len(chain) == len(hooks)
        self.routes.append(entry.route(path, chain, complete, self.skips))
        self.skips += [item.skip for item in hooks if isinstance(item, Unknown)]


# -- paths built from the plugin's options ----------------------------------------------

#: Where the route table shows a prefix the plugin reads from its options
#: (`opts.prefix + "/users"`) when the registration does not show it.
UNKNOWN_PREFIX = "<prefix>"


def _is_options_prefix(resolver: Resolver, node: Node | None) -> bool:
    """`opts.prefix` where `opts` is the second parameter of the enclosing function: a
    Fastify plugin's options, whatever the parameter is called."""
    node = syntax.unwrap(node)
    if node is None or node.type != "member_expression":
        return False
    if syntax.text(node.child_by_field_name("property")) != "prefix":
        return False
    obj = syntax.unwrap(node.child_by_field_name("object"))
    if obj is None or obj.type != "identifier":
        return False
    param = resolver.param_index(obj)
    return param is not None and param[1] == 1


def options_prefix_suffix(resolver: Resolver, ctx: FileContext, node: Node | None) -> str | None:
    """The constant rest of a route path that starts with the plugin's `opts.prefix`:
    `opts.prefix + "articles"` -> "articles", `` `${opts.prefix}/items` `` -> "/items",
    `opts.prefix` -> "". None for any other shape."""
    node = syntax.unwrap(node)
    if node is None:
        return None
    if _is_options_prefix(resolver, node):
        return ""
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        head = options_prefix_suffix(resolver, ctx, node.child_by_field_name("left"))
        tail = resolver.string(ctx, node.child_by_field_name("right"))
        if operator is None or operator.type != "+" or head is None or tail is None:
            return None
        return head + tail
    if node.type == "template_string":
        parts = [c for c in node.named_children if c.type != "escape_sequence"]
        if not parts or parts[0].type != "template_substitution":
            return None
        first = next(iter(parts[0].named_children), None)
        rest = parts[1:]
        if not _is_options_prefix(resolver, first) or any(
            p.type != "string_fragment" for p in rest
        ):
            return None
        return "".join(syntax.text(p) for p in rest)
    return None


def prefixed_path(seen: str | None, suffix: str) -> str:
    """The path a route gets from `opts.prefix + suffix` when the plugin was registered
    with `seen` as its `prefix` option: JavaScript's string concatenation, as Fastify
    sees it (`"/api/" + "articles"`); a placeholder segment when the prefix is unknown."""
    if seen is None:
        return paths.join("/" + UNKNOWN_PREFIX, suffix)
    joined = seen + suffix
    return joined if joined.startswith("/") else "/" + joined


def autoload_options_prefix(configured: str | None, folder: str) -> str | None:
    """The `prefix` @fastify/autoload passes to a plugin it loads: its `options.prefix`,
    followed by the plugin's folder (dirNameRoutePrefix). Recent versions drop a trailing
    slash first; apps that write `opts.prefix + "articles"` against `prefix: "/api/"` were
    written for the versions that pass it as is, so it is kept as written."""
    if folder in ("", "/"):
        return configured
    return (configured or "").rstrip("/") + folder


# -- registrations ----------------------------------------------------------------------


def route_items(site: Site, ctx: FileContext, args: list[Node]) -> list[Item]:
    """Middleware arguments, with Fastify route options objects expanded into their
    hooks and per-route rate limit."""
    plain: list[Node] = []
    found: list[Item] = []
    for arg in args:
        options = options_object(site.resolver, ctx, arg)
        if options is None:
            plain.append(arg)
            continue
        hooks = site.items(ctx, hook_nodes(site.resolver, ctx, options))
        found += [named_composition(item) for item in hooks]
        limit = rate_limit_config(options)
        if limit is not None:
            found.append(rate_limit_middleware(ctx, limit))
    return site.items(ctx, plain) + found


def collect_call(site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> None:
    """`app.register(plugin, { prefix })`, `app.addHook("onRequest", fn)` and
    `app.route({ method, url, handler })` on a Fastify instance (or a plugin's)."""
    recv = site.receiver(ctx, fn.child_by_field_name("object"))
    args = syntax.call_arguments(call)
    if not isinstance(recv, Target) or not args:
        return
    order = site.order(ctx, call, recv)
    match prop:
        case "addHook":
            if len(args) > 1 and syntax.string_value(args[0]) in HOOKS:
                site.add(recv, Use(order, "/", site.items(ctx, args[1:2])))
        case "register":
            _register(site, ctx, call, recv, order, args)
        case "route":
            _route(site, ctx, call, recv, order, args[0])


def _register_autoloaded(
    site: Site,
    ctx: FileContext,
    recv: Target,
    order: Order,
    options: Node | None,
    prefixes: tuple[str, str | None, Node | None],
) -> None:
    """Every plugin of an autoloaded folder: project functions are spliced in at their
    folder's prefix, package plugins (`export default helmet`) used on this instance."""
    prefix, options_prefix, prefix_node = prefixes
    for pctx, exported, folder in autoloaded(site.resolver, site.files, ctx, options):
        plugin = plugin_function(site.resolver, pctx, exported)
        if plugin is None:
            config = autoload_config(site.resolver, pctx)
            found = package_plugin(pctx, exported, config) if exported else None
            if found is not None:
                site.add(recv, Use(order, "/", [found]))
            continue
        plugin_ctx, pnode, wrapped = plugin
        helper = Target(plugin_ctx.rel, pnode.start_byte, 0)
        at = paths.join(prefix, folder) if not wrapped else ""
        seen = autoload_options_prefix(options_prefix, folder)
        if prefix_node is not None and options_prefix is None:
            seen = None  # a prefix from configuration: unknown
        site.add(recv, Splice(order, helper, at, not wrapped, seen))


def _register(
    site: Site, ctx: FileContext, call: Node, recv: Target, order: Order, args: list[Node]
) -> None:
    """A plugin gets its registration's `prefix` twice over: Fastify prefixes the
    routes of an encapsulated plugin with it (not those of an fp-wrapped one, which
    shares its parent's instance), and every plugin reads it as `opts.prefix`."""
    options = options_object(site.resolver, ctx, args[1]) if len(args) > 1 else None
    prefix = ""
    options_prefix: str | None = None
    # @fastify/autoload passes its `options` to every plugin it loads
    autoload = is_autoload(ctx, args[0])
    prefix_node = syntax.object_get(options, "options.prefix" if autoload else "prefix")
    if autoload and prefix_node is None:
        prefix_node = syntax.object_get(options, "prefix")
    if prefix_node is not None:
        options_prefix = site.resolver.string(ctx, prefix_node)
        prefix = options_prefix or "<dynamic>"
    if autoload:
        if recv.param is not None:
            site.autoload_roots.add(recv)
        prefixes = (prefix, options_prefix, prefix_node)
        _register_autoloaded(site, ctx, recv, order, options, prefixes)
        return
    label = graphql.plugin_label(ctx, args[0])
    if label is not None:
        path = site.resolver.string(ctx, syntax.object_get(options, "path"))
        location = ctx.location(call)
        handler = Handler(label, location, None, None)
        for method in graphql.METHODS:
            at = paths.join(prefix, path or graphql.DEFAULT_ENDPOINT)
            site.add(recv, RouteReg(order, method, at, [], handler, location))
        return
    plugin = plugin_function(site.resolver, ctx, args[0])
    if plugin is not None:
        pctx, pnode, wrapped = plugin
        helper = Target(pctx.rel, pnode.start_byte, 0)
        at = "" if wrapped else prefix
        site.add(recv, Splice(order, helper, at, not wrapped, options_prefix))
        return
    node = syntax.unwrap(args[0]) or args[0]
    required = ctx.required_module(node) if node.type == "call_expression" else None
    if required is not None and required.startswith("."):
        where = f"{ctx.rel}:{syntax.line_of(call)}"
        reason = f"plugin `{syntax.text(node)[:60]}` not resolved; its routes are not modelled"
        site.add(recv, Use(order, "/", [Unknown(Skip(where, reason))]))
        return
    middleware = package_plugin(ctx, node, options)
    if middleware is not None:
        site.add(recv, Use(order, "/", [middleware]))


def _route(site: Site, ctx: FileContext, call: Node, recv: Target, order: Order, arg: Node) -> None:
    """`app.route({ method: ["GET", "HEAD"], url: "/x", preHandler, handler })`."""
    options = options_object(site.resolver, ctx, arg)
    handler_node = syntax.object_get(options, "handler")
    if options is None or handler_node is None:
        return
    method_node = syntax.unwrap(site.resolver.value(ctx, syntax.object_get(options, "method")))
    methods = (
        [site.resolver.string(ctx, m) for m in method_node.named_children]
        if method_node is not None and method_node.type == "array"
        else [site.resolver.string(ctx, method_node)]
    )
    url = syntax.object_get(options, "url") or syntax.object_get(options, "path")
    path = site.resolver.string(ctx, url) if url is not None else None
    if path is None:
        path = graphql.yoga_endpoint(ctx, url)
    suffix = options_prefix_suffix(site.resolver, ctx, url) if path is None else None
    where = f"{ctx.rel}:{syntax.line_of(call)}"
    constant = path is not None or suffix is not None
    skip = None if constant else Skip(where, "route url is not a constant")
    handler = site.handler(ctx, handler_node)
    items = route_items(site, ctx, [arg])
    location = ctx.location(call)
    for method in methods:
        verb = METHODS.get((method or "").lower())
        if verb is None:
            site.skips.append(Skip(where, "route method is not a constant"))
            continue
        shown = suffix if suffix is not None else path or "<dynamic>"
        route = RouteReg(
            order, verb, shown, list(items), handler, location, skip, suffix is not None
        )
        site.add(recv, route)


def _cli_apps(site: Site) -> list[App]:
    """A plugin that autoloads folders and that no code registers is a fastify-cli app's
    root plugin: walk it as the app."""
    registered = {
        entry.helper
        for entries in site.entries.values()
        for entry in entries
        if isinstance(entry, Splice)
    }
    apps: list[App] = []
    for root in sorted(site.autoload_roots - registered, key=lambda t: (t.rel, t.byte)):
        ctx = site.resolver.graph.file(root.rel)
        function = _function_at(ctx, root.byte) if ctx is not None else None
        if ctx is None or function is None:
            continue
        walk = FastifyWalk(site.entries, site.skips)
        walk.instance(root, "", [], ())
        apps.append(
            App(
                framework=FASTIFY,
                name=f"fastify-cli plugin {ctx.rel}",
                location=ctx.location(function),
                ctx=ctx,
                routes=tuple(walk.routes),
                uses=tuple(walk.uses),
            )
        )
    return apps


def _function_at(ctx: FileContext, byte: int) -> Node | None:
    for kind in syntax.FUNCTION_TYPES:
        for node in ctx.nodes(kind):
            if node.start_byte == byte:
                return node
    return None


class Fastify(Defaults):
    name = "fastify"
    label = "Fastify"
    fixes = Fixes(
        rate_limit=(
            "register @fastify/rate-limit and limit the route: "
            "{ config: { rateLimit: { max: 5, timeWindow: '15 minutes' } } }"
        ),
        global_rate_limit=(
            "register a global limiter: app.register(rateLimit, { max: 100, "
            "timeWindow: '1 minute' }) from @fastify/rate-limit, and a stricter "
            "config.rateLimit on the login routes"
        ),
        csrf=(
            "register @fastify/csrf-protection and run its hook before them: "
            "app.addHook('onRequest', app.csrfProtection) (or onRequest: "
            "app.csrfProtection on each route)"
        ),
        helmet="register @fastify/helmet before the routes: app.register(helmet)",
    )
    # `Fastify()`, `require("fastify")({ logger: true })`, `import { fastify } from ...`
    creations: Mapping[Ref, bool] = MappingProxyType(
        {
            Ref("fastify", ("()",)): True,
            Ref("fastify", ("default", "()")): True,
            Ref("fastify", ("fastify", "()")): True,
        }
    )
    #: a fastify-cli app (`fastify start app.js`) never imports fastify itself
    modules = frozenset({"fastify", "@fastify/autoload", _FASTIFY_PLUGIN})
    chains_registrations = False
    calls = frozenset({"register", "addHook", "route"})
    models = ""

    def collect(self, site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> bool:
        collect_call(site, ctx, call, fn, prop)
        return True

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        walk = FastifyWalk(site.entries, site.skips)
        walk.instance(creation.target, "", [], ())
        return tuple(walk.routes), tuple(walk.uses)

    def extra_apps(self, site: Site) -> list[App]:
        return _cli_apps(site)

    # handler_roles: `(request, reply)` is read with Express's shape (express.py)


FASTIFY = Fastify()
