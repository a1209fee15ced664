"""Arrays read by position: `const [user, rows] = await Promise.all([findUser(id),
db.query(sql)])` and `Promise.all([a, b]).then(([x, y]) => ...)` give each name the value
at its own index, not the union of all of them (a clean element stays clean). A result
kept whole (`const results = await Promise.all([...])`) holds each element under its own
position key, which `results[1]` reads back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.values import MAX_FIELDS, Taint, Trace, union

_SETTLE_ALL = frozenset({"Promise.all", "Promise.allSettled"})
_BRACKETS = frozenset({"[", "]", "comment"})


def elements(value: Node | None) -> list[Node | None] | None:
    """The elements of `[x, y]`, `Promise.all([x, y])` or `await Promise.all([x, y])` by
    index (None for a hole); None for anything else, or an array with a spread."""
    node = _awaited(value)
    if node is not None and node.type == "call_expression":
        args = syntax.call_arguments(node)
        if syntax.text(node.child_by_field_name("function")) not in _SETTLE_ALL or len(args) != 1:
            return None
        node = syntax.unwrap(args[0])
    if node is None or node.type != "array":
        return None
    found = slots(node)
    if found is None or any(e is not None and e.type == "spread_element" for e in found):
        return None
    return found


def settles_all(value: Node | None) -> bool:
    """`Promise.all(...)` or `await Promise.all(...)` (or `Promise.allSettled`, whose
    element `i` is `{ status, value }` with the value of element `i`)."""
    node = _awaited(value)
    return (
        node is not None
        and node.type == "call_expression"
        and syntax.text(node.child_by_field_name("function")) in _SETTLE_ALL
    )


def settled(call: Node, evaluate: Callable[[Node], Taint]) -> Taint | None:
    """`Promise.all([x, y])` as an expression of its own (returned by a service, passed
    on): each element's taint under its position key, so the caller's `results[1]` reads
    `y` alone; None for any other call."""
    values = elements(call) if call.type == "call_expression" else None
    if values is None:
        return None
    return at_positions([evaluate(v) if v is not None else frozenset() for v in values])


def _awaited(value: Node | None) -> Node | None:
    node = syntax.unwrap(value)
    if node is not None and node.type == "await_expression":
        node = syntax.unwrap(node.named_children[0]) if node.named_children else None
    return node


def slots(array: Node) -> list[Node | None] | None:
    """The entries of an array literal or array pattern by index, None for a hole
    (`[, b]`); None when the node is neither."""
    if array.type not in ("array", "array_pattern"):
        return None
    items: list[Node | None] = []
    current: Node | None = None
    for child in array.children:
        if child.type in _BRACKETS:
            continue
        if child.type == ",":
            items.append(current)
            current = None
        elif child.is_named:
            current = child
    if current is not None:
        items.append(current)
    return items


def slot_target(slot: Node) -> Node:
    """The name an array-pattern slot binds: `a` of `[a = fallback]`, the slot itself
    otherwise."""
    if slot.type == "assignment_pattern":
        return slot.child_by_field_name("left") or slot
    return slot


def position_key(index: int) -> str:
    """The property path step of an array element read by position: `[1]`, never the name
    of an object property, so an element is told apart only where positions were kept."""
    return f"[{index}]"


def at_position(taint: Taint, index: int) -> Taint:
    """The taint of element `index` of a value with `taint`: its own element where the
    value was built by position, any element otherwise."""
    key = position_key(index)
    return frozenset(
        m for t in taint if (m := t.member(key if _positional(t) else "[]")) is not None
    )


def at_positions(taints: list[Taint]) -> Taint:
    """An array whose element `i` has `taints[i]`: each element's traces under its position
    key (a request container stays whole, as it was in the element)."""
    return union(
        *(
            frozenset(replace(t, fields=(position_key(i), *t.fields)[:MAX_FIELDS]) for t in taint)
            for i, taint in enumerate(taints)
        )
    )


def index_of(node: Node | None) -> int | None:
    """The index of `a[1]`: a non-negative integer literal, None for anything else."""
    text = syntax.text(node) if node is not None and node.type == "number" else ""
    return int(text) if text.isdigit() and len(text) < 6 else None


def kept(taint: Taint) -> bool:
    """Whether every trace of `taint` holds an element under its position key."""
    return bool(taint) and all(_positional(t) for t in taint)


def _positional(trace: Trace) -> bool:
    return bool(trace.fields) and trace.fields[0].startswith("[") and trace.fields[0] != "[]"
