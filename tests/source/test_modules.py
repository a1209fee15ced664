"""The module graph: what an expression imported from a project file is defined as."""

from __future__ import annotations

import pytest

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import SourceText, parse

_DAO = """
function MemosDAO(db) {
  this.getAll = function () { return db.collection("memos").find({}).toArray(); };
}
function getAllMemos() { return []; }
const api = { users: { find(id) { return id; } } };
module.exports = { MemosDAO, getAllMemos, api };
"""
_FACTORY = "module.exports = function makeRouter(app) { return app; };"


def _ctx(code: str, rel: str) -> FileContext:
    return FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))


def _resolve(route: str, expression: str) -> str | None:
    """What the last statement of `route` (an expression) resolves to, as its first line."""
    files = [_ctx(_DAO, "dao.js"), _ctx(_FACTORY, "factory.js"), _ctx(route, "route.js")]
    graph = ModuleGraph(files)
    ctx = files[-1]
    node = next(
        n
        for n in syntax.walk(ctx.parsed.root)
        if syntax.text(n) == expression and n.type not in ("program", "expression_statement")
    )
    resolved = graph.resolve_import(ctx, node)
    return syntax.text(resolved.node).splitlines()[0] if resolved is not None else None


@pytest.mark.parametrize(
    ("route", "expression", "expected"),
    [
        ('const dao = require("./dao");\ndao.getAllMemos', "dao.getAllMemos", "function getAll"),
        ('const { getAllMemos } = require("./dao");\ngetAllMemos()', "getAllMemos()", "function"),
        ('const { api } = require("./dao");\napi.users.find', "api.users.find", "find(id)"),
        ('const make = require("./factory");\nmake(app)', "make(app)", "function makeRouter"),
        ('require("./factory")(app)', 'require("./factory")(app)', "function makeRouter"),
    ],
)
def test_members_of_a_module_resolve_to_their_definitions(
    route: str, expression: str, expected: str
) -> None:
    found = _resolve(route, expression)
    assert found is not None
    assert found.startswith(expected)


@pytest.mark.parametrize(
    ("route", "expression"),
    [
        # an Array method of what the imported function returned
        ('const { getAllMemos } = require("./dao");\nconst m = getAllMemos();\nm.map', "m.map"),
        # a method of an instance: the engine finds it in the constructor, not the export
        (
            'const { MemosDAO } = require("./dao");\nconst d = new MemosDAO(db);\nd.getAll',
            "d.getAll",
        ),
        # a member of what the factory returned
        ('require("./factory")(app).use', 'require("./factory")(app).use'),
        # a member the export does not declare
        ('const { api } = require("./dao");\napi.orders.find', "api.orders.find"),
    ],
)
def test_members_of_returned_values_do_not_resolve_to_the_export(
    route: str, expression: str
) -> None:
    assert _resolve(route, expression) is None


def test_typescript_export_assignment_is_the_default_export() -> None:
    """`export = function register(app) {...}` is what `require()` of the module returns."""
    ctx = _ctx("export = function register(app) { return app; };", "register.ts")
    exported = ModuleGraph([ctx]).exports(ctx)["default"]
    assert exported.type == "function_expression"
    assert syntax.text(exported.child_by_field_name("name")) == "register"


def test_imported_files_are_the_project_files_a_file_names() -> None:
    files = [
        _ctx('import "./setup";\nexport * from "./lib";\nconst a = require("./a");', "app.ts"),
        _ctx('const self = require("./index"); const x = require("express");', "lib/index.ts"),
        _ctx("export const s = 1;", "setup.ts"),
        _ctx("module.exports = 1;", "a.js"),
    ]
    graph = ModuleGraph(files)
    # a side-effect import, a re-export's source and a require; not a package
    assert graph.imported_files(files[0]) == {"setup.ts", "lib/index.ts", "a.js"}
    assert graph.imported_files(files[1]) == frozenset()  # itself, and a package
    assert graph.imported_files(files[2]) == frozenset()


def test_a_file_that_names_no_project_file_resolves_nothing_but_one_naming_itself_does() -> None:
    """resolve_import gives up at once in a file none of whose specifiers names a project
    file (a vendored library asks it of every call); a file that requires itself still
    resolves through itself."""
    library = _ctx('const _ = require("lodash");\nfunction f() {}\n_.map; f;', "vendor/lib.js")
    itself = _ctx(
        'const me = require("./self");\nfunction run() {}\nmodule.exports = { run };\nme.run',
        "self.js",
    )
    graph = ModuleGraph([library, itself, _ctx(_DAO, "dao.js")])

    def resolved(ctx: FileContext, expression: str) -> str | None:
        node = next(
            n
            for n in syntax.walk(ctx.parsed.root)
            if syntax.text(n) == expression and n.type == "member_expression"
        )
        found = graph.resolve_import(ctx, node)
        return syntax.text(found.node).splitlines()[0] if found is not None else None

    assert resolved(library, "_.map") is None
    assert resolved(itself, "me.run") == "function run() {}"
    assert graph.imported_files(itself) == frozenset()  # itself is no other file
