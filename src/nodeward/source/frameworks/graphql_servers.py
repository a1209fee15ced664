"""GraphQL servers mounted on an Express, Koa or Fastify app, as routes of the route table.

A GraphQL server answers one endpoint (`/graphql` unless configured) for every query and
mutation, over GET and POST. Mounted as `app.use("/graphql", auth, expressMiddleware(s))`
it is, for the route table, a route whose chain is the middleware before it: the route
rules then judge it like any other (is it authenticated, CSRF-protected, rate-limited).
Its handler is the server itself, labelled with the library ("GraphQL (Apollo Server)"),
not a function of the project: the resolvers are analysed by the taint engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.appmodel.model import Guard, Middleware
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node

DEFAULT_ENDPOINT = "/graphql"
#: GraphQL over HTTP: queries over GET and POST, mutations over POST.
METHODS = ("GET", "POST")

_APOLLO = "GraphQL (Apollo Server)"
_YOGA = "GraphQL (GraphQL Yoga)"
_GRAPHQL_HTTP = "GraphQL (graphql-http)"

#: module -> (label, the function whose call gives the request handler; None: the module
#: itself is that function, as in `const graphqlHTTP = require("express-graphql")`).
_HANDLERS: dict[str, tuple[str, str | None]] = {
    "@apollo/server/express4": (_APOLLO, "expressMiddleware"),
    "@as-integrations/express4": (_APOLLO, "expressMiddleware"),
    "@as-integrations/express5": (_APOLLO, "expressMiddleware"),
    "@as-integrations/koa": (_APOLLO, "koaMiddleware"),
    "express-graphql": ("GraphQL (express-graphql)", "graphqlHTTP"),
    "koa-graphql": ("GraphQL (koa-graphql)", "graphqlHTTP"),
    "graphql-http/lib/use/express": (_GRAPHQL_HTTP, "createHandler"),
    "graphql-http/lib/use/koa": (_GRAPHQL_HTTP, "createHandler"),
    "graphql-http/lib/use/http": (_GRAPHQL_HTTP, "createHandler"),
    "graphql-yoga": (_YOGA, "createYoga"),
}
#: Fastify plugins that add the endpoint when registered: module -> (label, the call
#: that gives the plugin, None when the module is the plugin).
_PLUGINS: dict[str, tuple[str, str | None]] = {
    "mercurius": ("GraphQL (mercurius)", None),
    "@as-integrations/fastify": (_APOLLO, "fastifyApollo"),
}
#: Apollo Server 2/3 packages whose `server.applyMiddleware({ app, path })` mounts it.
APPLY_MIDDLEWARE_MODULES = frozenset(
    {"apollo-server-express", "apollo-server-koa", "apollo-server-fastify"}
)
_APOLLO_4 = "@apollo/server"


def _is_call_of(ref: Ref, function: str | None) -> bool:
    """`expressMiddleware(...)`, `graphqlHTTP(...)`, default imports (`default`) included."""
    path = tuple(p for p in ref.path if p != "default")
    if function is None:
        return path == ("()",)
    return path == (function, "()") or path == ("()",)


def handler_label(ctx: FileContext, node: Node | None) -> str | None:
    """The label of the GraphQL server a route argument is (`expressMiddleware(server)`,
    `graphqlHTTP({...})`, `createHandler({ schema })`, a `createYoga(...)` instance)."""
    ref = ctx.ref_of(node)
    if ref is None or ref.module not in _HANDLERS:
        return None
    label, function = _HANDLERS[ref.module]
    return label if _is_call_of(ref, function) else None


def plugin_label(ctx: FileContext, node: Node | None) -> str | None:
    """The label of a Fastify GraphQL plugin: `app.register(mercurius, {...})`,
    `app.register(fastifyApollo(apollo))`."""
    ref = ctx.ref_of(node)
    if ref is None or ref.module not in _PLUGINS:
        return None
    label, function = _PLUGINS[ref.module]
    if function is None:
        return label if all(p == "default" for p in ref.path) else None
    return label if _is_call_of(ref, function) else None


def yoga_endpoint(ctx: FileContext, node: Node | None) -> str | None:
    """`yoga.graphqlEndpoint`: the `graphqlEndpoint` option of `createYoga({...})`, or
    Yoga's default."""
    node = syntax.unwrap(node)
    if node is None or node.type != "member_expression":
        return None
    ref = ctx.ref_of(node)
    if ref is None or ref.module != "graphql-yoga" or ref.path[-1:] != ("graphqlEndpoint",):
        return None
    created = ctx.value_of(node.child_by_field_name("object"))
    args = syntax.call_arguments(created) if created is not None else []
    options = ctx.value_of(args[0]) if args else None
    configured = syntax.string_value(syntax.object_get(options, "graphqlEndpoint"))
    return configured or DEFAULT_ENDPOINT


@dataclass(frozen=True)
class Endpoint:
    """A GraphQL endpoint to add to the route table: its label and the CSRF defence the
    server applies itself (Apollo Server's `csrfPrevention`), if any."""

    label: str
    csrf: Middleware | None


def apollo_csrf_prevention(
    ctx: FileContext, at: Node, server: Node | None, *, default_on: bool
) -> Middleware | None:
    """Apollo Server's own CSRF defence (it refuses the requests a browser form or a simple
    request could send): on by default from Apollo Server 4 (`expressMiddleware` and the
    integrations exist only from 4), opt-in with `csrfPrevention: true` in 3
    (`applyMiddleware`). `server` is the ApolloServer expression, read when it is built in
    this file."""
    created = ctx.value_of(server)
    options = None
    if created is not None and created.type == "new_expression":
        args = syntax.call_arguments(created)
        options = ctx.value_of(args[0]) if args else None
    setting = syntax.bool_value(syntax.object_get(options, "csrfPrevention"))
    if setting is False or (setting is None and not default_on):
        return None
    return Middleware(
        name="csrfPrevention (Apollo Server)",
        ref=Ref(_APOLLO_4 if default_on else "apollo-server", ("csrfPrevention",)),
        location=ctx.location(at),
        guards=frozenset({Guard.CSRF}),
        node=at,
        ctx=ctx,
    )


def endpoint(ctx: FileContext, node: Node) -> Endpoint | None:
    """The GraphQL endpoint a route or `use` argument mounts, with Apollo's CSRF defence."""
    label = handler_label(ctx, node)
    if label is None:
        return None
    csrf = None
    if label == _APOLLO:
        call = syntax.unwrap(node) or node
        args = syntax.call_arguments(call) if call.type == "call_expression" else []
        csrf = apollo_csrf_prevention(ctx, call, args[0] if args else None, default_on=True)
    return Endpoint(label, csrf)
