"""NW401 for GraphQL servers: error responses that carry stack traces.

GraphQL servers format errors themselves, so the stack reaches the client through server
options rather than through `res.json(err)`:
- Apollo Server (and NestJS `GraphQLModule.forRoot`) with `debug: true` (2, 3) or
  `includeStacktraceInErrorResponses: true` (4) in every environment adds
  `extensions.exception.stacktrace` / `extensions.stacktrace` to each error;
- an error formatter that puts the stack into what it returns: Apollo and NestJS
  `formatError`, express-graphql `customFormatErrorFn` (and its older `formatError`),
  mercurius `errorFormatter`.
A setting gated on the environment (`debug: process.env.NODE_ENV !== "production"`) and
a formatter that reads the stack only under a development check, to log it or to delete
it, are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.catalog.errors import ERROR_DETAILS_LEAKED
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.express import guarded_by, is_test_file, resolve
from nodeward.source.rules.graphql_options import ServerKind, always_true, servers

_DEV_CHECK = re.compile(
    r"NODE_ENV|\benv\b|development|production|isDev|isProd|debug|dev\b", re.IGNORECASE
)
#: Apollo's switches that add the stack trace to every error response
_STACK_SWITCHES = ("debug", "includeStacktraceInErrorResponses")
_APOLLO_STYLE = frozenset({ServerKind.APOLLO, ServerKind.NEST})
#: the option that formats errors, per server
_FORMATTERS = {
    ServerKind.APOLLO: ("formatError",),
    ServerKind.NEST: ("formatError",),
    ServerKind.EXPRESS_GRAPHQL: ("customFormatErrorFn", "formatError"),
    ServerKind.MERCURIUS: ("errorFormatter",),
}
_STACK_PROPERTIES = frozenset({"stack", "stacktrace"})
#: where a stack read ends up in the formatter's result
_RESULT_PARTS = frozenset({"pair", "return_statement", "array"})
#: where it does not: logged, deleted, overwritten
_DISCARDING = frozenset({"arguments", "unary_expression", "assignment_expression"})


def _formatter(ctx: FileContext, value: Node) -> Node | None:
    """The function an error-formatter option is: inline, or declared in this file."""
    node = syntax.unwrap(resolve(ctx, value))
    if node is not None and node.type == "identifier":
        node = syntax.unwrap(ctx.declaration(syntax.text(node)))
    return node if node is not None and node.type in syntax.FUNCTION_TYPES else None


def _returned(read: Node, func: Node) -> bool:
    """Whether a stack read is part of what the formatter returns (an object property,
    a returned or arrow-body expression), not logged, deleted or overwritten."""
    body = func.child_by_field_name("body")
    child, parent = read, read.parent
    while parent is not None and parent != func:
        if parent.type in _DISCARDING and not (
            parent.type == "assignment_expression" and parent.child_by_field_name("right") == child
        ):
            return False
        if parent.type in _RESULT_PARTS:
            return True
        if parent == body and body.type != "statement_block":
            return True  # `(e) => e.stack`
        child, parent = parent, parent.parent
    return False


def _stack_leak(ctx: FileContext, func: Node) -> Node | None:
    """The first stack read a formatter returns, outside a development check."""
    for read in ctx.nodes_within(func, "member_expression"):
        prop = syntax.text(read.child_by_field_name("property"))
        if prop not in _STACK_PROPERTIES:
            continue
        if _returned(read, func) and not guarded_by(read, func, _DEV_CHECK):
            return read
    return None


def _switch_findings(ctx: FileContext, options: Node) -> Iterator[Finding]:
    for key in _STACK_SWITCHES:
        value = syntax.object_get(options, key)
        if value is not None and always_true(ctx, value):
            yield ERROR_DETAILS_LEAKED.finding(
                ctx.location(value),
                f"`{key}: {syntax.text(value)}` is on in every environment, so every GraphQL "
                "error response carries the server's stack trace "
                "(extensions.exception.stacktrace); gate it: "
                f'{key}: process.env.NODE_ENV !== "production"',
            )


def graphql_stack_findings(ctx: FileContext) -> Iterator[Finding]:
    """Stack traces that GraphQL servers created in this file send to clients."""
    if is_test_file(ctx.rel):
        return
    for server in servers(ctx):
        options = server.options
        if options is None:
            continue
        if server.kind in _APOLLO_STYLE:
            yield from _switch_findings(ctx, options)
        for key in _FORMATTERS.get(server.kind, ()):
            value = syntax.object_get(options, key)
            func = _formatter(ctx, value) if value is not None else None
            leak = _stack_leak(ctx, func) if func is not None else None
            if leak is not None:
                yield ERROR_DETAILS_LEAKED.finding(
                    ctx.location(leak),
                    f"{server.kind.value}'s `{key}` returns the stack trace "
                    f"(`{syntax.text(leak)}`) in GraphQL error responses; log it server-side "
                    "and return only the message, locations and path",
                )
