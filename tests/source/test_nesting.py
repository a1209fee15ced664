"""nesting.py and FileContext.enclosing_function: the innermost block or function around
a node, by bisection, is the one a walk up the tree finds."""

from __future__ import annotations

import pytest

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.nesting import Nesting, exact_for
from nodeward.source.parse import Node, SourceText, parse

_BLOCKS = frozenset({"statement_block", "program", "class_body"})

_JS = """\
const express = require("express");
x => x;
function outer(app, opts) {
  const router = express.Router();
  if (opts) { let y = (a) => { return a + y; }; router.get("/", y); }
  class Api { handle(req) { return req; } field = function (b) { return b; }; }
  return function inner(r) { { const app = r; } app.use(router); };
}
module.exports = { outer, helper: async function (app) { app.get("/", (q) => q); } };
"""

_TS = """\
export class Routes {
  constructor(private readonly app: Express) {}
  mount(router: Router): void { if (router) { for (const r of [router]) { this.app.use(r); } } }
}
export default (app: Express) => { switch (app.x) { case 1: { const z = 1; } } };
"""


def _ctx(code: str, rel: str) -> FileContext:
    return FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))


def _walked_up(node: Node, types: frozenset[str]) -> Node | None:
    return next((p for p in syntax.ancestors(node) if p.type in types), None)


@pytest.mark.parametrize(("code", "rel"), [(_JS, "a.js"), (_TS, "a.ts")])
def test_around_finds_what_a_walk_up_finds(code: str, rel: str) -> None:
    ctx = _ctx(code, rel)
    blocks = Nesting([ctx.parsed.root, *ctx.nodes("statement_block", "class_body")])
    functions = Nesting(ctx.nodes(*syntax.FUNCTION_TYPES))
    asked = [*ctx.nodes("identifier"), *ctx.nodes("statement_block", "class_body")]
    asked += ctx.nodes(*syntax.FUNCTION_TYPES)
    assert len(asked) > 15
    for node in asked:
        assert exact_for(node)
        assert blocks.around(node) == _walked_up(node, _BLOCKS), syntax.text(node)
        assert functions.around(node) == syntax.enclosing_function(node), syntax.text(node)


def test_the_root_has_nothing_around_it() -> None:
    ctx = _ctx(_JS, "a.js")
    blocks = Nesting([ctx.parsed.root, *ctx.nodes("statement_block")])
    assert blocks.around(ctx.parsed.root) is None
    first = ctx.nodes("identifier")[0]  # `express`, at the top level
    assert blocks.around(first) == ctx.parsed.root
    assert Nesting(ctx.nodes(*syntax.FUNCTION_TYPES)).around(first) is None


# `y => y` with no semicolon: the statement's span is the function's; an empty span is
# what error recovery inserts (the missing `)` of the call, on the arrow's last byte: a
# span search would put it in the arrow)
_SAME_SPAN = """\
y => y
const h = function () { return () => function named() { return this; }; };
function k(a) { return g((b) => b; }
"""


def _every_node(ctx: FileContext) -> list[Node]:
    """Every node of the file, anonymous and empty ones too."""
    found, pending = [], [ctx.parsed.root]
    while pending:
        node = pending.pop()
        found.append(node)
        pending += node.children
    return found


@pytest.mark.parametrize(
    ("code", "rel"), [(_JS, "a.js"), (_TS, "a.ts"), (_SAME_SPAN, "b.js"), (_TS, "a.tsx")]
)
def test_the_file_finds_the_enclosing_function_a_walk_up_finds(code: str, rel: str) -> None:
    ctx = _ctx(code, rel)
    nodes = _every_node(ctx)
    assert len(nodes) > 60
    for node in nodes:
        assert ctx.enclosing_function(node) == syntax.enclosing_function(node), syntax.text(node)


def test_a_statement_that_spans_its_function_is_not_inside_it() -> None:
    ctx = _ctx(_SAME_SPAN, "b.js")
    empty = [n for n in _every_node(ctx) if n.start_byte == n.end_byte]
    assert [n.type for n in empty] == [")"]
    assert ctx.enclosing_function(empty[0]) == syntax.enclosing_function(empty[0])
    assert syntax.text(ctx.enclosing_function(empty[0]).child_by_field_name("name")) == "k"
    statement = ctx.parsed.root.named_children[0]
    arrow = statement.named_children[0]
    assert arrow.type == "arrow_function"
    assert (statement.start_byte, statement.end_byte) == (arrow.start_byte, arrow.end_byte)
    assert ctx.enclosing_function(statement) is None
    assert ctx.enclosing_function(arrow.child_by_field_name("body")) == arrow


def test_a_file_deeper_than_a_walk_reaches_answers_as_the_walk() -> None:
    """Past syntax.MAX_ANCESTORS levels the walk gives up (no function found): the
    bisection would find one, so such a file keeps the walk's answer."""
    depth = syntax.MAX_ANCESTORS + 20
    code = "function deep() { return " + "[" * depth + "x" + "]" * depth + "; }\n"
    ctx = _ctx(code, "deep.js")
    assert ctx.max_depth > syntax.MAX_ANCESTORS
    x = next(n for n in ctx.nodes("identifier") if syntax.text(n) == "x")
    assert syntax.enclosing_function(x) is None  # the walk stops short of `deep`
    assert ctx.enclosing_function(x) is None
    for node in _every_node(ctx):
        assert ctx.enclosing_function(node) == syntax.enclosing_function(node)
