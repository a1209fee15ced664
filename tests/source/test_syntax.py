"""syntax.py: unwrap looks inside parentheses, casts and `await`; outermost looks out."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.parse import SourceText, parse


def test_outermost_is_what_the_parent_holds_and_unwrap_undoes_it() -> None:
    code = "async function f(x) { return g((await (x as any))!); }\n"
    root = parse(SourceText("a.ts", code.encode(), tuple(code.splitlines()))).root
    [x] = [n for n in syntax.walk(root) if n.type == "identifier" and syntax.text(n) == "x"][1:]
    held = syntax.outermost(x)
    assert held.type == "non_null_expression"
    assert held.parent is not None and held.parent.type == "arguments"
    assert syntax.unwrap(held) == x
    call = next(n for n in syntax.walk(root) if n.type == "call_expression")
    assert syntax.outermost(call) == call  # nothing around it: itself
