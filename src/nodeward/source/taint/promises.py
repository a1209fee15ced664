"""Promises built by hand: `new Promise((resolve) => resolve(value))` settles with `value`,
so `await` on it (or `.then(cb)`) hands `value` on. Wrapping a callback API this way is how
applications written before util.promisify read files, run queries and call services."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.parse import Node


def resolved_values(executor: Node | None) -> list[Node]:
    """The expressions an executor passes to its first parameter (`resolve`); empty when
    the executor is not a function literal or names no `resolve` parameter."""
    executor = syntax.unwrap(executor)
    if executor is None or executor.type not in syntax.FUNCTION_TYPES:
        return []
    resolve = _first_parameter_name(executor)
    body = executor.child_by_field_name("body")
    if resolve is None or body is None:
        return []
    values: list[Node] = []
    for node in syntax.walk(body):
        if node.type != "call_expression":
            continue
        callee = node.child_by_field_name("function")
        if callee is not None and callee.type == "identifier" and syntax.text(callee) == resolve:
            values.extend(syntax.call_arguments(node)[:1])
    return values


def _first_parameter_name(func: Node) -> str | None:
    single = func.child_by_field_name("parameter")  # `resolve => ...`
    if single is not None:
        return syntax.text(single) if single.type == "identifier" else None
    params = func.child_by_field_name("parameters")
    if params is None or not params.named_children:
        return None
    first = params.named_children[0]
    if first.type in ("required_parameter", "optional_parameter"):  # TypeScript
        first = first.child_by_field_name("pattern") or first
    return syntax.text(first) if first.type == "identifier" else None
