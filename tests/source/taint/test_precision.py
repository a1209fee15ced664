"""Precision helpers of the taint engine: sanitizing middleware models, barrel modules,
fields overwritten before they are read."""

from __future__ import annotations

import pytest

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.taint.field_writes import FieldWrites
from nodeward.source.taint.model import ModelError, SinkKind, load_models, parse_models


def _ctx(code: str, rel: str) -> FileContext:
    return FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))


def _node(ctx: FileContext, text: str, kind: str) -> Node:
    return next(
        n for n in syntax.walk(ctx.parsed.root) if n.type == kind and syntax.text(n) == text
    )


def test_middleware_rows_load_and_reject_bad_shapes() -> None:
    models = parse_models(
        {"m.toml": 'middleware = [["sanitizer", "ReturnValue", "nosql-injection"]]'}
    )
    assert models.middleware == {("sanitizer", ()): frozenset({SinkKind.NOSQL})}
    assert load_models().middleware[("express-mongo-sanitize", ())] == {SinkKind.NOSQL}
    with pytest.raises(ModelError, match="needs 3 fields"):
        parse_models({"m.toml": 'middleware = [["sanitizer", "ReturnValue"]]'})


@pytest.mark.parametrize(
    "barrel",
    [
        'module.exports.userService = require("./user");',
        'import * as userService from "./user";\nexport { userService };',
    ],
)
def test_barrel_members_resolve_to_the_re_exported_module(barrel: str) -> None:
    user = _ctx("module.exports = { byId(id) { return id; } };", "services/user.js")
    index = _ctx(barrel, "services/index.js")
    route = _ctx('const { userService } = require("./services");\nuserService.byId(1);', "app.js")
    graph = ModuleGraph([user, index, route])
    resolved = graph.resolve_import(route, _node(route, "userService.byId", "member_expression"))
    assert resolved is not None
    assert resolved.ctx.rel == "services/user.js"
    assert syntax.text(resolved.node).startswith("byId(id)")


_HANDLER = """
function handler(req) {
  const doc = new Doc(req.body);
  doc.owner = req.user.id;
  log(doc.owner);
  if (req.query.x) { doc.title = "fixed"; }
  log(doc.title);
}
"""


def test_a_field_written_once_before_the_read_decides_what_it_holds() -> None:
    ctx = _ctx(_HANDLER, "h.js")
    func = _node(ctx, _HANDLER.strip(), "function_declaration")
    writes = FieldWrites(ctx)
    owner = [n for n in syntax.walk(func) if syntax.text(n) == "doc.owner"]
    assert writes.overriding_value(owner[-1], func) is not None
    assert syntax.text(writes.overriding_value(owner[-1], func)) == "req.user.id"
    assert writes.overriding_value(owner[0], func) is None  # the write itself
    title = [n for n in syntax.walk(func) if syntax.text(n) == "doc.title"]
    assert writes.overriding_value(title[-1], func) is None  # written in a branch only


_TWO_HANDLERS = """\
function a(req) { const doc = new Doc(req.body); doc.owner = req.user.id; log(doc.owner); }
function b(req) { const doc = new Doc(req.body); doc.owner = 1; log(doc.owner); }
"""


def test_field_writes_count_only_the_writes_of_the_function_asked_about() -> None:
    # one index per file: the write in b() must not make a()'s write look like one of two
    ctx = _ctx(_TWO_HANDLERS, "h.js")
    writes = FieldWrites(ctx)
    for func, value in zip(ctx.nodes("function_declaration"), ("req.user.id", "1"), strict=True):
        use = [n for n in syntax.walk(func) if syntax.text(n) == "doc.owner"][-1]
        assert syntax.text(writes.overriding_value(use, func)) == value
    assert writes.overriding_value(use, ctx.parsed.root) is None  # two writes in the file
