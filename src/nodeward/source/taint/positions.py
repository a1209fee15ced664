"""Arrays read by position: `const [user, rows] = await Promise.all([findUser(id),
db.query(sql)])` and `Promise.all([a, b]).then(([x, y]) => ...)` give each name the value
at its own index, not the union of all of them (a clean element stays clean)."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.parse import Node

_SETTLE_ALL = frozenset({"Promise.all"})
_BRACKETS = frozenset({"[", "]", "comment"})


def elements(value: Node | None) -> list[Node | None] | None:
    """The elements of `[x, y]`, `Promise.all([x, y])` or `await Promise.all([x, y])` by
    index (None for a hole); None for anything else, or an array with a spread."""
    node = syntax.unwrap(value)
    if node is not None and node.type == "await_expression":
        node = syntax.unwrap(node.named_children[0]) if node.named_children else None
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
