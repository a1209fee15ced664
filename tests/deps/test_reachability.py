"""Reachability per installed copy (Node's resolution over the lockfile's install tree) and
per affected function (GitHub's `(pkg).fn` and OSV's `pkg.fn` forms, every import style)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nodeward.deps.advisories import osv_db
from nodeward.deps.exports import exported, exports_of
from nodeward.deps.lockfiles import npm, yarn_classic
from nodeward.deps.lockfiles.interface import Confidence, Package, flatten
from nodeward.deps.reachability import FunctionUse, ImportIndex, Verdict, function_path, judge
from nodeward.findings import PackageLocation, Reachability
from nodeward.scan import scan_path
from nodeward.source.context import FileContext
from nodeward.source.parse import SourceText, parse

DEV_TOOL = "node_modules/some-dev-tool"


def _npm_lock(top: str, nested: str) -> dict[str, Any]:
    """lodash@`top` for the app, lodash@`nested` nested under a dev-only tool."""
    return {
        "name": "app",
        "lockfileVersion": 3,
        "packages": {
            "": {
                "name": "app",
                "dependencies": {"lodash": top},
                "devDependencies": {"some-dev-tool": "1.0.0"},
            },
            "node_modules/lodash": {"version": top},
            DEV_TOOL: {"version": "1.0.0", "dev": True, "dependencies": {"lodash": nested}},
            f"{DEV_TOOL}/node_modules/lodash": {"version": nested, "dev": True},
        },
    }


def _packages(lock: dict[str, Any], manifest: str = "package-lock.json") -> list[Package]:
    graph = npm.parse(json.dumps(lock), manifest, {})
    return flatten(graph, manifest, Confidence.HIGH)


def _ctx(rel: str, code: str) -> FileContext:
    return FileContext(parse(SourceText(rel, code.encode(), tuple(code.splitlines()))))


def _copy(packages: list[Package], key: str) -> Package:
    return next(p for p in packages if p.key == key)


# -- which copy an import loads ----------------------------------------------------------


def test_nested_dev_only_copy_is_not_reachable_when_the_app_imports_the_top_level_one() -> None:
    packages = _packages(_npm_lock("4.17.21", "4.17.4"))
    index = ImportIndex([_ctx("src/app.js", "const _ = require('lodash');\n")], packages)
    nested = judge(_copy(packages, f"{DEV_TOOL}/node_modules/lodash"), index, ())
    assert nested == Verdict(
        Reachability.UNREACHABLE,
        "the app imports lodash, but not this copy "
        "(node_modules/some-dev-tool/node_modules/lodash)",
    )
    top = judge(_copy(packages, "node_modules/lodash"), index, ())
    assert (top.reachability, top.note) == (Reachability.REACHABLE, "imported at src/app.js:1")


def test_top_level_vulnerable_copy_is_reachable_and_the_nested_fixed_one_is_not() -> None:
    packages = _packages(_npm_lock("4.17.4", "4.17.21"))
    index = ImportIndex([_ctx("src/app.js", "const _ = require('lodash');\n")], packages)
    top = judge(_copy(packages, "node_modules/lodash"), index, ())
    assert (top.reachability, top.note) == (Reachability.REACHABLE, "imported at src/app.js:1")
    assert [(e.path, e.line) for e in top.evidence] == [("src/app.js", 1)]
    nested = judge(_copy(packages, f"{DEV_TOOL}/node_modules/lodash"), index, ())
    assert nested.reachability is Reachability.UNREACHABLE


def test_a_copy_is_reachable_through_the_imported_package_that_depends_on_it() -> None:
    packages = _packages(_npm_lock("4.17.21", "4.17.4"))
    index = ImportIndex([_ctx("build.js", "require('some-dev-tool');\n")], packages)
    nested = judge(_copy(packages, f"{DEV_TOOL}/node_modules/lodash"), index, ())
    assert (nested.reachability, nested.note) == (
        Reachability.REACHABLE,
        "loaded through some-dev-tool, imported at build.js:1",
    )
    # The top-level copy is nobody's dependency but the app's, and the app does not import it.
    top = judge(_copy(packages, "node_modules/lodash"), index, ())
    assert (top.reachability, top.note) == (
        Reachability.UNREACHABLE,
        "no application file imports it",
    )


def test_only_tests_load_the_nested_copy() -> None:
    packages = _packages(_npm_lock("4.17.21", "4.17.4"))
    index = ImportIndex([_ctx("test/tool.test.js", "require('some-dev-tool');\n")], packages)
    nested = judge(_copy(packages, f"{DEV_TOOL}/node_modules/lodash"), index, ())
    assert (nested.reachability, nested.note) == (
        Reachability.UNREACHABLE,
        "only test files load it (through some-dev-tool)",
    )


def test_workspace_files_resolve_their_own_node_modules_first() -> None:
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "mono", "workspaces": ["packages/web"]},
            "node_modules/web": {"resolved": "packages/web", "link": True},
            "packages/web": {"name": "web", "version": "1.0.0", "dependencies": {"lodash": "4"}},
            "packages/web/node_modules/lodash": {"version": "4.17.4"},
            "node_modules/lodash": {"version": "4.17.21"},
        },
    }
    packages = _packages(lock)
    index = ImportIndex([_ctx("packages/web/src/x.js", "import _ from 'lodash';\n")], packages)
    inner = judge(_copy(packages, "packages/web/node_modules/lodash"), index, ())
    assert (inner.reachability, inner.note) == (
        Reachability.REACHABLE,
        "imported at packages/web/src/x.js:1",
    )
    outer = judge(_copy(packages, "node_modules/lodash"), index, ())
    assert outer.reachability is Reachability.UNREACHABLE
    # The root app imports the workspace by name: npm links it, the lockfile keys it by folder.
    by_name = ImportIndex([_ctx("server.js", "require('web');\n")], packages)
    assert judge(_copy(packages, "packages/web/node_modules/lodash"), by_name, ()).note == (
        "loaded through web, imported at server.js:1"
    )


def test_a_lockfile_in_a_subfolder_is_not_reached_by_files_outside_it() -> None:
    packages = _packages(_npm_lock("4.17.4", "4.17.21"), "api/package-lock.json")
    index = ImportIndex([_ctx("web/app.js", "require('lodash');\n")], packages)
    top = judge(_copy(packages, "node_modules/lodash"), index, ())
    assert top.note == "the app imports lodash, but not this copy (node_modules/lodash)"
    inside = ImportIndex([_ctx("api/src/app.js", "require('lodash');\n")], packages)
    assert judge(_copy(packages, "node_modules/lodash"), inside, ()).note == (
        "imported at api/src/app.js:1"
    )


def test_yarn_lock_resolves_to_the_declared_copy() -> None:
    """yarn.lock has no layout: an import loads the copy package.json declares."""
    text = (
        "# yarn lockfile v1\n\n"
        'lodash@^4.17.21:\n  version "4.17.21"\n\n'
        'lodash@4.17.4:\n  version "4.17.4"\n\n'
        'some-dev-tool@1.0.0:\n  version "1.0.0"\n  dependencies:\n    lodash "4.17.4"\n'
    )
    manifest = {
        "dependencies": {"lodash": "^4.17.21"},
        "devDependencies": {"some-dev-tool": "1.0.0"},
    }
    packages = flatten(
        yarn_classic.parse(text, "yarn.lock", manifest), "yarn.lock", Confidence.HIGH
    )
    index = ImportIndex([_ctx("app.js", "require('lodash');\n")], packages)
    assert (
        judge(_copy(packages, "lodash@4.17.21"), index, ()).reachability is Reachability.REACHABLE
    )
    old = judge(_copy(packages, "lodash@4.17.4"), index, ())
    assert old == Verdict(
        Reachability.UNREACHABLE, "the app imports lodash, but not this copy (lodash@4.17.4)"
    )


# -- which function is called ------------------------------------------------------------

IMPORT_STYLES = {
    "member of require": ("a.js", "const _ = require('lodash');\n_.merge({}, input);\n"),
    "destructured require": ("b.js", "const { merge } = require('lodash');\nmerge({}, input);\n"),
    "named import": ("c.mjs", "import { merge } from 'lodash';\nmerge({}, input);\n"),
    "default import": ("d.mjs", "import _ from 'lodash';\n_.merge({}, input);\n"),
    "namespace import": ("e.mjs", "import * as _ from 'lodash';\n_.merge({}, input);\n"),
    "per-function module": ("f.mjs", "import merge from 'lodash/merge';\nmerge({}, input);\n"),
    "per-function require": ("g.js", "const merge = require('lodash/merge.js');\nmerge({}, i);\n"),
    "typescript": ("h.ts", "import { merge as m } from 'lodash';\nm<object>({}, input as any);\n"),
    "typescript import-equals": ("i.ts", "import _ = require('lodash');\n_.merge({}, input);\n"),
    "dynamic import": ("j.mjs", "const _ = await import('lodash');\n_.merge({}, input);\n"),
}


@pytest.mark.parametrize("form", ["(lodash).merge", "lodash.merge", "merge"])
@pytest.mark.parametrize("style", sorted(IMPORT_STYLES))
def test_affected_function_is_called_in_every_import_style(form: str, style: str) -> None:
    rel, code = IMPORT_STYLES[style]
    packages = _packages(_npm_lock("4.17.4", "4.17.21"))
    index = ImportIndex([_ctx(rel, code)], packages)
    verdict = judge(_copy(packages, "node_modules/lodash"), index, (form,))
    assert verdict.reachability is Reachability.REACHABLE
    assert verdict.note == f"imported at {rel}:1; calls lodash.merge at {rel}:2"
    assert [(u.function, u.call) for u in verdict.functions] == [
        ("lodash.merge", index.files[rel].location(index.files[rel].calls[-1]))
    ]
    assert [(e.path, e.line) for e in verdict.evidence] == [(rel, 1), (rel, 2)]


@pytest.mark.parametrize("style", sorted(IMPORT_STYLES))
def test_a_different_function_leaves_the_package_reachable_but_not_the_function(
    style: str,
) -> None:
    rel, code = IMPORT_STYLES[style]
    packages = _packages(_npm_lock("4.17.4", "4.17.21"))
    index = ImportIndex([_ctx(rel, code)], packages)
    verdict = judge(_copy(packages, "node_modules/lodash"), index, ("(lodash).template",))
    assert verdict.reachability is Reachability.REACHABLE
    assert verdict.note == f"imported at {rel}:1; no call to lodash.template found"
    assert verdict.functions == (FunctionUse("lodash.template", None),)


def test_type_only_imports_load_nothing() -> None:
    packages = _packages(_npm_lock("4.17.4", "4.17.21"))
    code = "import type { Dictionary } from 'lodash';\nexport type { List } from 'lodash';\n"
    index = ImportIndex([_ctx("types.ts", code)], packages)
    verdict = judge(_copy(packages, "node_modules/lodash"), index, ())
    assert (verdict.reachability, verdict.note) == (
        Reachability.UNREACHABLE,
        "no application file imports it",
    )


def test_the_lodash_dot_merge_package_is_not_lodash() -> None:
    packages = _packages(_npm_lock("4.17.4", "4.17.21"))
    code = "const _ = require('lodash');\nconst merge = require('lodash.merge');\nmerge({}, i);\n"
    index = ImportIndex([_ctx("app.js", code)], packages)
    verdict = judge(_copy(packages, "node_modules/lodash"), index, ("lodash.merge",))
    assert verdict.note == "imported at app.js:1; no call to lodash.merge found"


def test_the_per_method_package_export_is_its_function() -> None:
    lock = {
        "lockfileVersion": 3,
        "packages": {
            "": {"dependencies": {"lodash.merge": "4.6.0"}},
            "node_modules/lodash.merge": {"version": "4.6.0"},
        },
    }
    packages = _packages(lock)
    code = "const merge = require('lodash.merge');\nmerge({}, input);\n"
    index = ImportIndex([_ctx("app.js", code)], packages)
    verdict = judge(_copy(packages, "node_modules/lodash.merge"), index, ("lodash.merge",))
    assert verdict.note == "imported at app.js:1; calls lodash.merge at app.js:2"


def test_calls_in_files_that_load_another_copy_do_not_count() -> None:
    lock = _npm_lock("4.17.21", "4.17.4")
    lock["packages"]["tools/node_modules/lodash"] = {"version": "4.17.4"}
    packages = _packages(lock)
    files = [
        _ctx("src/app.js", "const _ = require('lodash');\n_.merge({}, input);\n"),
        _ctx("tools/gen.js", "const _ = require('lodash');\n_.keys({});\n"),
    ]
    index = ImportIndex(files, packages)
    tools_copy = judge(_copy(packages, "tools/node_modules/lodash"), index, ("(lodash).merge",))
    assert tools_copy.note == "imported at tools/gen.js:1; no call to lodash.merge found"


@pytest.mark.parametrize(
    ("spec", "package", "path"),
    [
        ("(lodash).merge", "lodash", ("merge",)),
        ("lodash.merge", "lodash", ("merge",)),
        ("(lodash).merge", "lodash-es", ("merge",)),
        ("merge", "lodash", ("merge",)),
        ("_.merge", "lodash", ("merge",)),
        ("(express).Router.use", "express", ("Router", "use")),
        ("(@hapi/hoek).clone", "@hapi/hoek", ("clone",)),
        ("lodash.baseSet", "lodash-es", ("baseSet",)),  # as GHSA-p6mc-m468-83gw writes it
        ("lodash.merge", "lodash.merge", ()),  # the per-method package's export itself
        ("Router.use", "express", ("Router", "use")),
        ("  ", "lodash", None),
    ],
)
def test_function_path_forms(spec: str, package: str, path: tuple[str, ...] | None) -> None:
    assert function_path(spec, package) == path


# -- end to end: a scan with a GitHub-style record ------------------------------------------


def _ghsa(folder: Path, functions: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "id": "GHSA-jf85-cpcp-j695",
        "summary": "Prototype Pollution in lodash",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "lodash"},
                "ecosystem_specific": {"affected_functions": functions},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.12"}]}
                ],
            }
        ],
        "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-1321"]},
    }
    (folder / "GHSA-jf85-cpcp-j695.json").write_text(json.dumps(record))


def _app(tmp_path: Path, top: str, nested: str, code: str) -> Path:
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    lock = _npm_lock(top, nested)
    (root / "package-lock.json").write_text(json.dumps(lock))
    (root / "package.json").write_text(json.dumps(lock["packages"][""]))
    (root / "src" / "app.js").write_text(code)
    return root


def _dep_findings(root: Path) -> list[tuple[str, str, Reachability | None, str]]:
    report = scan_path(root, select=("DEP001",))
    rows = []
    for finding in report.findings:
        assert isinstance(finding.location, PackageLocation)
        verdict = finding.message.split("; ", 1)[1].split(") [CWE")[0]
        rows.append(
            (
                finding.location.version,
                " > ".join(finding.location.dependency_path),
                finding.location.reachability,
                verdict,
            )
        )
    return sorted(rows)


def test_scan_nested_dev_copy_unreachable(tmp_path: Path) -> None:
    _ghsa(tmp_path / "records", ["(lodash).merge"])
    osv_db.import_records(tmp_path / "records")
    root = _app(tmp_path, "4.17.21", "4.17.4", "const _ = require('lodash');\n_.merge({}, x);\n")
    assert _dep_findings(root) == [
        (
            "4.17.4",
            "app > some-dev-tool@1.0.0 > lodash@4.17.4",
            Reachability.UNREACHABLE,
            "unreachable: the app imports lodash, but not this copy "
            "(node_modules/some-dev-tool/node_modules/lodash)",
        )
    ]


def test_scan_top_level_copy_reachable_with_the_function_called(tmp_path: Path) -> None:
    _ghsa(tmp_path / "records", ["(lodash).merge", "lodash.mergeWith"])
    osv_db.import_records(tmp_path / "records")
    root = _app(tmp_path, "4.17.4", "4.17.21", "const _ = require('lodash');\n_.merge({}, x);\n")
    assert _dep_findings(root) == [
        (
            "4.17.4",
            "app > lodash@4.17.4",
            Reachability.REACHABLE,
            "reachable: imported at src/app.js:1; calls lodash.merge at src/app.js:2; "
            "no call to lodash.mergeWith found",
        )
    ]


# -- package.json `exports` of an installed copy -------------------------------------------


@pytest.mark.parametrize(
    ("exports", "subpath", "expected"),
    [
        (None, "merge", True),
        ("./index.js", "merge", False),
        ({"import": "./index.mjs", "require": "./index.js"}, "merge", False),
        ({".": "./index.js", "./merge": "./merge.js"}, "merge", True),
        ({".": "./index.js", "./merge": "./merge.js"}, "template", False),
        ({"./*": "./lib/*.js", "./internal/*": None}, "merge", True),
        ({"./*": "./lib/*.js", "./internal/*": None}, "internal/x", False),
        ({"./lib/*.js": "./lib/*.js"}, "lib/a.js", True),
        ({"./lib/*.js": "./lib/*.js"}, "lib/a", False),
        ({"./merge": None}, "merge", False),
    ],
)
def test_exported_subpaths(exports: object, subpath: str, expected: bool) -> None:
    assert exported(exports, subpath) is expected


def test_a_subpath_the_installed_copy_does_not_export_loads_nothing(tmp_path: Path) -> None:
    installed = tmp_path / "node_modules" / "lodash"
    installed.mkdir(parents=True)
    manifest = {"name": "lodash", "exports": {".": "./lodash.js", "./fp": "./fp.js"}}
    (installed / "package.json").write_text(json.dumps(manifest))
    packages = _packages(_npm_lock("4.17.4", "4.17.21"))
    hidden = ImportIndex([_ctx("a.mjs", "import merge from 'lodash/merge';\n")], packages, tmp_path)
    verdict = judge(_copy(packages, "node_modules/lodash"), hidden, ())
    assert verdict == Verdict(
        Reachability.UNREACHABLE,
        "its package.json `exports` hides lodash/merge, imported at a.mjs:1",
    )
    listed = ImportIndex([_ctx("b.mjs", "import fp from 'lodash/fp';\n")], packages, tmp_path)
    assert judge(_copy(packages, "node_modules/lodash"), listed, ()).note == ("imported at b.mjs:1")
    # Without an installed package.json every subpath counts (lockfiles carry no exports).
    unread = ImportIndex([_ctx("a.mjs", "import merge from 'lodash/merge';\n")], packages)
    assert judge(_copy(packages, "node_modules/lodash"), unread, ()).note == ("imported at a.mjs:1")


def test_exports_are_never_read_outside_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "package.json").write_text(json.dumps({"exports": "./x.js"}))
    root = tmp_path / "project"
    root.mkdir()
    assert exports_of(root / ".." / "outside", root) is None
    assert exports_of(outside, tmp_path) == "./x.js"
