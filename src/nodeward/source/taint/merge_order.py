"""Objects merged left to right: in `Object.assign({}, req.body, { tool: "uptime" })` and
`{ ...req.body, ...DEFAULTS }` a later object's keys replace what the earlier ones put
there, so `tool` is clean when the last writer of it is a constant. A later object is only
known by its keys when it is written out (or bound to a literal); otherwise it replaces
nothing."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.taint.values import Taint, union


def literal_keys(ctx: FileContext, node: Node | None) -> list[str]:
    """The keys an object literal (or a name bound to one) writes; empty when any of its
    keys is computed or spread from something else."""
    value = syntax.unwrap(ctx.value_of(node))
    if value is None or value.type != "object":
        return []
    keys: list[str] = []
    for child in value.named_children:
        if child.type == "shorthand_property_identifier":
            keys.append(syntax.text(child))
        elif child.type == "pair":
            key = child.child_by_field_name("key")
            if key is None or key.type not in ("property_identifier", "string"):
                return []
            keys.append(syntax.string_value(key) or syntax.text(key))
        elif child.type not in ("comment", "method_definition"):
            return []
    return keys


def written_over(parts: list[Taint], keys: list[str]) -> list[Taint]:
    """What earlier merged objects still hold once a later one writes `keys`."""
    for key in keys:
        parts = [
            frozenset(o for t in part if (o := t.overwrite(key)) is not None) for part in parts
        ]
    return parts


def merged(ctx: FileContext, args: list[Node], taints: list[Taint]) -> Taint:
    """`Object.assign(target, ...sources)`: the target and sources, each later one writing
    over the keys it has."""
    parts: list[Taint] = []
    for arg, taint in zip(args, taints, strict=False):
        parts = written_over(parts, literal_keys(ctx, arg))
        parts.append(taint)
    return union(*parts)
