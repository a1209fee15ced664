"""Work sized by the request: a loop whose bound, or an allocation whose size, is request
data with no upper bound checked (`for (i = 0; i < body.items.length; i++)` where the client
sends `{"items": {"length": 1e9}}`; `new Array(req.query.n)`; `"x".repeat(count)`).

A `.length` bound counts only on a value that may be an object: the length of a string or of
a parsed array is capped by the body size, an object's `length` field is whatever the client
wrote. A number conversion (parseInt, Number) is no bound; Math.min is, and so is a relational
comparison of the value in an `if` before the loop (guards.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.findings import Confidence
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.calls import call_shape
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.sinks import sink
from nodeward.source.taint.values import Taint

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

LOOPS = frozenset({"for_statement", "while_statement", "do_statement"})
_RELATIONAL = frozenset({"<", "<=", ">", ">="})
#: Calls whose first argument sizes what they build: `repeat(n)`, `Buffer.alloc(n)`.
_SIZED_METHODS = frozenset({"repeat", "alloc", "allocUnsafe", "allocUnsafeSlow", "padStart"})
_SIZED_METHODS |= {"padEnd"}


def _bound(fa: FunctionAnalysis, bound: Node) -> tuple[Node, Taint, SinkKind]:
    """What sets a bound: the object whose `length` is read, or the value itself."""
    bound = syntax.unwrap(bound) or bound
    if bound.type == "member_expression" and (
        syntax.text(bound.child_by_field_name("property")) == "length"
    ):
        owner = bound.child_by_field_name("object") or bound
        return owner, fa.eval(owner), SinkKind.LENGTH_BOUND
    return bound, fa.eval(bound), SinkKind.LOOP_BOUND


def _loop_bounds(loop: Node) -> list[Node]:
    """The sides of the loop condition's comparisons that are not the loop counter."""
    condition = loop.child_by_field_name("condition")
    if condition is None:
        return []
    counters = _counters(loop)
    bounds = []
    for node in syntax.walk(condition):
        if node.type != "binary_expression":
            continue
        if syntax.text(node.child_by_field_name("operator")) not in _RELATIONAL:
            continue
        for side, other in (("left", "right"), ("right", "left")):
            counter = syntax.unwrap(node.child_by_field_name(other))
            bound = node.child_by_field_name(side)
            # a loop without a counter (`while (queue.length < n)`): either side
            if (
                bound is not None
                and counter is not None
                and (not counters or syntax.text(counter) in counters)
            ):
                bounds.append(bound)
    return bounds


def _counters(loop: Node) -> set[str]:
    """The names a loop steps (`i++`, `i += 1`, `n--`): the other side of a comparison
    with one of them is the bound."""
    stepped: set[str] = set()
    increment = loop.child_by_field_name("increment")
    places = [increment] if increment is not None else []
    body = loop.child_by_field_name("body")
    if body is not None:
        places.append(body)
    for place in places:
        for node in syntax.walk(place):
            if node.type == "update_expression":
                target = node.child_by_field_name("argument")
                stepped.add(syntax.text(syntax.unwrap(target)))
            elif node.type == "augmented_assignment_expression":
                stepped.add(syntax.text(syntax.unwrap(node.child_by_field_name("left"))))
    return stepped


def check_loop(fa: FunctionAnalysis, loop: Node) -> None:
    if fa.client:
        return
    for written in _loop_bounds(loop):
        value, taint, kind = _bound(fa, written)
        label = f"the bound of a loop (`{' '.join(syntax.text(written).split())[:40]}`)"
        sink(fa, loop, value, taint, kind, label, Confidence.MEDIUM)


def check_allocation(fa: FunctionAnalysis, call: Node) -> None:
    """`Array(n)`, `new Array(n)`, `Array.from({ length: n })`, `s.repeat(n)`,
    `Buffer.alloc(n)`: the request chooses how much memory or work the call takes."""
    if fa.client:
        return
    # the callee and arguments the engine read already (every call of a unit is checked:
    # the callee's text, a whole chain, is read only for the two `Array` shapes)
    shape = call_shape(fa, call)
    fn, args = shape.fn, shape.args
    if fn is None or not args:
        return
    size: Node | None = None
    if fn.type == "identifier":
        if len(args) == 1 and syntax.text(fn) == "Array":
            size = args[0]
    elif fn.type == "member_expression":
        if shape.method == "from" and syntax.text(fn) == "Array.from":
            size = syntax.object_get(syntax.unwrap(args[0]), "length")
        elif shape.method in _SIZED_METHODS:
            size = args[0]
    if size is None:
        return
    value, taint, kind = _bound(fa, size)
    label = f"the size of {syntax.text(fn)}()"
    sink(fa, call, value, taint, kind, label, Confidence.MEDIUM)
