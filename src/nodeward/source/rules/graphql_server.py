"""NW612: GraphQL servers that answer introspection queries, handing out the whole schema."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.catalog.exposure import GRAPHQL_INTROSPECTION
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.rules.express import resolve
from nodeward.source.rules.graphql_options import ServerKind, always_true, servers

_NO_INTROSPECTION = "NoSchemaIntrospectionCustomRule"
#: Apollo Server's `introspection` option, also under NestJS's GraphQLModule.forRoot()
_NAMES = {ServerKind.APOLLO: "ApolloServer", ServerKind.NEST: "GraphQLModule.forRoot()"}
_APOLLO_STYLE = frozenset(_NAMES)


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for server in servers(ctx):
        options = server.options
        if server.kind in _APOLLO_STYLE:
            value = syntax.object_get(options, "introspection") if options else None
            if value is not None and always_true(ctx, value):
                literal = syntax.bool_value(resolve(ctx, value)) is True
                setting = "true`," if literal else f"{syntax.text(value)}` (true in every case),"
                yield GRAPHQL_INTROSPECTION.finding(
                    ctx.location(value),
                    f"{_NAMES[server.kind]} is created with `introspection: {setting} so "
                    "production hands every client the whole schema; use introspection: "
                    'process.env.NODE_ENV !== "production" (or leave it out)',
                )
        elif server.kind is ServerKind.EXPRESS_GRAPHQL and options is not None:
            rules = syntax.object_get(options, "validationRules")
            if rules is not None and _NO_INTROSPECTION in syntax.text(resolve(ctx, rules)):
                continue
            yield GRAPHQL_INTROSPECTION.finding(
                ctx.location(server.call),
                "graphqlHTTP() answers introspection queries with the whole schema "
                "(express-graphql has no switch for it); add validationRules: "
                "[NoSchemaIntrospectionCustomRule] from graphql in production",
            )


CHECKER = Checker(rules=(GRAPHQL_INTROSPECTION,), check_file=_check_file)
