"""Sinks that are statements rather than calls: assignments (`el.innerHTML = x`, Koa's
`ctx.body = x`, a nested write with request keys), JSX attributes, and what a NestJS route
method returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.findings import Confidence
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint import (
    content_type,
)
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.names import DOM_HTML_PROPERTIES
from nodeward.source.taint.sinks import sink, string_bodies

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis


def check_dangerous_html(fa: FunctionAnalysis, attribute: Node) -> None:
    """React: `dangerouslySetInnerHTML={{ __html: value }}`."""
    children = attribute.named_children
    if len(children) < 2 or syntax.text(children[0]) != "dangerouslySetInnerHTML":
        return
    value = children[1]
    inner = value.named_children[0] if value.named_children else None
    html = syntax.object_get(inner, "__html") if inner is not None else None
    if html is not None:
        label = "dangerouslySetInnerHTML"
        sink(fa, attribute, html, fa.eval(html), SinkKind.DOM_XSS, label, Confidence.HIGH)


def check_assignment(fa: FunctionAnalysis, node: Node) -> None:
    """`el.innerHTML = value` in browser code; `obj[req.body.a][req.body.b] = value`:
    a nested write with request keys can reach Object.prototype through `__proto__`."""
    left = node.child_by_field_name("left")
    check_koa_body(fa, node, left)
    if fa.client and left is not None and left.type == "member_expression":
        prop = syntax.text(left.child_by_field_name("property"))
        right = node.child_by_field_name("right")
        if prop in DOM_HTML_PROPERTIES and right is not None:
            label = f"{prop} assignment"
            sink(fa, node, right, fa.eval(right), SinkKind.DOM_XSS, label, Confidence.HIGH)
        return
    if left is None or left.type != "subscript_expression":
        return
    inner = syntax.unwrap(left.child_by_field_name("object"))
    if inner is None or inner.type != "subscript_expression":
        return
    key = fa.eval(inner.child_by_field_name("index"))
    index = inner.child_by_field_name("index")
    if key and index is not None:
        sink(fa, node, index, key, SinkKind.PROTOTYPE, "a nested property write", Confidence.MEDIUM)


def check_nest_returns(fa: FunctionAnalysis) -> None:
    """What a NestJS route method returns is the response body: a string is sent with
    Express's res.send (text/html) by the default adapter."""
    if fa.nest is None or not fa.nest.returns_html or fa.engine.nest_fastify:
        return
    name = syntax.text(fa.unit.child_by_field_name("name")) or "handler"
    label = (
        f"the return value of controller method {name}() "
        f"({fa.nest.framework} sends strings as text/html)"
    )
    for value in syntax.returned_values(fa.unit):
        node = value.parent if value.parent is not None else value
        taint = string_bodies(fa.eval(value))
        sink(fa, node, value, taint, SinkKind.XSS, label, Confidence.HIGH)


def check_koa_body(fa: FunctionAnalysis, node: Node, left: Node | None) -> None:
    """`ctx.body = value` in a Koa handler: HTML when the handler set an HTML type, or
    set none and the body starts with `<` or with request data (content_type.py)."""
    context = content_type.koa_body_target(left, fa.koa)
    right = node.child_by_field_name("right")
    if context is None or right is None:
        return
    # whatever the type, the body reaches the client: a record or process.env sent whole
    label = f"{syntax.text(left)}"
    sink(fa, node, right, fa.eval(right), SinkKind.SENSITIVE, label, Confidence.MEDIUM)
    handler = content_type.handler_of(node, context, fa.unit)
    declared = content_type.koa_body_type(handler, context, node)
    if declared is content_type.BodyType.OTHER:
        return
    if declared is content_type.BodyType.UNSET and not content_type.koa_body_is_html(fa.ctx, right):
        return
    label = f"{syntax.text(left)} (Koa serves it as text/html)"
    taint = string_bodies(fa.eval(right))
    sink(fa, node, right, taint, SinkKind.XSS, label, Confidence.HIGH)
