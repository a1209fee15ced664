"""The per-file call index (source/call_index.py) and the file-level prefilters the rules
use: each answers what asking every call (or every literal) would, in the same order."""

from __future__ import annotations

import pytest

from nodeward.source import syntax
from nodeward.source.call_index import in_document_order
from nodeward.source.context import FileContext
from nodeward.source.parse import SourceText, parse
from nodeward.source.rules import access_control, naming
from nodeward.source.rules.express import method_call

_CODE = """\
const express = require("express");
const helmet = require("helmet");
const app = express();
app.use(helmet({ frameguard: false }));
function handler(req, res) {
  res.set("X-A", "1").set("X-B", "2");
  res.status(500).send(new Error("x").message);
  (res.cookie)("sid", req.query.id, {});
  window["eval"](req.body.code);
  return res.send(helmet.noSniff());
}
new Thing().send(1);
app.listen(3000);
"""


def _ctx(code: str) -> FileContext:
    return FileContext(parse(SourceText("a.js", code.encode(), tuple(code.splitlines()))))


def _texts(nodes: list) -> list[str]:
    return [syntax.text(n) for n in nodes]


def test_method_calls_are_the_calls_method_call_accepts_in_document_order() -> None:
    ctx = _ctx(_CODE)
    methods = ("set", "send", "listen")
    expected = [
        (call, found[0], found[1])
        for call in ctx.nodes("call_expression")
        if (found := method_call(call)) is not None and found[1] in methods
    ]
    assert ctx.call_index.method_calls(methods) == expected
    assert [m for _c, _r, m in expected] == ["set", "set", "send", "send", "send", "listen"]


def test_method_calls_in_a_scope_are_those_within_finds() -> None:
    ctx = _ctx(_CODE)
    handler = ctx.nodes("function_declaration")[0]
    inside = ctx.call_index.method_calls(("send",), handler)
    assert [c for c, _r, _m in inside] == [
        c
        for c in ctx.within(handler, "call_expression")
        if (f := method_call(c)) and f[1] == "send"
    ]
    assert len(inside) == 2  # not `new Thing().send(1)` outside the handler


def test_calls_named_files_each_call_under_its_callee_last_name() -> None:
    ctx = _ctx(_CODE)
    index = ctx.call_index
    assert _texts(index.calls_named(("eval",))) == ['window["eval"](req.body.code)']
    assert _texts(index.calls_named(("cookie",))) == ['(res.cookie)("sid", req.query.id, {})']
    assert _texts(index.calls_named(("Thing",))) == ["new Thing()"]
    # every call whose callee_name() ends with `.send` is among them
    ending = [c for c in ctx.calls if ctx.callee_name(c).endswith(".send")]
    assert set(map(id, ending)) <= set(map(id, index.calls_named(("send",))))
    assert _texts(index.calls_ending("oSniff")) == ["helmet.noSniff()"]


def test_calls_into_are_the_calls_whose_callee_starts_at_the_module() -> None:
    ctx = _ctx(_CODE)
    into = ctx.call_index.calls_into(("helmet",))
    assert into == [
        (c, ref) for c in ctx.calls if (ref := ctx.callee(c)) and ref.module == "helmet"
    ]
    assert _texts([c for c, _ref in into]) == ["helmet({ frameguard: false })", "helmet.noSniff()"]
    assert ctx.call_index.calls_into(("cors",)) == []


def test_in_document_order_merges_without_duplicates() -> None:
    ctx = _ctx(_CODE)
    sets = [c for c, _r, _m in ctx.call_index.method_calls(("set",))]
    merged = in_document_order(reversed(sets), sets, ctx.call_index.calls_named(("listen",)))
    assert _texts(merged) == [
        'res.set("X-A", "1").set("X-B", "2")',
        'res.set("X-A", "1")',
        "app.listen(3000)",
    ]


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ('x = "uncaughtException";', "uncaughtException", True),
        ('x = "unca\\ught\\Exception";', "uncaughtException", True),  # escapes
        ('x = "uncaught"; y = "\\n";', "uncaughtException", False),
        ('x = "uncaught";', "uncaughtException", False),
    ],
)
def test_may_spell_is_necessary_for_a_string_value(code: str, value: str, expected: bool) -> None:
    ctx = _ctx(code)
    values = {syntax.string_value(n) for n in ctx.nodes("string")}
    assert ctx.may_spell(value) is expected
    if value in values:
        assert ctx.may_spell(value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"user.Password === x", True),
        (b"const PWD = 1", True),
        (b'row["\\p\\a\\s\\s"]', True),  # an escaped key still reads "pass"
        (b"const name = 'x\\n'", False),
        (b"nothing here", False),
    ],
)
def test_may_name_password(source: bytes, expected: bool) -> None:
    assert naming.may_name_password(source) is expected


def test_privilege_needles_come_from_the_pattern() -> None:
    assert access_control._needles("role|is_?admin|access_?level") == ("role", "admin", "access")
    with pytest.raises(ValueError, match="not a plain alternative"):
        access_control._needles("role|ad.*min")
    assert all(
        any(n in word.lower() for n in access_control._PRIVILEGE_NEEDLES)
        for word in ("isAdmin", "is_staff", "accessLevel", "x-user-role", "SUPERUSER")
    )


def test_operator_is_the_token_as_written() -> None:
    ctx = _ctx("if (a === b && c in d) x = a instanceof B;")
    assert [syntax.operator(n) for n in ctx.nodes("binary_expression")] == [
        "&&",
        "===",
        "in",
        "instanceof",
    ]
    assert syntax.operator(ctx.parsed.root) == ""  # no operator field
