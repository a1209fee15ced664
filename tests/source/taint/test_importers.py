"""importers.Importers lists the files whose calls can resolve into a file: the file and
every file that imports it, through requires, imports and `export ... from` re-exports,
directly or through other files; a file that reaches it through none is left out."""

from __future__ import annotations

from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import SourceText, parse
from nodeward.source.taint.importers import Importers

_FILES = {
    "lib/make.js": "module.exports = (sink) => (req, res) => sink(req.query.q);",
    "lib/index.ts": 'export * from "./make";',
    "lib/named.ts": 'export { default as make } from "./make";',
    "routes/a.js": 'const make = require("../lib/make"); make(run);',
    "routes/b.ts": 'import { make } from "../lib/index"; make(run);',
    "routes/c.ts": 'import * as lib from "../lib"; lib.make(run);',
    "routes/d.js": 'const other = require("./a"); other.make(run);',
    "routes/e.js": 'const make = require("make"); make(run);',
    "routes/f.js": "make(run);",
}


def _ctx(rel: str, code: str) -> FileContext:
    return FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))


def test_reaching_follows_imports_requires_and_reexports_transitively() -> None:
    files = {rel: _ctx(rel, code) for rel, code in _FILES.items()}
    importers = Importers(files.values(), ModuleGraph(list(files.values())))
    assert importers.reaching(files["lib/make.js"]) == {
        "lib/make.js",
        "lib/index.ts",  # export * from "./make"
        "lib/named.ts",  # export { default as make } from "./make"
        "routes/a.js",  # require("../lib/make")
        "routes/b.ts",  # through lib/index.ts
        "routes/c.ts",  # "../lib": the folder's index
        "routes/d.js",  # through routes/a.js
    }  # not routes/e.js (a package named `make`) nor routes/f.js (a global)
    assert importers.reaching(files["routes/f.js"]) == {"routes/f.js"}
