"""Calls that put a value into a collection held in a variable: `parts.push(x)`,
`queue.unshift(x)`, `list.splice(i, 0, x)`, `seen.add(x)`, `cache.set(key, x)`.

The collection then holds request data wherever it is read after the call
(`exec("tool " + parts.join(" "))`), as after `obj.key = x`: the write is recorded among
the variable's member writes, under any index."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.context import CALL
from nodeward.source.parse import Node
from nodeward.source.taint.expressions import static_path
from nodeward.source.taint.values import placed, union

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

#: method -> index of the first argument that is stored (the rest follow it)
_STORING_METHODS = {"push": 0, "unshift": 0, "splice": 2, "add": 0, "set": 1}


def stores(call: Node) -> bool:
    """Whether the call's syntax is one that stores an argument into its receiver."""
    return _first_stored(call) is not None


def _first_stored(call: Node) -> int | None:
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "member_expression":
        return None
    return _STORING_METHODS.get(syntax.text(callee.child_by_field_name("property")))


def record(fa: FunctionAnalysis, call: Node) -> None:
    first = _first_stored(call)
    args = syntax.call_arguments(call)
    callee = call.child_by_field_name("function")
    if first is None or callee is None or len(args) <= first:
        return
    path = static_path(callee.child_by_field_name("object"))
    if path is None or path[0].type != "identifier" or CALL in path[1]:
        return
    name = syntax.text(path[0])
    if name in fa.requests | fa.responses | fa.koa:  # `res.set(header, x)` writes a header
        return
    taint = union(*(fa.eval(arg) for arg in args[first:]))
    if not taint:
        return
    fa.write_member(fa.var(name, path[0]), call, placed(taint, *path[1], "[]"))
