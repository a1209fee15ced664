"""Helpers that keep JSON replies, declared content types and Sequelize filters out of the
XSS and NoSQL sinks (found by the held-out evaluation on dvws-node and vuln-nodejs-app).
Behaviour on whole apps is covered by the flows_* fixtures; these pin the edge shapes."""

from __future__ import annotations

from nodeward.source.context import FileContext
from nodeward.source.parse import Node, ParsedFile, SourceText, parse
from nodeward.source.syntax import call_arguments, text, walk
from nodeward.source.taint.express_reply import declared_not_html
from nodeward.source.taint.json_bodies import holds_json_object
from nodeward.source.taint.model import SinkKind, load_models
from nodeward.source.taint.sequelize_calls import is_sequelize_call


def _parsed(source: str, name: str = "a.js") -> ParsedFile:
    return parse(SourceText(name, source.encode(), tuple(source.splitlines())))


def _call(parsed: ParsedFile, callee: str) -> Node:
    root = parsed.tree.root_node
    return next(
        n
        for n in walk(root)
        if n.type == "call_expression" and text(n.child_by_field_name("function")) == callee
    )


def _send_argument(source: str, callee: str = "res.send") -> Node:
    return call_arguments(_call(_parsed(source), callee))[0]


def test_a_variable_only_ever_given_object_literals_is_json() -> None:
    source = "function h(req, res) { let r = {}; r.e = req.query.q; r = []; res.send(r); }"
    assert holds_json_object(_send_argument(source))


def test_a_variable_given_a_string_or_appended_to_is_not_json() -> None:
    assigned = "function h(req, res) { let r = {}; r = '<b>' + req.query.q; res.send(r); }"
    appended = "function h(req, res) { let r = {}; r += req.query.q; res.send(r); }"
    assert not holds_json_object(_send_argument(assigned))
    assert not holds_json_object(_send_argument(appended))


def test_parameters_and_expressions_are_not_known_to_be_json() -> None:
    assert not holds_json_object(_send_argument("function h(req, res, r) { res.send(r); }"))
    assert not holds_json_object(_send_argument("function h(req, res) { res.send(a.b); }"))
    assert not holds_json_object(_send_argument("function h(req, res) { res.send(x); }"))


def test_a_nested_function_declaring_the_name_does_not_decide() -> None:
    source = (
        "function h(req, res) { let r = {}; "
        "function g() { const r = req.query.q; return r; } res.send(r); }"
    )
    assert not holds_json_object(_send_argument(source))  # conservative: a string is seen


def test_declared_types_before_the_send_decide() -> None:
    def verdict(body: str) -> bool:
        parsed = _parsed(f"app.get('/', (req, res) => {{ {body} }});")
        send = _call(parsed, "res.send")
        return declared_not_html(send, parsed.tree.root_node)

    assert verdict("res.set('Content-Type', 'application/json'); res.send(req.query.q);")
    assert verdict("res.writeHead(200, 'OK', { 'content-type': 'text/plain' }); res.send(q);")
    assert verdict("res.attachment(); res.send(q);")
    assert not verdict("res.send(q); res.type('json');")
    assert not verdict("res.type('json'); res.type('text/html'); res.send(q);")
    assert not verdict("res.set('Content-Type', kind); res.send(q);")
    assert not verdict("other.type('json'); res.send(q);")
    assert not verdict("res.writeHead(200); res.set(); res.send(q);")


def test_sequelize_calls_are_told_by_their_where_option() -> None:
    source = (
        "const scope = { where: { a: 1 } };\n"
        "User.findAll(scope); User.update({ a: 1 }, { where: { b: 2 } });\n"
        "User.findOne({ $where: 'x' }); User.findOne(); User.findOne(...args);"
    )
    ctx = FileContext(_parsed(source))
    calls = [n for n in walk(ctx.parsed.tree.root_node) if n.type == "call_expression"]
    verdicts = [is_sequelize_call(ctx, call_arguments(c)) for c in calls]
    assert verdicts == [True, True, False, False, False]


def test_the_new_library_rows_load() -> None:
    models = load_models()
    pg_promise = models.sinks_for("pg-promise", ("()", "()", "manyOrNone"))
    assert [row.kind for row in pg_promise] == [SinkKind.SQL]
    assert [row.kind for row in models.sinks_for("ejs", ("render",))] == [SinkKind.CODE]
    update = models.sinks_for("mongoose", ("model", "()", "findOneAndUpdate"))
    assert {row.kind for row in update} == {SinkKind.NOSQL, SinkKind.MASS_ASSIGNMENT}
    assert models.sanitizers[("jsonwebtoken", ("sign",))] >= {SinkKind.HEADER, SinkKind.XSS}
