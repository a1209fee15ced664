"""methods.py: what an object made by `new` carries, read once per constructor."""

from __future__ import annotations

import pytest

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.taint.methods import Methods

_JS = """\
const run = function run(cmd) { return cmd; };
function Dao(db) {
  this.find = null;
  this.find = function find(id) { return db.get(id); };
  this.exec = run;
  this.db = db;
  const helpers = { later() { return 1; } };  // a method of another object
  if (db) { this.later = (q) => q; }
}
class Shell {
  exec(cmd) { return cmd; }
  constructor() { this.exec = () => "assigned"; this.spawn = run; }
}
"""

_TS = """\
function run(cmd: string): string { return cmd; }
class Repo {
  private readonly db: Db;
  query(sql: string): string { return sql; }
  constructor(db: Db) { this.db = db; this.save = async (row: Row) => row; }
}
"""


def _members(code: str, rel: str, constructor: str) -> tuple[Methods, FileContext, Node]:
    ctx = FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))
    found = next(
        n
        for n in ctx.nodes("function_declaration", "class_declaration")
        if syntax.text(n.child_by_field_name("name")) == constructor
    )
    return Methods(ModuleGraph([ctx])), ctx, found


def _first_line(found: tuple[FileContext, Node] | None) -> str | None:
    return syntax.text(found[1]).splitlines()[0] if found is not None else None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("find", "function find(id) { return db.get(id); }"),  # the first function, not null
        ("exec", "function run(cmd) { return cmd; }"),  # a function held by a name
        ("later", "(q) => q"),  # nested in a block
        ("db", None),  # a value, not a function
        ("missing", None),
    ],
)
def test_an_es5_constructor_carries_the_functions_it_assigns(
    name: str, expected: str | None
) -> None:
    methods, ctx, dao = _members(_JS, "dao.js", "Dao")
    assert _first_line(methods.constructed_member(ctx, dao, name)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("exec", "exec(cmd) { return cmd; }"),  # the method, declared before the assignment
        ("spawn", "function run(cmd) { return cmd; }"),
        ("constructor", 'constructor() { this.exec = () => "assigned"; this.spawn = run; }'),
    ],
)
def test_a_class_carries_its_methods_and_what_its_constructor_assigns(
    name: str, expected: str
) -> None:
    methods, ctx, shell = _members(_JS, "shell.js", "Shell")
    assert _first_line(methods.constructed_member(ctx, shell, name)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("query", "query(sql: string): string { return sql; }"), ("save", "async (row: Row) => row")],
)
def test_a_typescript_class_carries_its_methods(name: str, expected: str) -> None:
    methods, ctx, repo = _members(_TS, "repo.ts", "Repo")
    assert _first_line(methods.constructed_member(ctx, repo, name)) == expected
    assert methods.constructed_member(ctx, repo, "db") is None
