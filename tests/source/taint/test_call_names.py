"""call_names.FileCalls answers what the per-call tests it replaced answered: the calls
records.may_end_in accepts, and the calls function_values indexed by name (a plain call of
an identifier or of a member with a `property_identifier`), in document order."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.taint.call_names import CallNames
from nodeward.source.taint.records import may_end_in

_CODE = """
class Store extends Base {
  #init() { return 1; }
  constructor() { super(); this.#init(); }
}
const a = { on() {}, init() {} };
a.on("x", f); a.b.on("y", g); on(); init(); (a.init)(); (0, a.init)();
new a.init(); new init(); new (a.init)(); a["init"](); a[k](); a?.init(); a.init?.();
init`tagged`; a.init`tagged`; (init as any)(); this.on(); new Store().init();
mongoose.model("User", schema); db.define("Post", {}); User.init({}); f()();
"""


def _ctx(code: str, rel: str = "app.ts") -> FileContext:
    return FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))


def _old_named(call: Node) -> str | None:
    """The name function_values indexed a call under before FileCalls (or None)."""
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is not None and callee.type == "member_expression":
        callee = callee.child_by_field_name("property")
    if callee is not None and callee.type in ("identifier", "property_identifier"):
        return syntax.text(callee)
    return None


def test_ending_in_lists_exactly_the_calls_may_end_in_accepts_in_document_order() -> None:
    ctx = _ctx(_CODE)
    index = CallNames().of(ctx)
    for names in (
        frozenset({"on"}),
        frozenset({"init"}),
        frozenset({"model", "define", "init"}),
        frozenset({"#init", "super", "this"}),
        frozenset({"absent"}),
    ):
        expected = [call for call in ctx.calls if may_end_in(call, names)]
        assert index.ending_in(names) == expected
    assert len(index.ending_in(frozenset({"init"}))) > 10  # the shapes above are read


def test_named_calls_lists_the_calls_indexed_by_name_before() -> None:
    ctx = _ctx(_CODE)
    index = CallNames().of(ctx)
    names = {name for call in ctx.calls if (name := _old_named(call)) is not None}
    assert {"on", "init", "model", "define"} <= names
    for name in [*names, "#init", "super", "absent"]:
        assert index.named_calls(name) == [c for c in ctx.calls if _old_named(c) == name]


def test_an_index_is_rebuilt_for_another_file_under_the_same_name() -> None:
    names = CallNames()
    first, second = _ctx("on();"), _ctx("x.on(); y.on();")
    assert len(names.of(first).named_calls("on")) == 1
    assert len(names.of(second).named_calls("on")) == 2
