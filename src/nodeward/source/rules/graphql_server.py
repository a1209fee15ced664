"""NW612: GraphQL servers that answer introspection queries, handing out the whole schema."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.catalog.exposure import GRAPHQL_INTROSPECTION
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.express import resolve

_APOLLO_MODULES = frozenset(
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
#: express-graphql's middleware: `graphqlHTTP(options)`, also the v0.x default export
_EXPRESS_GRAPHQL = (("express-graphql", ("graphqlHTTP",)), ("express-graphql", ()))
_NO_INTROSPECTION = "NoSchemaIntrospectionCustomRule"


def _options(ctx: FileContext, call: Node) -> Node | None:
    """The literal options object of the call's first argument, None when it is built
    elsewhere or has a spread (its keys are unknown)."""
    args = syntax.call_arguments(call)
    options = resolve(ctx, args[0]) if args else None
    if options is None or options.type != "object" or syntax.has_spread(options):
        return None
    return options


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for call in ctx.calls:
        ref = ctx.callee(call)
        if ref is None:
            continue
        if ref.module in _APOLLO_MODULES and ref.path == ("ApolloServer",):
            options = _options(ctx, call)
            value = syntax.object_get(options, "introspection") if options else None
            if value is not None and syntax.bool_value(resolve(ctx, value)) is True:
                yield GRAPHQL_INTROSPECTION.finding(
                    ctx.location(value),
                    "ApolloServer is created with `introspection: true`, so production "
                    "hands every client the whole schema; use introspection: "
                    'process.env.NODE_ENV !== "production" (or leave it out)',
                )
        elif any(ref.is_(module, *path) for module, path in _EXPRESS_GRAPHQL):
            options = _options(ctx, call)
            if options is None:
                continue
            rules = syntax.object_get(options, "validationRules")
            if rules is not None and _NO_INTROSPECTION in syntax.text(resolve(ctx, rules)):
                continue
            yield GRAPHQL_INTROSPECTION.finding(
                ctx.location(call),
                "graphqlHTTP() answers introspection queries with the whole schema "
                "(express-graphql has no switch for it); add validationRules: "
                "[NoSchemaIntrospectionCustomRule] from graphql in production",
            )


CHECKER = Checker(rules=(GRAPHQL_INTROSPECTION,), check_file=_check_file)
