"""The relevance pass keeps every file an app can reach (imports either way, folder loads)
and leaves out code linked to no framework file; the route table is the same either way."""

from __future__ import annotations

from nodeward.source.appmodel import relevance
from nodeward.source.appmodel.builder import build
from nodeward.source.context import FileContext
from nodeward.source.frameworks import registry
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import SourceText, parse


def _files(sources: dict[str, str]) -> list[FileContext]:
    return [
        FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))
        for rel, code in sources.items()
    ]


_PROJECT = {
    # no framework import here: it obtains the app from app.js and hands it on
    "server.js": 'const app = require("./app");\nrequire("./routes")(app);\n',
    "app.js": 'const express = require("express");\nmodule.exports = express();\n',
    "routes/index.js": (
        'const users = require("./users");\n'
        "module.exports = (app) => { users(app);\n"
        '  for (const f of ["a"]) require("./extra/" + f)(app); };\n'
    ),
    "routes/users.js": 'module.exports = (r) => { r.get("/users", (req, res) => res.end()); };\n',
    "routes/extra/a.js": 'module.exports = (r) => { r.post("/a", (req, res) => res.end()); };\n',
    # a library that registers on whatever it is given, linked to no framework file
    "vendor/lib.js": (
        'const util = require("./util");\n'
        'module.exports = (r) => { r.get("/never", util.noop); helper(r); };\n'
    ),
    "vendor/util.js": "exports.noop = () => {};\n",
}


def test_files_linked_to_a_framework_file_are_relevant_and_others_not() -> None:
    files = _files(_PROJECT)
    found = relevance.relevant_files(files, ModuleGraph(files))
    assert found == frozenset(
        {
            "server.js",
            "app.js",
            "routes/index.js",
            "routes/users.js",
            "routes/extra/a.js",  # reached by the computed require only
        }
    )


def test_a_project_that_autoloads_plugin_folders_is_read_whole() -> None:
    files = _files({**_PROJECT, "plugins.js": 'const autoload = require("fastify-autoload");\n'})
    assert relevance.relevant_files(files, ModuleGraph(files)) is None


def test_the_routes_through_helpers_in_framework_free_files_are_kept() -> None:
    model = build(_files(_PROJECT))
    assert sorted((r.method, r.path) for _app, r in model.routes()) == [
        ("GET", "/users"),
        ("POST", "/a"),
    ]


def test_every_creation_is_made_from_a_module_the_pass_starts_from() -> None:
    """The pass starts from files importing registry.MODULES: a framework whose app or
    router comes from another module would have its routes left out."""
    assert {ref.module for ref in registry.CREATIONS} <= registry.MODULES
