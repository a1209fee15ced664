"""The per-file indexes of FileContext: each answers what a walk of the file (or of one
function) would, in the same order, without the walk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nodeward.config import Config
from nodeward.scan import run_scan
from nodeward.source import syntax
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node, SourceText, parse

_CODE = """\
const express = require("express");
const { helper } = require("./helper");
const app = express();
function outer(req, res) {
  const inner = (x) => { res.set("A", x); return helper(x); };
  inner(req.query.a)(b);
  (function () { res.json(req.body); })();
  return res.send(inner(1));
}
app.get("/a", outer);
app.post("/b", (req, res) => res.end())
"""


def _ctx(code: str, rel: str = "a.js") -> FileContext:
    return FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))


def _walked(scope: Node, *types: str) -> list[int]:
    return [node.id for node in syntax.walk(scope) if node.type in types]


def _scopes(ctx: FileContext) -> Iterator[Node]:
    yield ctx.parsed.root
    for node_type in ("function_declaration", "arrow_function", "function_expression"):
        yield from ctx.nodes(node_type)
    yield from ctx.calls
    yield from ctx.nodes("expression_statement")


@pytest.mark.parametrize(
    "types",
    [
        ("call_expression",),
        ("identifier", "member_expression"),
        ("arguments",),
        ("expression_statement",),
        ("call_expression", "arrow_function"),
    ],
)
def test_within_answers_what_a_walk_of_the_scope_finds(types: tuple[str, ...]) -> None:
    ctx = _ctx(_CODE)
    for scope in _scopes(ctx):
        assert [node.id for node in ctx.within(scope, *types)] == _walked(scope, *types)


def test_within_leaves_out_an_enclosing_node_of_the_same_extent() -> None:
    # without a semicolon the statement spans exactly its call: it is outside the call
    ctx = _ctx("f(g())")
    call = ctx.nodes("call_expression")[0]
    statement = ctx.nodes("expression_statement")[0]
    assert (statement.start_byte, statement.end_byte) == (call.start_byte, call.end_byte)
    assert ctx.within(call, "expression_statement") == []
    assert [n.id for n in ctx.within(statement, "expression_statement")] == [statement.id]
    # `f()()`: the outer call starts where the inner one does, and is not inside it
    ctx = _ctx("f()()")
    outer, inner = ctx.nodes("call_expression")
    assert [n.id for n in ctx.within(inner, "call_expression")] == [inner.id]
    assert [n.id for n in ctx.within(outer, "call_expression")] == [outer.id, inner.id]


def test_references_are_the_identifiers_and_members_written_as_a_name() -> None:
    ctx = _ctx("login(a);\nauth.login(b);\nconst login2 = auth.login;\nlogin;\n")
    found = [(syntax.text(n), syntax.line_of(n)) for n in ctx.references("login")]
    assert found == [("login", 1), ("login", 4)]
    found = [(n.type, syntax.line_of(n)) for n in ctx.references("auth.login")]
    assert found == [("member_expression", 2), ("member_expression", 3)]
    assert ctx.references("missing") == []


def test_import_identifiers_are_the_names_import_statements_bind() -> None:
    ctx = _ctx('import { A, B as C } from "./a";\nimport D from "./d";\nconst A2 = A;\n', "a.ts")
    assert [syntax.line_of(n) for n in ctx.import_identifiers("A")] == [1]
    assert [syntax.text(n) for n in ctx.import_identifiers("C")] == ["C"]
    assert [syntax.line_of(n) for n in ctx.import_identifiers("D")] == [2]
    assert ctx.import_identifiers("A2") == []


def test_calls_to_answers_from_the_callee_index_in_document_order() -> None:
    ctx = _ctx(_CODE)
    assert [syntax.line_of(c) for c in ctx.calls_to("express")] == [3]
    assert [syntax.line_of(c) for c in ctx.calls_to("express", "()", "get")] == [10]
    assert [syntax.line_of(c) for c in ctx.calls_to("./helper", "helper")] == [5]
    assert ctx.calls_to("express", "Router") == []
    expected = [c for c in ctx.calls if ctx.callee(c) == Ref("express", ("()", "post"))]
    assert ctx.calls_to("express", "()", "post") == expected


def test_imports_any_knows_requires_imports_and_dynamic_imports() -> None:
    assert _ctx(_CODE).imports_any(frozenset({"express", "koa"}))
    assert not _ctx(_CODE).imports_any(frozenset({"express-session"}))
    assert _ctx('import s from "node:crypto";', "a.mjs").imports_any(frozenset({"crypto"}))
    assert _ctx('const m = await import("md5");', "a.mjs").imports_any(frozenset({"md5"}))
    assert _ctx("const x = 1;").imported_modules() == frozenset()


def _routes_file(count: int) -> str:
    lines = [
        'const express = require("express");',
        'const { body } = require("express-validator");',
        "const app = express();",
    ]
    for index in range(count):
        lines.append(f"async function h{index}(req, res) {{ res.json(req.body.a); }}")
        lines.append(f'app.post("/r{index}", body("a").isEmail(), h{index});')
    return "\n".join(lines) + "\n"


def _walked_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, routes: int) -> int:
    folder = tmp_path / str(routes)
    folder.mkdir()
    (folder / "app.js").write_text(_routes_file(routes), encoding="utf-8")
    walked = 0
    walk = syntax.walk

    def counting(node: Node) -> Iterator[Node]:
        nonlocal walked
        for found in walk(node):
            walked += 1
            yield found

    monkeypatch.setattr(syntax, "walk", counting)
    run_scan(Config(path=folder, quiet=True, jobs=1, offline=True))
    monkeypatch.setattr(syntax, "walk", walk)
    return walked


def test_the_nodes_walked_grow_linearly_with_the_routes_of_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A walk of the whole file per route (validation's wrapped handlers did one) makes
    # four times the routes walk sixteen times the nodes.
    small = _walked_nodes(tmp_path, monkeypatch, 20)
    large = _walked_nodes(tmp_path, monkeypatch, 80)
    assert large < 6 * small


def test_types_outside_the_first_walk_are_indexed_on_first_use() -> None:
    """The first walk keeps only INDEXED_TYPES; any other type is found all the same."""
    from nodeward.source.context import INDEXED_TYPES

    ctx = _ctx(_CODE)
    for kind in ("property_identifier", "formal_parameters", "identifier", "subscript_expression"):
        assert kind not in INDEXED_TYPES
        assert [n.id for n in ctx.nodes(kind)] == _walked(ctx.parsed.root, kind)
        for scope in _scopes(ctx):
            assert [n.id for n in ctx.within(scope, kind)] == _walked(scope, kind)
    assert [n.id for n in ctx.nodes("identifier")] == _walked(ctx.parsed.root, "identifier")
    assert ctx.nodes("program") == [ctx.parsed.root]


def test_a_question_about_one_later_type_indexes_that_type_alone() -> None:
    """The index holds a Python object per node: a question about identifiers must not
    index property identifiers, parameters and every other type the first walk left out."""
    from nodeward.source.context import INDEXED_TYPES

    ctx = _ctx(_CODE)
    assert ctx.nodes("identifier")
    later = {kind for kind in ctx._by_type if kind not in INDEXED_TYPES}
    assert later == {"identifier", "program"}
    assert ctx.nodes("property_identifier")
    later = {kind for kind in ctx._by_type if kind not in INDEXED_TYPES}
    assert later == {"identifier", "program", "property_identifier"}


#: TypeScript and TSX in which some names are both a node type and a keyword or type
#: (`string`, `object`, `arguments`, `class`): the first walk tells nodes apart by the
#: grammar's kind ids, never by their text.
_TYPED = """\
import { Router } from "express";
let title: string = "a";
const shape: object = { pair: 1, arguments: [1] };
class Page<T extends object> { field: string = `x${title}`; run(a?: string) { return a; } }
for (const k in shape) { if (k) { do { title += k; } while (!title); } }
switch (title) { case "a": break; }
try { new Page(); } catch (e) { title = typeof e === "string" ? e : "b"; }
"""
_TSX = (
    _TYPED
    + "export const view = (p: Page<string>) => <div id={title} onClick={() => p.run()} />;\n"
)


def _deepest_named(root: Node) -> int:
    deepest, stack = 0, [(child, 1) for child in root.named_children]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in node.named_children]
    return deepest


@pytest.mark.parametrize(("rel", "code"), [("a.js", _CODE), ("a.ts", _TYPED), ("a.tsx", _TSX)])
def test_the_first_walk_indexes_the_named_nodes_of_each_indexed_type(rel: str, code: str) -> None:
    from nodeward.source.context import INDEXED_TYPES

    ctx = _ctx(code, rel)
    assert ctx.parsed.syntax_error is None
    for kind in INDEXED_TYPES:
        walked = [n.id for n in syntax.walk(ctx.parsed.root) if n.type == kind and n.is_named]
        assert [n.id for n in ctx.nodes(kind)] == walked, kind
    assert ctx.nodes("string") and ctx.nodes("arguments")
    assert rel == "a.js" or (ctx.nodes("class_body") and ctx.nodes("switch_statement"))
    assert rel != "a.tsx" or ctx.nodes("jsx_attribute")
    assert ctx.max_depth == _deepest_named(ctx.parsed.root)


def test_max_depth_counts_named_nodes_only() -> None:
    # the empty arguments of `c()` are its deepest named node: their parentheses, one
    # level below, are punctuation
    ctx = _ctx("a(b(c()));\n")
    assert ctx.max_depth == _deepest_named(ctx.parsed.root) == 7
