"""Whether an Express handler declared a non-HTML response before sending it.

Express's `res.send(string)` defaults to text/html only when no Content-Type was set
(lib/response.js checks `this.get('Content-Type')` first), and a browser never renders a
response served as an attachment. So request data in

    res.header("Content-Type", "application/json");
    res.send(JSON.stringify(rows));

or in `res.writeHead(200, { "Content-Type": "text/plain" }); res.end(text)`, or in a file
offered with `res.attachment()` / `Content-Disposition: attachment`, is not reflected XSS.
The last declaration before the send, on the same response object, decides.
"""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint import content_type

_TYPE_METHODS = frozenset({"type", "contentType"})
_HEADER_METHODS = frozenset({"set", "header", "setHeader", "append"})


def _base_name(callee: Node | None) -> str | None:
    """`res` for `res.send`, `res.status(200).send` and `res.set(...).send`."""
    node = callee
    while node is not None and node.type in ("member_expression", "call_expression"):
        field = "object" if node.type == "member_expression" else "function"
        node = node.child_by_field_name(field)
    return syntax.text(node) if node is not None and node.type == "identifier" else None


def _headers(method: str, args: list[Node]) -> list[tuple[str, Node]]:
    """The (lower-case name, value) pairs a header-setting call sets."""
    if method == "writeHead":  # writeHead(status, [message], headers)
        table = syntax.unwrap(args[-1]) if len(args) > 1 else None
        return [(k.lower(), v) for k, v, _pair in syntax.object_entries(table)]
    if len(args) >= 2 and (name := syntax.string_value(args[0])) is not None:
        return [(name.lower(), args[1])]
    if len(args) == 1:
        return [(k.lower(), v) for k, v, _pair in syntax.object_entries(syntax.unwrap(args[0]))]
    return []


def _declares_not_html(method: str, args: list[Node]) -> bool | None:
    """True: a non-HTML type or an attachment; False: an HTML type; None: neither."""
    if method == "attachment":
        return True
    if method in _TYPE_METHODS and args:
        html = content_type.is_html_type(args[0])
        return None if html is None else not html
    if method not in _HEADER_METHODS and method != "writeHead":
        return None
    verdict: bool | None = None
    for name, value in _headers(method, args):
        if name == "content-disposition":
            disposition = syntax.string_value(syntax.unwrap(value)) or ""
            if disposition.strip().lower().startswith("attachment"):
                verdict = True
        elif name == "content-type":
            html = content_type.is_html_type(value)
            if html is not None:
                verdict = not html
    return verdict


def declared_not_html(send: Node, unit: Node) -> bool:
    """The response `send` writes to was given a non-HTML type (or made an attachment) by
    an earlier call in its handler, or earlier in the same chain."""
    response = _base_name(send.child_by_field_name("function"))
    if response is None:
        return False
    handler = content_type.handler_of(send, response, unit)
    last: tuple[int, bool] | None = None
    for node in syntax.walk(handler):
        if node.type != "call_expression" or node == send or node.start_byte > send.start_byte:
            continue
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression" or _base_name(fn) != response:
            continue
        method = syntax.text(fn.child_by_field_name("property"))
        verdict = _declares_not_html(method, syntax.call_arguments(node))
        if verdict is not None and (last is None or node.end_byte >= last[0]):
            last = (node.end_byte, verdict)
    return last is not None and last[1]
