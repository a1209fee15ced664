"""A `switch` on the value is an allow-list: inside `case "uptime":` (or any case labelled
with a literal) the value is that literal; the `default:` branch is not guarded."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.parse import Node

_LITERALS = frozenset({"string", "number", "true", "false", "null"})


def literal_case_of(case: Node, names: set[str]) -> bool:
    """Whether `case` is a `case <literal>:` of a `switch` on one of `names`."""
    if case.type != "switch_case":
        return False
    label = syntax.unwrap(case.child_by_field_name("value"))
    body = case.parent
    switch = body.parent if body is not None and body.type == "switch_body" else None
    if label is None or label.type not in _LITERALS or switch is None:
        return False
    tested = syntax.unwrap(switch.child_by_field_name("value"))
    return tested is not None and syntax.text(tested) in names
