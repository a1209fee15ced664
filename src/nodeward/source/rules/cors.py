"""CORS: credentialed cross-origin requests allowed from any origin."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.catalog.headers import CORS_PERMISSIVE_CREDENTIALS
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.express import (
    HEADER_METHODS,
    header_sets,
    is_response,
    resolve,
)

_MATCH_ALL = frozenset({"/.*/", "/^.*$/", "/.+/", "/.*/i"})
_ORIGIN_CHECK = re.compile(r"origin", re.IGNORECASE)
#: what a presence test compares with: it says the header was sent, not who sent it
_ABSENT = frozenset({"undefined", "null", "''", '""', "``", "'undefined'", '"undefined"'})
_EQUALITY = frozenset({"==", "===", "!=", "!=="})
#: the conventional names of a Koa context: `ctx.set(name, v)` sets a response header
_KOA_CONTEXTS = frozenset({"ctx", "context"})
#: Fastify's `reply.headers({ name: v })` sets several headers at once
_FASTIFY_REPLIES = frozenset({"reply", "res", "response"})
#: calls that test a value against a list or a pattern
_MEMBERSHIP = frozenset(
    {"includes", "indexOf", "has", "test", "match", "startsWith", "endsWith", "some", "find"}
)


def _allows_any_origin(ctx: FileContext, origin: Node | None) -> str | None:
    """Why `origin` lets every site in, or None when it restricts them (or is unknown)."""
    if origin is None:
        return 'no `origin` (the default "*")'
    value = resolve(ctx, origin)
    if value is None:
        return None
    if syntax.bool_value(value) is True:
        return "`origin: true` (reflects any Origin)"
    if syntax.string_value(value) == "*":
        return '`origin: "*"`'
    if value.type == "regex" and syntax.text(value) in _MATCH_ALL:
        return f"`origin: {syntax.text(value)}`"
    if value.type in syntax.FUNCTION_TYPES and _callback_accepts_all(value):
        return "an origin function that accepts every origin"
    return None


def _callback_accepts_all(func: Node) -> bool:
    """An origin function `(origin, cb) => cb(null, true)` with no test of the origin."""
    params = [syntax.param_name(p) for p in syntax.function_params(func)]
    if len(params) < 2 or params[1] is None:
        return False
    body = func.child_by_field_name("body")
    if body is None:
        return False
    nodes = list(syntax.walk(body))
    if any(n.type in ("if_statement", "ternary_expression", "switch_statement") for n in nodes):
        return False
    callbacks = [
        n
        for n in nodes
        if n.type == "call_expression"
        and syntax.text(n.child_by_field_name("function")) == params[1]
    ]
    return bool(callbacks) and all(
        len(args := syntax.call_arguments(c)) >= 2
        and (syntax.bool_value(args[1]) is True or syntax.text(args[1]) == params[0])
        for c in callbacks
    )


#: koa's CORS middleware: without an `origin` it echoes the request's Origin header
_KOA_CORS = ("@koa/cors", "kcors")
#: Fastify's CORS plugins, registered with `fastify.register(plugin, options)`
_FASTIFY_CORS = frozenset({"@fastify/cors", "fastify-cors"})


def _cors_findings(ctx: FileContext) -> Iterator[Finding]:
    for call in ctx.calls_to("cors"):
        args = syntax.call_arguments(call)
        yield from _options_finding(ctx, call, args[0] if args else None, "cors()", None)
    for module in _KOA_CORS:
        for call in ctx.calls_to(module):
            args = syntax.call_arguments(call)
            default = "no `origin` (@koa/cors then echoes the request's Origin)"
            yield from _options_finding(ctx, call, args[0] if args else None, "cors()", default)
    for call, _receiver, _method in ctx.call_index.method_calls(("register",)):
        args = syntax.call_arguments(call)
        if len(args) < 2:
            continue
        plugin = ctx.ref_of(args[0])
        if plugin is not None and plugin.module in _FASTIFY_CORS:
            yield from _options_finding(ctx, call, args[1], plugin.module, None)


def _options_finding(
    ctx: FileContext, call: Node, argument: Node | None, label: str, default: str | None
) -> Iterator[Finding]:
    """A CORS middleware's options that allow credentials from every origin; `default`
    says why a missing `origin` does (None: the package's own default, "*")."""
    options = resolve(ctx, argument) if argument is not None else None
    if options is None or options.type != "object":
        return
    if syntax.bool_value(syntax.object_get(options, "credentials")) is not True:
        return
    if syntax.has_spread(options) and not syntax.object_has(options, "origin"):
        return
    origin = syntax.object_get(options, "origin")
    if default is not None:  # @koa/cors sends a literal origin as written ("*" included,
        # which browsers refuse with credentials): only the default and functions reflect
        why = default if origin is None else None
    else:
        why = _allows_any_origin(ctx, origin)
    if why is None and origin is not None and _reflects_origin(ctx, origin):
        why = "an origin function that returns the request's Origin"
    if why is not None:
        yield CORS_PERMISSIVE_CREDENTIALS.finding(
            ctx.location(call),
            f"{label} allows credentials with {why}, so any website can make "
            "authenticated requests and read the responses; list trusted origins: "
            'cors({ origin: ["https://app.example.com"], credentials: true })',
        )


def _reflects_origin(ctx: FileContext, origin: Node) -> bool:
    """@koa/cors' `origin: (ctx) => ctx.get("Origin")`: the request's own Origin, untested."""
    func = resolve(ctx, origin)
    if func is None or func.type not in syntax.FUNCTION_TYPES:
        return False
    body = func.child_by_field_name("body")
    if body is None or any(
        n.type in ("if_statement", "ternary_expression", "switch_statement")
        for n in syntax.walk(body)
    ):
        return False
    if body.type != "statement_block":
        return _is_request_origin(ctx, body, func)
    returned = [n for n in syntax.walk(body) if n.type == "return_statement"]
    return bool(returned) and all(
        r.named_children and _is_request_origin(ctx, r.named_children[0], func) for r in returned
    )


def _is_request_origin(ctx: FileContext, value: Node | None, func: Node) -> bool:
    """`req.headers.origin`, `req.header("Origin")`, `req.get("origin")`, or a local
    variable initialised with one of them."""
    value = syntax.unwrap(value)
    if value is None:
        return False
    operator = value.child_by_field_name("operator") if value.type == "binary_expression" else None
    if operator is not None and syntax.text(operator) in ("??", "||"):  # `origin ?? ""`
        return _is_request_origin(ctx, value.child_by_field_name("left"), func)
    if value.type == "identifier":
        bound = resolve(ctx, value)
        return bound is not None and bound != value and _is_request_origin(ctx, bound, func)
    chain = syntax.member_chain(value)
    if chain is not None:
        return len(chain) >= 3 and chain[-1] == "origin" and chain[-2] in ("headers", "header")
    if value.type == "call_expression":
        fn = syntax.member_chain(value.child_by_field_name("function"))
        args = syntax.call_arguments(value)
        return (
            fn is not None
            and fn[-1] in ("header", "get")
            and bool(args)
            and (syntax.string_value(args[0]) or "").lower() == "origin"
        )
    return False


def _tests_content(condition: Node) -> bool:
    """Whether a condition constrains a value's content (compares it with something other
    than undefined/null/"", or looks it up in a list or pattern), not only its presence:
    `if (req.get("origin") !== undefined)` lets every origin through."""
    for node in syntax.walk(condition):
        if node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            sides = (node.child_by_field_name("left"), node.child_by_field_name("right"))
            if operator is None or syntax.text(operator) not in _EQUALITY:
                continue
            if any(syntax.text(side).startswith("typeof") for side in sides if side is not None):
                continue  # a type test: typeof origin === "string"
            if not any(syntax.text(side) in _ABSENT for side in sides if side is not None):
                return True
        elif node.type == "call_expression":
            function = node.child_by_field_name("function")
            method = function.child_by_field_name("property") if function is not None else None
            if method is not None and syntax.text(method) in _MEMBERSHIP:
                return True
    return False


def _origin_allow_listed(node: Node, stop: Node) -> bool:
    """Whether an `if` or `?:` between `node` and `stop` tests the origin's content."""
    child, parent = node, node.parent
    while parent is not None and parent != stop:
        if parent.type in ("if_statement", "ternary_expression"):
            condition = parent.child_by_field_name("condition")
            if (
                condition is not None
                and child != condition
                and _ORIGIN_CHECK.search(syntax.text(condition))
                and _tests_content(condition)
            ):
                return True
        child, parent = parent, parent.parent
    return False


def _is_koa_context(receiver: Node) -> bool:
    """`ctx` or `ctx.response`: a Koa context, whose `set` writes response headers."""
    chain = syntax.member_chain(receiver)
    return chain is not None and chain[0] in _KOA_CONTEXTS and chain[1:] in ([], ["response"])


def _chained_on_response(ctx: FileContext, receiver: Node) -> bool:
    """`reply.header(a, x).header(b, y)`, `res.status(200).set(...)`: a call chain on a
    response (whose header methods return the response)."""
    node: Node | None = receiver
    if node is None or node.type != "call_expression":
        return False
    while node is not None and node.type == "call_expression":
        fn = node.child_by_field_name("function")
        node = (
            fn.child_by_field_name("object")
            if fn is not None and fn.type == "member_expression"
            else None
        )
    return node is not None and (is_response(ctx, node) or syntax.text(node) in _FASTIFY_REPLIES)


#: the methods _framework_header_sets() reads: Koa's `set`, Fastify's `headers` and the
#: Express forms chained on a response
_FRAMEWORK_HEADER_WRITES = HEADER_METHODS | {"set", "headers"}


def _framework_header_sets(ctx: FileContext) -> Iterator[tuple[Node, str, Node | None]]:
    """Header writes the Express forms miss: Koa's `ctx.set(name, v)` / `ctx.set({...})`
    and Fastify's `reply.headers({...})` (Fastify's `reply.header(name, v)` is the
    Express form)."""
    for node, receiver, method in ctx.call_index.method_calls(_FRAMEWORK_HEADER_WRITES):
        args = syntax.call_arguments(node)
        koa = method == "set" and _is_koa_context(receiver)
        fastify = method == "headers" and syntax.text(receiver) in _FASTIFY_REPLIES
        chained = method in HEADER_METHODS and _chained_on_response(ctx, receiver)
        if not args or not (koa or fastify or chained):
            continue
        name = syntax.string_value(args[0])
        if name is not None and (koa or chained):
            yield node, name.lower(), args[1] if len(args) > 1 else None
        elif name is None:
            for key, value, _pair in syntax.object_entries(ctx.value_of(args[0])):
                yield node, key.lower(), value


def _manual_findings(ctx: FileContext) -> Iterator[Finding]:
    # One pass over the file's header calls, each filed under the function it is written
    # in (not a pass per function: functions nest).
    by_function: dict[int, list[tuple[Node, str, Node | None]]] = {}
    sets = (*header_sets(ctx, ctx.parsed.root), *_framework_header_sets(ctx))
    for call, name, value in sets:
        func = syntax.enclosing_function(call)
        if func is not None:
            by_function.setdefault(func.id, []).append((call, name, value))
    if not by_function:
        return
    functions = [f for t in syntax.FUNCTION_TYPES for f in ctx.nodes(t)]
    for func in functions:
        reflected: list[Node] = []
        credentials = False
        for call, name, value in by_function.get(func.id, ()):
            if name == "access-control-allow-credentials":
                credentials = credentials or syntax.text(value).strip("'\"`") == "true"
            elif (
                name == "access-control-allow-origin"
                and _is_request_origin(ctx, value, func)
                and not _origin_allow_listed(call, func)
            ):
                reflected.append(call)
        if credentials:
            for call in reflected:
                yield CORS_PERMISSIVE_CREDENTIALS.finding(
                    ctx.location(call),
                    "Access-Control-Allow-Origin echoes the request's Origin header while "
                    "Access-Control-Allow-Credentials is true, so any website can read "
                    "authenticated responses; check the origin against an allow-list first",
                )


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    yield from _cors_findings(ctx)
    yield from _manual_findings(ctx)


CHECKER = Checker(rules=(CORS_PERMISSIVE_CREDENTIALS,), check_file=_check_file)
