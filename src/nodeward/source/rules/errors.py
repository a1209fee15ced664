"""Error handling: error details sent to clients, and servers with no last-resort
handler for uncaught exceptions and unhandled rejections."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.errors import ERROR_DETAILS_LEAKED, PROCESS_ERRORS_UNHANDLED
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.default_error_page import uncaught_parse_errors
from nodeward.source.rules.express import (
    SEND_METHODS,
    guarded_by,
    is_test_file,
    method_call,
    response_sends,
)
from nodeward.source.rules.graphql_errors import graphql_stack_findings

_DEV_CHECK = re.compile(
    r"NODE_ENV|\benv\b|development|production|isDev|isProd|debug|dev\b", re.IGNORECASE
)
_ERROR_NAMES = frozenset({"err", "error", "e", "er", "ex", "exception"})
_PROCESS_EVENTS = frozenset({"uncaughtException", "unhandledRejection"})
_SERVER_RECEIVERS = frozenset({"app", "server", "httpServer", "httpsServer", "srv"})
_SERVER_MODULES = frozenset({"express", "http", "https", "http2"})


# -- NW401 ---------------------------------------------------------------------------


def _error_scopes(ctx: FileContext) -> Iterator[tuple[str, Node]]:
    """(error variable, scope) for error handlers, catch blocks and `.catch` callbacks."""
    for func in (f for t in syntax.FUNCTION_TYPES for f in ctx.nodes(t)):
        params = syntax.function_params(func)
        body = func.child_by_field_name("body")
        name = syntax.param_name(params[0]) if params else None
        if body is None or name is None:
            continue
        # Express recognises error handlers by arity; promise `.catch` callbacks by position;
        # error-first callbacks (`(err, data) => ...`, also mis-declared 3-parameter error
        # handlers) by the name of their first parameter.
        if (
            len(params) == 4
            or (len(params) == 1 and _is_promise_catch_callback(func))
            or (len(params) > 1 and name in _ERROR_NAMES)
        ):
            yield name, body
    for clause in ctx.nodes("catch_clause"):
        param, body = clause.child_by_field_name("parameter"), clause.child_by_field_name("body")
        if param is not None and body is not None and param.type == "identifier":
            yield syntax.text(param), body


def _is_promise_catch_callback(func: Node) -> bool:
    args = func.parent
    call = args.parent if args is not None else None
    if call is None or call.type != "call_expression":
        return False
    found = method_call(call)
    return found is not None and found[1] == "catch"


def _leaks(error: str, node: Node) -> Node | None:
    """The part of a sent value that exposes the error: the error itself (alone, as an
    object property or spread) or any `error.stack`."""
    node = syntax.unwrap(node) or node
    if node.type == "identifier" and syntax.text(node) == error:
        return node
    for inner in syntax.walk(node):
        chain = syntax.member_chain(inner)
        if chain is not None and chain[0] == error and "stack" in chain[1:]:
            return inner
        if inner.type in ("pair", "spread_element"):
            value = inner.named_children[-1] if inner.named_children else None
            value = syntax.unwrap(value)
            if value is not None and value.type == "identifier" and syntax.text(value) == error:
                return value
        if inner.type == "shorthand_property_identifier" and syntax.text(inner) == error:
            return inner
    return None


def _leak_findings(ctx: FileContext) -> Iterator[Finding]:
    # what is reported is a `.send(...)`-like call of SEND_METHODS (response_sends() and
    # _reply_sends() read them inside each scope): a file with none has no error scope to read
    if not ctx.call_index.method_calls(SEND_METHODS):
        return
    seen: set[int] = set()
    for error, scope in _error_scopes(ctx):
        for call, method in (*response_sends(ctx, scope), *_reply_sends(ctx, scope)):
            if call.start_byte in seen:
                continue
            args = syntax.call_arguments(call)
            sent = args[1:] if method == "render" else args
            leak = next((found for a in sent if (found := _leaks(error, a)) is not None), None)
            if leak is None or guarded_by(leak, scope.parent, _DEV_CHECK):
                continue
            if _response_name(call) == "reply" and "stack" not in syntax.text(leak):
                # Fastify serialises a sent Error as { statusCode, error, message }, without
                # its stack: only an explicit `error.stack` leaks.
                continue
            seen.add(call.start_byte)
            what = "stack trace" if "stack" in syntax.text(leak) else "error object"
            yield ERROR_DETAILS_LEAKED.finding(
                ctx.location(call),
                f"{_response_name(call)}.{method}() sends the {what} (`{syntax.text(leak)}`) "
                "to the client; "
                "log it server-side and send a generic message",
            )


def _reply_sends(ctx: FileContext, scope: Node) -> Iterator[tuple[Node, str]]:
    """`reply.code(500).send(...)`: Fastify's `code()` is not one of the Express status
    setters `response_sends` follows."""
    for node, receiver, _method in ctx.call_index.method_calls(("send",), scope):
        if receiver.type != "call_expression":
            continue
        inner = method_call(receiver)
        if inner is not None and inner[1] == "code" and _response_name(node) == "reply":
            yield node, "send"


def _response_name(call: Node) -> str:
    """`reply` in `reply.code(500).send(...)` (Fastify), `res` in `res.json(...)`."""
    node = call.child_by_field_name("function")
    while node is not None and node.type in ("member_expression", "call_expression"):
        field = "object" if node.type == "member_expression" else "function"
        node = node.child_by_field_name(field)
    return syntax.text(node) if node is not None and node.type == "identifier" else "res"


# -- NW402 ---------------------------------------------------------------------------


def _handles_process_errors(ctx: FileContext) -> bool:
    # the receiver's text and the event's value below
    if not ctx.mentions("process") or not any(ctx.may_spell(e) for e in _PROCESS_EVENTS):
        return False
    for call in ctx.nodes("call_expression"):
        found = method_call(call)
        # the receiver's type first: the text of a long call chain costs its length
        if found is None or found[0].type != "identifier" or syntax.text(found[0]) != "process":
            continue
        args = syntax.call_arguments(call)
        if args and syntax.string_value(args[0]) in _PROCESS_EVENTS:
            return True
    return False


def _listen_calls(ctx: FileContext) -> Iterator[Node]:
    for call, on, _method in ctx.call_index.method_calls(("listen",)):
        ref = ctx.callee(call)
        receiver = syntax.unwrap(on)
        if (ref is not None and ref.module in _SERVER_MODULES) or (
            receiver is not None and syntax.text(receiver) in _SERVER_RECEIVERS
        ):
            yield call


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    yield from uncaught_parse_errors(analysis)
    yield from _unhandled_process_errors(analysis)


def _unhandled_process_errors(analysis: AnalysisContext) -> Iterator[Finding]:
    project = analysis.project
    if any(_handles_process_errors(ctx) for ctx in project.files):
        return
    for ctx in project.files:
        if is_test_file(ctx.rel):
            continue
        for call in _listen_calls(ctx):
            yield PROCESS_ERRORS_UNHANDLED.finding(
                ctx.location(call),
                "The server starts here, but no process.on('uncaughtException') or "
                "process.on('unhandledRejection') handler exists in the project; add "
                "handlers that log the error and exit",
            )


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    yield from _leak_findings(ctx)
    yield from graphql_stack_findings(ctx)


CHECKER = Checker(
    rules=(ERROR_DETAILS_LEAKED, PROCESS_ERRORS_UNHANDLED),
    check_file=_check_file,
    check_project=_check_project,
)
