"""Summaries record the parameters a function calls, and with what: results handed to a
callback (`callback(null, memos)`) reach the caller's callback parameters."""

from __future__ import annotations

from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import SourceText, parse
from nodeward.source.syntax import text, walk
from nodeward.source.taint.callbacks import ParamCall
from nodeward.source.taint.engine import TaintEngine
from nodeward.source.taint.model import load_models
from nodeward.source.taint.values import OriginKind, Source

_DAO = """
function getAll(db, callback) {
  db.collection("memos").find({}).toArray((err, memos) => {
    if (err) return callback(err, null);
    callback(null, memos);
  });
}
function echo(value, done) { done(null, value.trim()); }
function shadowed(callback) { [1].forEach((callback) => callback(x)); }
"""


def _summaries() -> dict[str, tuple[ParamCall, ...]]:
    ctx = FileContext(parse(SourceText("dao.js", _DAO.encode(), tuple(_DAO.splitlines()))))
    engine = TaintEngine([ctx], load_models(), graph=ModuleGraph([ctx]))
    functions = [n for n in walk(ctx.parsed.root) if n.type == "function_declaration"]
    return {text(f.child_by_field_name("name")): engine.summary(ctx, f).calls for f in functions}


def test_a_callback_parameter_called_with_stored_records_is_summarised() -> None:
    calls = _summaries()["getAll"]
    assert [(c.param, c.argument) for c in calls] == [(1, 1)]
    (origin,) = {t.origin for t in calls[0].taint}
    assert isinstance(origin, Source)
    assert origin.kind is OriginKind.STORED
    assert origin.store == "memo"


def test_a_parameter_passed_on_to_a_callback_is_summarised_by_index() -> None:
    calls = _summaries()["echo"]
    assert [(c.param, c.argument, {t.origin for t in c.taint}) for c in calls] == [(1, 1, {0})]


def test_a_nested_parameter_of_the_same_name_is_not_the_callback() -> None:
    assert _summaries()["shadowed"] == ()
