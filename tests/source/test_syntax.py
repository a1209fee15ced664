"""syntax.py: unwrap looks inside parentheses, casts and `await`; outermost looks out;
this_member reads `this.x`."""

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


def test_this_member_names_the_member_of_this_written_with_a_dot_or_a_string_key() -> None:
    code = 'this.a = 1; this["b"] = 2; (this).c = 3; this.d.e = 4; self.f = 5; this[k] = 6;\n'
    root = parse(SourceText("a.js", code.encode(), tuple(code.splitlines()))).root
    lefts = [
        n.child_by_field_name("left")
        for n in syntax.walk(root)
        if n.type == "assignment_expression"
    ]
    assert [syntax.this_member(left) for left in lefts] == ["a", "b", "c", None, None, None]
    assert syntax.this_member(None) is None
