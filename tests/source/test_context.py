"""Name resolution: libraries are recognised whatever the import style."""

from __future__ import annotations

import pytest

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import SourceText, parse
from nodeward.source.scopes import MODULE


def _ctx(code: str, rel: str = "a.js") -> FileContext:
    source = code.encode()
    return FileContext(parse(SourceText(rel, source, tuple(code.splitlines()))))


def _callees(code: str, rel: str = "a.js") -> list[str]:
    ctx = _ctx(code, rel)
    return [str(r) for c in ctx.calls if (r := ctx.callee(c)) is not None]


@pytest.mark.parametrize(
    ("code", "rel"),
    [
        ('const jwt = require("jsonwebtoken"); jwt.verify(t, k);', "a.js"),
        ('const { verify } = require("jsonwebtoken"); verify(t, k);', "a.js"),
        ('const { verify: v } = require("jsonwebtoken"); v(t, k);', "a.js"),
        ('require("jsonwebtoken").verify(t, k);', "a.js"),
        ('import jwt from "jsonwebtoken"; jwt.verify(t, k);', "a.mjs"),
        ('import * as jwt from "jsonwebtoken"; jwt.verify(t, k);', "a.ts"),
        ('import { verify as check } from "jsonwebtoken"; check(t, k);', "a.ts"),
        ('import jwt = require("jsonwebtoken"); jwt.verify(t, k);', "a.ts"),
        ('const jwt = require("jsonwebtoken"); (jwt as any).verify(t, k);', "a.ts"),
        ('const jwt = await import("jsonwebtoken"); jwt["verify"](t, k);', "a.mjs"),
    ],
)
def test_import_styles_resolve_to_one_access_path(code: str, rel: str) -> None:
    assert "jsonwebtoken.verify" in _callees(code, rel)


def test_calls_chain_through_variables() -> None:
    code = (
        'const express = require("express");\n'
        "const app = express();\n"
        "const router = express.Router();\n"
        "app.use(router);\n"
        'router.get("/", h);\n'
    )
    assert _callees(code) == [
        "express",
        "express.Router",
        "express().use",
        "express.Router().get",
    ]


def test_node_prefix_is_normalised() -> None:
    assert _callees('import { exec } from "node:child_process"; exec(cmd);', "a.ts") == [
        "child_process.exec"
    ]


def test_unrelated_calls_do_not_resolve() -> None:
    assert _callees("function verify() {} verify(); local.verify();") == []


def test_value_of_follows_variables() -> None:
    ctx = _ctx("const opts = { a: 1 };\nconst alias = opts;\nf(alias);\n")
    call = ctx.calls[-1]
    arg = call.child_by_field_name("arguments")
    assert arg is not None
    value = ctx.value_of(arg.named_children[0])
    assert value is not None and value.type == "object"


def test_self_referencing_binding_does_not_loop() -> None:
    assert _callees("let a = a; a(); var b = c; var c = b; b();") == []


_NESTED = """\
function outer(a) {
  a.x = 1;
  f(a);
  function inner(b) { b.y = 2; g(b); }
}
a.z = 3;
"""


def test_nodes_within_is_the_walk_of_a_node_restricted_to_the_types() -> None:
    ctx = _ctx(_NESTED)
    kinds = ("assignment_expression", "arguments")
    for unit in [ctx.parsed.root, *ctx.nodes("function_declaration")]:
        walked = [n for n in syntax.walk(unit) if n.type in kinds]
        assert ctx.nodes_within(unit, *kinds) == walked
    inner = ctx.nodes("function_declaration")[1]
    assert [syntax.text(n) for n in ctx.nodes_within(inner, *kinds)] == ["b.y = 2", "(b)"]


def test_first_identifier_is_the_first_in_document_order() -> None:
    ctx = _ctx("const a = 1; b(a); function c() { return a; }")
    found = ctx.first_identifier("a")
    assert found is not None
    assert (found.start_byte, found.end_byte) == (6, 7)
    assert ctx.first_identifier("missing") is None


def test_sibling_functions_do_not_share_a_const() -> None:
    code = (
        "function a() { const s = require('child_process'); s.exec(x); }\n"
        "function b() { const s = require('fs'); s.readFile(y); }\n"
    )
    assert _callees(code) == ["child_process.exec", "fs.readFile"]


def test_value_of_resolves_by_lexical_scope() -> None:
    code = (
        "const re = /^ok$/;\n"
        "app.get('/a', (req, res) => { const re = /(a+)+$/; re.test(req.query.a); });\n"
        "app.get('/b', (req, res) => { re.test(req.query.b); });\n"
        "app.get('/c', (req, res) => { { const re = /x/; } re.test(req.query.c); });\n"
    )
    ctx = _ctx(code)
    reads = [n for n in ctx.nodes("identifier") if syntax.text(n) == "re"]
    used = [n for n in reads if n.parent is not None and n.parent.type == "member_expression"]
    assert [syntax.text(ctx.value_of(n)) for n in used] == ["/(a+)+$/", "/^ok$/", "/^ok$/"]


def test_var_hoists_to_its_function_and_undeclared_names_are_module_level() -> None:
    code = (
        "function f() { if (c) { var v = 1; } use(v); g = 2; }\nfunction h() { use(v); use(g); }\n"
    )
    ctx = _ctx(code)
    uses = [n for n in ctx.nodes("identifier") if n.parent and n.parent.type == "arguments"]
    f_start = ctx.nodes("function_declaration")[0].start_byte
    assert [(syntax.text(n), ctx.scope_of(syntax.text(n), n)) for n in uses] == [
        ("v", f_start),
        ("v", MODULE),
        ("g", MODULE),
    ]


def test_parameters_and_catch_bindings_shadow_module_names() -> None:
    code = (
        "const cp = require('child_process');\n"
        "function run(cp) { cp.exec(a); }\n"
        "try { x(); } catch (cp) { cp.exec(b); }\n"
        "cp.exec(c);\n"
    )
    assert _callees(code) == ["child_process.exec"]


def test_a_use_after_a_nested_function_reads_the_outer_declaration() -> None:
    code = "function outer(req) { const f = (req) => req; use(req); }\nuse(req);\n"
    ctx = _ctx(code)
    uses = [n for n in ctx.nodes("identifier") if n.parent and n.parent.type == "arguments"]
    outer = ctx.nodes("function_declaration")[0].start_byte
    assert [ctx.scope_of("req", n) for n in uses] == [outer, MODULE]
    inner = ctx.nodes("arrow_function")[0]
    body = inner.child_by_field_name("body")
    assert body is not None
    assert ctx.scope_of("req", body) == inner.start_byte
