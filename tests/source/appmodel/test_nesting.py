"""appmodel/nesting.py: the innermost block or function around a node, by bisection, is
the one a walk up the tree finds."""

from __future__ import annotations

import pytest

from nodeward.source import syntax
from nodeward.source.appmodel.nesting import Nesting, exact_for
from nodeward.source.context import FileContext
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
