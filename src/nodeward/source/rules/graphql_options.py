"""The GraphQL servers a file creates and the options object each is created with, for the
rules that judge server settings (introspection, depth and cost limits, stack traces).

Servers: Apollo Server (`new ApolloServer({...})`, 2 to 4), express-graphql and
koa-graphql (`graphqlHTTP({...})`), GraphQL Yoga (`createYoga({...})`), mercurius
(`app.register(mercurius, {...})`) and NestJS (`GraphQLModule.forRoot({...})`, whose
options are those of its driver). Options built elsewhere (an import, a function of the
request, a spread) are not judged: `options` is None.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from nodeward.source import syntax
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node
from nodeward.source.rules.express import resolve

APOLLO_MODULES = frozenset(
    {
        "apollo-server",
        "apollo-server-express",
        "apollo-server-koa",
        "apollo-server-fastify",
        "apollo-server-hapi",
        "apollo-server-lambda",
        "@apollo/server",
    }
)
_MAX_DEPTH = 8  # how deep `always_true` follows ternaries and names


class ServerKind(Enum):
    APOLLO = "new ApolloServer()"
    EXPRESS_GRAPHQL = "graphqlHTTP()"
    YOGA = "createYoga()"
    MERCURIUS = "mercurius"
    NEST = "GraphQLModule.forRoot()"


@dataclass(frozen=True)
class GraphQLServer:
    kind: ServerKind
    call: Node  # the creation (or registration, for mercurius)
    #: the literal options object, None when it is built elsewhere or has a spread
    options: Node | None


def _options(ctx: FileContext, arg: Node | None) -> Node | None:
    options = resolve(ctx, arg) if arg is not None else None
    if options is None or options.type != "object" or syntax.has_spread(options):
        return None
    return options


def _kind(ctx: FileContext, call: Node, ref: Ref) -> tuple[ServerKind, int] | None:
    """What server a call creates, and the position of its options argument."""
    if ref.module in APOLLO_MODULES and ref.path == ("ApolloServer",):
        return ServerKind.APOLLO, 0
    if ref.module in ("express-graphql", "koa-graphql") and ref.path in (("graphqlHTTP",), ()):
        return ServerKind.EXPRESS_GRAPHQL, 0
    if ref.is_("graphql-yoga", "createYoga") or ref.is_("@graphql-yoga/node", "createServer"):
        return ServerKind.YOGA, 0
    if ref.is_("@nestjs/graphql", "GraphQLModule", "forRoot"):
        return ServerKind.NEST, 0
    if ref.path[-1:] == ("register",):
        args = syntax.call_arguments(call)
        plugin = ctx.ref_of(args[0]) if args else None
        if plugin is not None and plugin.module == "mercurius" and set(plugin.path) <= {"default"}:
            return ServerKind.MERCURIUS, 1
    return None


#: the modules _kind() matches: every access path starts at an imported module
_SERVER_MODULES = frozenset(
    {
        *APOLLO_MODULES,
        "express-graphql",
        "koa-graphql",
        "graphql-yoga",
        "@graphql-yoga/node",
        "@nestjs/graphql",
        "mercurius",
    }
)


def servers(ctx: FileContext) -> Iterator[GraphQLServer]:
    """Every GraphQL server the file creates."""
    if not ctx.imports_any(_SERVER_MODULES):
        return  # _kind() names a module of these: a callee's, or a registered plugin's
    for call in ctx.calls:
        ref = ctx.callee(call)
        found = _kind(ctx, call, ref) if ref is not None else None
        if found is None:
            continue
        kind, index = found
        args = syntax.call_arguments(call)
        yield GraphQLServer(kind, call, _options(ctx, args[index]) if len(args) > index else None)


def always_true(ctx: FileContext, node: Node | None, _depth: int = 0) -> bool:
    """Whether a setting is true whatever the environment: `true`, a name or a literal
    object's property bound to it, `isDev ? true : true`, `true || isDev`; not
    `process.env.NODE_ENV !== "production"`."""
    node = syntax.unwrap(resolve(ctx, node))
    if node is None or _depth > _MAX_DEPTH:
        return False
    if syntax.bool_value(node) is True:
        return True
    if node.type == "member_expression":  # `settings.introspection`, settings a literal
        holder = syntax.unwrap(resolve(ctx, node.child_by_field_name("object")))
        if holder is None or holder.type != "object":
            return False
        prop = syntax.text(node.child_by_field_name("property"))
        return always_true(ctx, syntax.object_get(holder, prop), _depth + 1)
    if node.type == "ternary_expression":
        return all(
            always_true(ctx, node.child_by_field_name(side), _depth + 1)
            for side in ("consequence", "alternative")
        )
    if node.type == "binary_expression":
        operator = syntax.text(node.child_by_field_name("operator"))
        sides = [
            always_true(ctx, node.child_by_field_name(side), _depth + 1)
            for side in ("left", "right")
        ]
        return any(sides) if operator == "||" else all(sides) if operator == "&&" else False
    return False
