"""Names bound to the elements of a table: a for-of loop's variable and the parameters of
an iteration callback (`t.forEach(cb)`, `t.reduce(cb)`, lodash's `forEach(t, cb)`), and the
part of an element a destructuring pattern gives a name (`({ path, handler }) => ...`,
`([name, fn]) => ...`). Pure syntax: the taint engine's function values
(taint/function_values.py) and the route table's loop registrations read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.scopes import bound_identifiers

Found = tuple[FileContext, Node]

#: Array and Map methods whose callback receives each element as its first parameter.
_ELEMENT_METHODS = frozenset(
    {"forEach", "map", "flatMap", "filter", "some", "every", "find", "findIndex", "findLast"}
)
#: lodash / underscore iterators: `_.forEach(collection, (value, key) => ...)`.
_COLLECTION_ITERATORS = frozenset(
    {"forEach", "each", "map", "forOwn", "forIn", "mapValues", "filter", "some", "every"}
)
_COLLECTION_LIBRARIES = frozenset({"lodash", "underscore", "lodash/fp"})


@dataclass(frozen=True)
class Element:
    """A value stored in a table; `keyed` when iterating gives `[key, value]` pairs
    (`Object.entries(t)`, a `Map` read by for-of), `node` being the value."""

    ctx: FileContext
    node: Node
    keyed: bool = False
    key: Node | None = None  # the property key an object's value is stored under


def pick(pattern: Node | None, name: str, element: Element) -> list[Found]:
    """The part of `element` a binding pattern gives `name`: the element itself, one of
    an entry's `[key, value]` slots, or a field of a record (`{ path, handler }`)."""
    pattern = syntax.unwrap(pattern)
    if pattern is None:
        return []
    if pattern.type in ("required_parameter", "optional_parameter"):
        return pick(pattern.child_by_field_name("pattern"), name, element)
    if pattern.type in ("assignment_pattern", "object_assignment_pattern"):
        return pick(pattern.child_by_field_name("left"), name, element)
    if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [(element.ctx, element.node)] if syntax.text(pattern) == name else []
    if pattern.type == "array_pattern":
        slots = list(pattern.named_children)
        if element.keyed:  # `[name, fn]`: the key in the first slot, the value in the second
            stored = [(slots[0], element.key)] if element.key is not None else []
            stored += [(slots[1], element.node)] if len(slots) > 1 else []
            return [f for slot, n in stored for f in pick(slot, name, Element(element.ctx, n))]
        array = syntax.unwrap(element.ctx.value_of(element.node))
        items = list(array.named_children) if array is not None and array.type == "array" else []
        return [
            found
            for slot, item in zip(slots, items, strict=False)
            for found in pick(slot, name, Element(element.ctx, item))
        ]
    if pattern.type != "object_pattern":
        return []
    record = syntax.unwrap(element.ctx.value_of(element.node))
    found: list[Found] = []
    for child in pattern.named_children:
        key = (
            syntax.property_key(child)
            if child.type == "pair_pattern"
            else syntax.text(next(iter(child.named_children), child))
        )
        value = syntax.object_get(record, key) if key and record is not None else None
        target = child.child_by_field_name("value") if child.type == "pair_pattern" else child
        if value is not None:
            found += pick(target, name, Element(element.ctx, value))
    return found


def binding_scope(ident: Node, scope_start: int) -> Node | None:
    """The function or for-of loop around `ident` whose scope starts at `scope_start`
    (FileContext.scope_of), or None (a block's `const`)."""
    return next((a for a in syntax.ancestors(ident) if _declares_at(a, scope_start)), None)


def _declares_at(node: Node, scope_start: int) -> bool:
    return node.start_byte == scope_start and (
        node.type in syntax.FUNCTION_TYPES or node.type == "for_in_statement"
    )


def declares(param: Node, name: str) -> bool:
    """Whether a parameter (or its destructuring pattern) declares `name`."""
    return any(syntax.text(i) == name for i in bound_identifiers(param))


def is_collection_iterator(ctx: FileContext, call: Node) -> bool:
    """`_.forEach(t, (value, key) => ...)` and the other lodash / underscore iterators."""
    ref = ctx.callee(call)
    return (
        ref is not None
        and ref.module in _COLLECTION_LIBRARIES
        and len(ref.path) == 1
        and ref.path[0] in _COLLECTION_ITERATORS
    )


def walked_table(ctx: FileContext, func: Node) -> tuple[Node, int] | None:
    """The table an iteration callback walks and the parameter receiving each element:
    `t.forEach(cb)` (first), `t.reduce(cb)` (second), `_.forEach(t, cb)` (first)."""
    holder = func.parent
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    if call is None or call.type != "call_expression":
        return None
    args = syntax.call_arguments(call)
    ref = ctx.callee(call)  # `_.forEach(t, cb)`, `forEach(t, cb)` imported from lodash
    if ref is not None and ref.module in _COLLECTION_LIBRARIES and len(ref.path) == 1:
        if ref.path[0] in _COLLECTION_ITERATORS and len(args) > 1 and args[1] == func:
            return args[0], 0
        return None
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "member_expression":
        return None
    method = syntax.text(callee.child_by_field_name("property"))
    receiver = callee.child_by_field_name("object")
    if receiver is None or not args or args[0] != func:
        return None
    if method in _ELEMENT_METHODS:
        return receiver, 0
    return (receiver, 1) if method == "reduce" else None


__all__ = [
    "Element",
    "binding_scope",
    "declares",
    "is_collection_iterator",
    "pick",
    "walked_table",
]
