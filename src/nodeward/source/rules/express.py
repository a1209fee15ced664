"""Express idioms that several rule families share: app creation, response objects,
header-setting calls and the sends that reach the client.

These are syntactic approximations of the app model: they resolve library calls through
`FileContext.callee` (so any import style works) and fall back on the parameter position
Express gives the response object (`(req, res)`, `(err, req, res, next)`) where a name
cannot be resolved to a library.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

#: Names real code gives the response object when it is not a handler parameter in sight.
RESPONSE_NAMES = frozenset({"res", "response", "resp", "reply"})
#: Methods on an Express response that put their argument in the body sent to the client.
SEND_METHODS = frozenset({"send", "json", "jsonp", "end", "write", "render"})
#: Methods that set a response header: res.setHeader(name, v), res.set / res.header(name, v).
HEADER_METHODS = frozenset({"setHeader", "set", "header", "append"})
_HEADER_WRITES = HEADER_METHODS | {"writeHead"}

# Test suites create throwaway apps (`express()` for supertest); they are not deployed.
_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|__mocks__|e2e|cypress)/|\.(test|spec|e2e)\.[cm]?[jt]sx?$"
)


def resolve(ctx: FileContext, node: Node | None) -> Node | None:
    """`ctx.value_of`, also through shorthand properties: in `cors({ origin })` the value
    of `origin` is what the variable `origin` was initialised with."""
    if node is not None and node.type == "shorthand_property_identifier":
        bound = ctx.declaration(syntax.text(node))
        return ctx.value_of(bound) if bound is not None else node
    return ctx.value_of(node)


def is_test_file(rel: str) -> bool:
    return _TEST_PATH.search(rel) is not None


def express_apps(ctx: FileContext) -> list[Node]:
    """Every `express()` call: the apps whose configuration project rules judge."""
    return [call for call in ctx.calls_to("express") if call.type == "call_expression"]


def method_call(call: Node) -> tuple[Node, str] | None:
    """(receiver, method) for `receiver.method(...)`, else None."""
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return None
    receiver, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
    if receiver is None or prop is None:
        return None
    return receiver, syntax.text(prop)


def is_response(ctx: FileContext, node: Node | None) -> bool:
    """Whether `node` is an Express response: the second parameter of an enclosing
    function whose first parameter is not an error (`(req, res)`), the third of an error
    handler, or a variable conventionally named `res`/`response`."""
    node = syntax.unwrap(node)
    if node is None:
        return False
    if node.type == "call_expression":  # res.status(500).send(...)
        inner = method_call(node)
        return (
            inner is not None
            and inner[1] in ("status", "type", "set")
            and (is_response(ctx, inner[0]))
        )
    if node.type != "identifier":
        return False
    name = syntax.text(node)
    func = syntax.enclosing_function(node)
    while func is not None:
        params = [syntax.param_name(p) for p in syntax.function_params(func)]
        if name in params:
            index = params.index(name)
            return index == 1 or (index == 2 and len(params) == 4) or name in RESPONSE_NAMES
        func = syntax.enclosing_function(func)
    return name in RESPONSE_NAMES


def response_sends(ctx: FileContext, scope: Node) -> Iterator[tuple[Node, str]]:
    """(call, method) for each `res.send/json/...(...)` inside `scope`."""
    for node, receiver, method in ctx.call_index.method_calls(SEND_METHODS, scope):
        if is_response(ctx, receiver):
            yield node, method


def header_sets(ctx: FileContext, scope: Node) -> Iterator[tuple[Node, str, Node | None]]:
    """(call, lower-cased header name, value) for each header a response sets in `scope`:
    `res.setHeader(name, v)`, `res.set(name, v)`, `res.header(name, v)` and the object
    forms `res.set({ name: v })`, `res.writeHead(status, { name: v })`."""
    for node, receiver, method in ctx.call_index.method_calls(_HEADER_WRITES, scope):
        args = syntax.call_arguments(node)
        if method == "writeHead" and len(args) >= 2:
            for key, value, _pair in syntax.object_entries(ctx.value_of(args[-1])):
                yield node, key.lower(), value
            continue
        if method not in HEADER_METHODS or not args or not is_response(ctx, receiver):
            continue
        name = syntax.string_value(args[0])
        if name is not None:
            yield node, name.lower(), args[1] if len(args) > 1 else None
        else:
            for key, value, _pair in syntax.object_entries(ctx.value_of(args[0])):
                yield node, key.lower(), value


def guarded_by(node: Node, stop: Node | None, pattern: re.Pattern[str]) -> bool:
    """Whether an `if` or `?:` between `node` and `stop` tests something matching
    `pattern` (e.g. an environment check or an origin allow-list)."""
    child, parent = node, node.parent
    while parent is not None and parent != stop:
        if parent.type in ("if_statement", "ternary_expression"):
            condition = parent.child_by_field_name("condition")
            if (
                condition is not None
                and child != condition
                and pattern.search(syntax.text(condition))
            ):
                return True
        child, parent = parent, parent.parent
    return False
