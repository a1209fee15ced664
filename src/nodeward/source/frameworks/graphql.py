"""GraphQL servers mounted on an Express, Koa or Fastify app (Apollo Server, express-graphql,
graphql-http, GraphQL Yoga, mercurius), as routes of the route table: the endpoint is a GET
and a POST route whose chain is the middleware before it (graphql_servers.py knows the
packages). Resolvers are request handlers of the taint engine (taint/graphql.py,
taint/nest.py for @nestjs/graphql)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source import syntax
from nodeward.source.appmodel.entries import Item, Order, RouteReg
from nodeward.source.appmodel.model import Handler
from nodeward.source.appmodel.resolve import Target
from nodeward.source.context import FileContext, Ref
from nodeward.source.frameworks import graphql_servers as servers
from nodeward.source.frameworks.base import METHODS, Defaults, Fixes, Site
from nodeward.source.frameworks.fastify import options_object
from nodeward.source.parse import Node


def verb_endpoint(
    site: Site,
    ctx: FileContext,
    call: Node,
    recv: Target,
    order: Order,
    prop: str,
    args: list[Node],
) -> bool:
    """`app.use("/graphql", auth, expressMiddleware(server))`, `app.all("/graphql",
    createHandler({ schema }))`, `app.use(yoga.graphqlEndpoint, yoga)`: the GraphQL
    endpoint as GET and POST routes whose chain is the middleware before it."""
    found = servers.endpoint(ctx, args[-1])
    if found is None:
        return False
    first = args[0] if len(args) > 1 else None
    path = servers.yoga_endpoint(ctx, first)
    if path is None and first is not None:
        path = site.path_arg(ctx, first)
    if path is None and len(args) == 1:
        path = servers.yoga_endpoint(ctx, args[0]) if prop == "use" else None
        if path is None and syntax.unwrap(args[0]) is not None:
            yoga = servers.handler_label(ctx, args[0]) == "GraphQL (GraphQL Yoga)"
            path = servers.DEFAULT_ENDPOINT if yoga else "/"
    if path is None:
        return False
    middle = args[1:-1] if first is not None else []
    items = site.items(ctx, middle)
    if found.csrf is not None:
        items.append(found.csrf)
    location = ctx.location(call)
    handler = Handler(found.label, ctx.location(args[-1]), None, None)
    verb = METHODS.get(prop)
    methods = servers.METHODS if prop in ("use", "all") or verb is None else (verb,)
    for method in methods:
        site.add(recv, RouteReg(order, method, path, list(items), handler, location))
    return True


def apply_middleware(site: Site, ctx: FileContext, call: Node, fn: Node) -> None:
    """Apollo Server 2/3: `server.applyMiddleware({ app, path: "/graphql" })` mounts the
    endpoint on the app, after the middleware the app applied before."""
    args = syntax.call_arguments(call)
    options = options_object(site.resolver, ctx, args[0]) if args else None
    recv = site.receiver(ctx, syntax.object_get(options, "app"))
    if options is None or not isinstance(recv, Target):
        return
    path = site.resolver.string(ctx, syntax.object_get(options, "path"))
    server = fn.child_by_field_name("object")
    csrf = servers.apollo_csrf_prevention(ctx, call, server, default_on=False)
    items: list[Item] = [csrf] if csrf is not None else []
    location = ctx.location(call)
    handler = Handler("GraphQL (Apollo Server)", location, None, None)
    order = site.order(ctx, call, recv)
    for method in servers.METHODS:
        at = path or servers.DEFAULT_ENDPOINT
        site.add(recv, RouteReg(order, method, at, list(items), handler, location))


class GraphQLServers(Defaults):
    """Not an app of its own: a GraphQL server answers on the app it is mounted on."""

    name = "graphql"
    label = "GraphQL"
    fixes = Fixes(rate_limit="", global_rate_limit="", csrf="", helmet="")
    creations: Mapping[Ref, bool] = MappingProxyType({})
    modules: frozenset[str] = frozenset()  # mounted on an app of another framework
    chains_registrations = False
    calls = frozenset({"use", *METHODS, "applyMiddleware"})
    models = ""

    def collect(self, site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> bool:
        if prop == "applyMiddleware":
            apply_middleware(site, ctx, call, fn)
            return True
        args = syntax.call_arguments(call)
        if not args or servers.endpoint(ctx, args[-1]) is None:
            return False  # most registrations: checked before resolving the receiver
        recv = site.receiver(ctx, fn.child_by_field_name("object"))
        if not isinstance(recv, Target):
            return False
        return verb_endpoint(site, ctx, call, recv, site.order(ctx, call, recv), prop, args)


GRAPHQL = GraphQLServers()
