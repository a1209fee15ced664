"""Which content type a Koa or Fastify handler gives its response, read from the code.

Express serves a string sent with `res.send` as text/html unless told otherwise, so a
request string there is reflected XSS by default. Koa and Fastify differ:

- Koa's `set body(val)` (lib/response.js) sets the type only when none was set, to
  `/^\\s*</.test(val) ? 'html' : 'text'`: a body whose first non-blank character is `<` is
  HTML, and so is one whose first characters come from the request (the attacker picks
  `<`); a fixed text prefix makes it text/plain.
- Fastify's `reply.send(payload)` (lib/reply.js) sets `text/plain; charset=utf-8` for a
  string when no content type was set: only an explicit HTML type makes it HTML.
"""

from __future__ import annotations

from enum import Enum

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_STRING_METHODS = frozenset(
    {"trim", "toString", "replace", "replaceAll", "slice", "substring", "concat", "join"}
    | {"toLowerCase", "toUpperCase", "padStart", "padEnd", "normalize"}
)
_HTML_TYPES = ("text/html", "html", ".html", "htm", ".htm", "application/xhtml+xml", "xhtml")


class BodyType(Enum):
    HTML = "html"
    OTHER = "other"  # an explicit non-HTML type: text/plain, json, ...
    UNSET = "unset"  # nothing the analysis can read


def is_html_type(node: Node | None) -> bool | None:
    """Whether a content-type expression names HTML; None when it is not a constant."""
    value = syntax.string_value(syntax.unwrap(node))
    if value is None:
        return None
    media = value.split(";", 1)[0].strip().lower()
    return media in _HTML_TYPES


def _declared(value: Node | None) -> BodyType:
    html = is_html_type(value)
    if html is None:
        return BodyType.UNSET
    return BodyType.HTML if html else BodyType.OTHER


def _header_pair(args: list[Node]) -> Node | None:
    """The value of `set('Content-Type', v)` / `header('content-type', v)`, or of the key
    in `set({ 'Content-Type': v })` / `headers({ ... })`."""
    if len(args) >= 2 and (syntax.string_value(args[0]) or "").lower() == "content-type":
        return args[1]
    if len(args) == 1:
        obj = syntax.unwrap(args[0])
        for key, value, _pair in syntax.object_entries(obj):
            if key.lower() == "content-type":
                return value
    return None


def handler_of(node: Node, name: str, unit: Node) -> Node:
    """The function that declares parameter `name` around `node` (one route handler of a
    plugin or module that registers several), else `unit`."""
    for ancestor in syntax.ancestors(node):
        if ancestor.type in syntax.FUNCTION_TYPES and name in (
            syntax.param_name(p) for p in syntax.function_params(ancestor)
        ):
            return ancestor
        if ancestor == unit:
            break
    return unit


def _last(found: list[tuple[int, BodyType]]) -> BodyType:
    return max(found, key=lambda f: f[0])[1] if found else BodyType.UNSET


def koa_body_type(unit: Node, context: str, before: Node) -> BodyType:
    """The type a Koa handler sets on `context` before `before`: `ctx.type = 'html'`,
    `ctx.response.type = ...`, `ctx.set('Content-Type', ...)`, `ctx.set({...})`."""
    found: list[tuple[int, BodyType]] = []
    prefixes = (context, f"{context}.response")
    for node in syntax.walk(unit):
        if node.start_byte >= before.start_byte:
            continue
        if node.type == "assignment_expression":
            left = syntax.text(node.child_by_field_name("left"))
            if left in (f"{p}.type" for p in prefixes):
                found.append((node.start_byte, _declared(node.child_by_field_name("right"))))
        elif node.type == "call_expression":
            fn = syntax.text(node.child_by_field_name("function"))
            if fn in (f"{p}.set" for p in prefixes):
                value = _header_pair(syntax.call_arguments(node))
                if value is not None:
                    found.append((node.start_byte, _declared(value)))
    return _last(found)


def _fixed_head(ctx: FileContext, value: Node | None, hops: int = 0) -> str | None:
    """The constant text a string expression starts with, following local constants:
    `"<p>" + q` -> "<p>", `` `Hi ${q}` `` -> "Hi ", `q` -> None (request data first)."""
    literal = syntax.literal_prefix(value)
    if literal is not None:
        return literal
    node = syntax.leftmost_operand(value)
    if node is not None and node.type == "identifier" and hops < 3:
        bound = ctx.value_of(node)
        if bound is not None and bound != node:
            return _fixed_head(ctx, bound, hops + 1)
    return None


def _string_valued(ctx: FileContext, value: Node) -> bool:
    """Whether a body may be a string: not a call or `new` whose result is unknown (a
    stream, a buffer, database rows: Koa sends those as binary or JSON), unless the call
    is a string method."""
    node = syntax.unwrap(value)
    if node is not None and node.type == "identifier":
        node = syntax.unwrap(ctx.value_of(node))
    if node is None or node.type in ("object", "array", "new_expression"):
        return node is None
    if node.type != "call_expression":
        return True
    fn = node.child_by_field_name("function")
    return (
        fn is not None
        and fn.type == "member_expression"
        and syntax.text(fn.child_by_field_name("property")) in _STRING_METHODS
    )


def koa_body_is_html(ctx: FileContext, value: Node) -> bool:
    """Koa's rule for a string body without a type: HTML when its first non-blank
    character is `<`, which request data in front can always make it."""
    if not _string_valued(ctx, value):
        return False
    head = _fixed_head(ctx, value)
    if head is None:
        return True
    stripped = head.lstrip()
    return not stripped or stripped.startswith("<")


def koa_body_target(left: Node | None, contexts: set[str]) -> str | None:
    """The Koa context whose body `left` names: `ctx.body`, `ctx.response.body`."""
    chain = syntax.member_chain(left)
    if chain is None or not chain or chain[0] not in contexts:
        return None
    if chain[1:] in (["body"], ["response", "body"]):
        return chain[0]
    return None


def fastify_reply_type(unit: Node, reply: str, send: Node) -> BodyType:
    """The type a Fastify handler sets on `reply` for the `send` call: on the chain
    (`reply.type('text/html').send(x)`) or in an earlier statement
    (`reply.header('content-type', 'text/html')`, `reply.headers({...})`)."""
    found: list[tuple[int, BodyType]] = []
    for node in syntax.walk(unit):
        if node.type != "call_expression" or node.start_byte > send.start_byte:
            continue
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            continue
        chain = syntax.member_chain(fn)
        base = syntax.text(fn).split(".", 1)[0].split("(", 1)[0]
        if base != reply or (chain is not None and chain[0] != reply):
            continue
        method = syntax.text(fn.child_by_field_name("property"))
        args = syntax.call_arguments(node)
        if method == "type" and args:
            found.append((node.start_byte, _declared(args[0])))
        elif method in ("header", "headers"):
            value = _header_pair(args)
            if value is not None:
                found.append((node.start_byte, _declared(value)))
    return _last(found)
