"""Name resolution: libraries are recognised whatever the import style."""

from __future__ import annotations

import pytest

from nodeward.source.context import FileContext
from nodeward.source.parse import SourceText, parse


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
