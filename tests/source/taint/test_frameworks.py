"""NestJS controllers, Koa response bodies and Fastify replies in the taint engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path
from nodeward.source.context import FileContext
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.syntax import text, walk
from nodeward.source.taint.content_type import is_html_type, koa_body_is_html
from nodeward.source.taint.nest import NestSource, nest_handler

_CONTROLLER = """
import { Controller, Get, Header, Param, ParseIntPipe, Query, Res } from "@nestjs/common";

@Controller("items")
export class ItemsController {
  @Get(":id")
  @Header("Content-Type", "application/json")
  one(@Param("id", ParseIntPipe) id: number, @Query() query: object, @Query("q") q: string) {}

  @Get("raw")
  raw(@Res() res: Response) {}

  helper(@Query("q") q: string) {}
}
"""


def _parsed(source: str, name: str = "a.ts") -> tuple[FileContext, Node]:
    parsed = parse(SourceText(name, source.encode(), tuple(source.splitlines())))
    return FileContext(parsed), parsed.root


def _method(root: Node, name: str) -> Node:
    return next(
        n
        for n in walk(root)
        if n.type == "method_definition" and text(n.child_by_field_name("name")) == name
    )


def test_nest_route_method_parameters_are_request_sources() -> None:
    _ctx, root = _parsed(_CONTROLLER)
    handler = nest_handler(_method(root, "one"))
    assert handler is not None
    assert [(p.name, p.source, p.key) for p in handler.params] == [
        ("query", NestSource.QUERY, None),
        ("q", NestSource.QUERY, "q"),
    ]
    assert handler.converted == frozenset({"id"})
    assert handler.returns_html is False  # @Header("Content-Type", "application/json")


def test_nest_res_parameter_is_the_response_and_methods_without_routes_are_not_handlers() -> None:
    _ctx, root = _parsed(_CONTROLLER)
    raw = nest_handler(_method(root, "raw"))
    assert raw is not None and raw.response == "res" and raw.returns_html is False
    assert nest_handler(_method(root, "helper")) is None


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("`<h1>${q}</h1>`", True),
        ("q", True),  # the client picks the first character
        ("'  <p>' + q", True),
        ("'Hello ' + q", False),
        ("`Results: ${q}`", False),
        ("prefix + q", False),  # const prefix = "Hi "
    ],
)
def test_koa_string_bodies_follow_koas_html_sniffing(body: str, html: bool) -> None:
    ctx, root = _parsed(f'const prefix = "Hi ";\nctx.body = {body};\n', "a.js")
    assignment = next(n for n in walk(root) if n.type == "assignment_expression")
    right = assignment.child_by_field_name("right")
    assert right is not None
    assert koa_body_is_html(ctx, right) is html


@pytest.mark.parametrize(
    ("value", "expected"),
    [("'text/html; charset=utf-8'", True), ("'html'", True), ("'json'", False), ("t", None)],
)
def test_content_type_values(value: str, expected: bool | None) -> None:
    _ctx, root = _parsed(f"f({value});", "a.js")
    call = next(n for n in walk(root) if n.type == "call_expression")
    args = call.child_by_field_name("arguments")
    assert args is not None
    assert is_html_type(args.named_children[0]) is expected


def _xss_lines(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    for name, content in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    report = scan_path(tmp_path, select=("NW901",))
    return sorted(
        (f.location.path, f.location.line)
        for f in report.findings
        if isinstance(f.location, SourceLocation)
    )


_NEST_HELLO = """import { Controller, Get, Query } from "@nestjs/common";

@Controller()
export class HelloController {
  @Get()
  hello(@Query("name") name: string) {
    return `<h1>${name}</h1>`;
  }
}
"""


def test_nest_string_return_is_xss_on_the_express_adapter_only(tmp_path: Path) -> None:
    assert _xss_lines(tmp_path / "express", {"hello.controller.ts": _NEST_HELLO}) == [
        ("hello.controller.ts", 7)
    ]
    main = (
        'import { NestFactory } from "@nestjs/core";\n'
        'import { FastifyAdapter } from "@nestjs/platform-fastify";\n'
        "NestFactory.create(AppModule, new FastifyAdapter());\n"
    )
    files = {"hello.controller.ts": _NEST_HELLO, "main.ts": main}
    assert _xss_lines(tmp_path / "fastify", files) == []


def test_fastify_reply_is_html_only_with_an_html_type(tmp_path: Path) -> None:
    source = """const app = require("fastify")();
app.get("/a", (request, reply) => { reply.send("<p>" + request.query.q); });
app.get("/b", (request, reply) => {
  reply.type("text/html").send("<p>" + request.query.q); });
app.get("/c", (req, res) => { res.send("<p>" + req.query.q); });
"""
    assert _xss_lines(tmp_path, {"a.js": source}) == [("a.js", 4), ("a.js", 5)]


def test_a_ctx_parameter_beside_a_callback_is_not_a_koa_context(tmp_path: Path) -> None:
    """`function step(ctx, cb)` in a library is its own context object; Koa middleware is
    `(ctx, next)`. Only the latter's `ctx.query` is request data."""
    (tmp_path / "package.json").write_text('{"dependencies": {"koa": "2.15.0"}}')
    (tmp_path / "lib.js").write_text(
        "function step(ctx, cb) {\n"
        "  for (let i = 0; i < ctx.query.length; i++) cb(i);\n"
        "}\n"
        "async function handler(ctx, next) {\n"
        "  for (let i = 0; i < ctx.query.items.length; i++) await next();\n"
        "}\n"
        "module.exports = { step, handler };\n"
    )
    report = scan_path(tmp_path, offline=True)
    lines = [
        f.location.line
        for f in report.findings
        if f.rule == "NW703" and isinstance(f.location, SourceLocation)
    ]
    assert lines == [5]
