"""File discovery and bad input: every problem becomes a Skip, and the scan goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pathspec
import pytest
from tree import write_file as _write

from nodeward.cli import main
from nodeward.discover import DiscoveryOptions, FileKind, discover
from nodeward.report import json_report, sarif, text
from nodeward.scan import scan_path

VULNERABLE = 'const session = require("express-session");\napp.use(session({}));\n'


def _kinds(root: Path, **options: object) -> dict[str, FileKind]:
    inventory = discover(root, DiscoveryOptions(**options))  # type: ignore[arg-type]
    return {f.rel: f.kind for f in inventory.files}


def test_classifies_every_kind_of_file(tmp_path: Path) -> None:
    for rel in ("a.js", "b.mjs", "c.cjs", "d.jsx", "e.ts", "f.mts", "g.cts", "h.tsx"):
        _write(tmp_path, f"src/{rel}", "x;\n")
    _write(tmp_path, "views/index.ejs", "<%= x %>")
    _write(tmp_path, "views/page.hbs", "{{x}}")
    _write(tmp_path, "package.json", "{}")
    _write(tmp_path, "package-lock.json", "{}")
    _write(tmp_path, "yarn.lock", "")
    _write(tmp_path, "pnpm-lock.yaml", "")
    _write(tmp_path, "Dockerfile", "FROM node:20\n")
    _write(tmp_path, "Dockerfile.prod", "FROM node:20\n")
    _write(tmp_path, "docker-compose.yml", "services: {}\n")
    _write(tmp_path, "k8s/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n")
    _write(tmp_path, "config/other.yaml", "key: value\n")
    _write(tmp_path, "public/jquery.min.js", "x;\n")
    _write(tmp_path, "types/index.d.ts", "export {};\n")
    kinds = _kinds(tmp_path)
    assert {r for r, k in kinds.items() if k is FileKind.SCRIPT} == {
        f"src/{r}" for r in ("a.js", "b.mjs", "c.cjs", "d.jsx", "e.ts", "f.mts", "g.cts", "h.tsx")
    } | {"public/jquery.min.js"}  # a name never makes a file a library: its content does
    assert kinds["views/index.ejs"] is FileKind.TEMPLATE
    assert kinds["views/page.hbs"] is FileKind.TEMPLATE
    assert kinds["package.json"] is FileKind.PACKAGE_JSON
    assert {kinds["package-lock.json"], kinds["yarn.lock"], kinds["pnpm-lock.yaml"]} == {
        FileKind.LOCKFILE
    }
    assert kinds["Dockerfile"] is kinds["Dockerfile.prod"] is FileKind.DOCKERFILE
    assert kinds["docker-compose.yml"] is FileKind.COMPOSE
    assert kinds["k8s/deploy.yaml"] is FileKind.KUBERNETES
    assert "config/other.yaml" not in kinds
    assert "types/index.d.ts" not in kinds


def test_honours_gitignore_and_skips_node_modules(tmp_path: Path) -> None:
    _write(tmp_path, ".gitignore", "dist/\n*.generated.js\n")
    _write(tmp_path, "src/.gitignore", "local.js\n")
    _write(tmp_path, "dist/bundle.js", "x;\n")
    _write(tmp_path, "src/api.generated.js", "x;\n")
    _write(tmp_path, "src/local.js", "x;\n")
    _write(tmp_path, "local.js", "x;\n")
    _write(tmp_path, "src/app.js", "x;\n")
    _write(tmp_path, "node_modules/lib/index.js", "x;\n")
    assert sorted(_kinds(tmp_path)) == ["local.js", "src/app.js"]
    assert "node_modules/lib/index.js" in _kinds(tmp_path, include_node_modules=True)


#: A .gitignore with every kind of pattern: negations, folders, anchored, `**`, classes.
GITIGNORE = """\
# build outputs
*.js
!keep.js
!src/**/*.js
src/legacy/*.js
out/
/top.ts
**/gen/**
data/[ab]?.ts
!data/a1.ts
"""
GITIGNORED_TREE = (
    "keep.js", "drop.js", "src/app.js", "src/lib/util.js", "src/legacy/old.js",
    "src/legacy/keep.js", "out/x.ts", "top.ts", "src/top.ts", "a/gen/b/c.ts", "gen.ts",
    "data/a1.ts", "data/b2.ts", "data/c3.ts", "data/ab.ts", "src/app.ts",
)  # fmt: skip


def test_gitignore_decides_as_pathspec_does(tmp_path: Path) -> None:
    """Discovery searches all of a .gitignore's ignoring patterns at once before asking
    PathSpec: each file is still kept exactly when PathSpec keeps it and its folders."""
    _write(tmp_path, ".gitignore", GITIGNORE)
    for rel in GITIGNORED_TREE:
        _write(tmp_path, rel, "x;\n")
    spec = pathspec.PathSpec.from_lines("gitignore", GITIGNORE.splitlines())

    def kept(rel: str) -> bool:
        parts = rel.split("/")
        folders = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
        return not any(spec.match_file(path) for path in (*folders, rel))

    expected = sorted(rel for rel in GITIGNORED_TREE if kept(rel))
    assert sorted(_kinds(tmp_path)) == expected
    # the tree holds both answers, through negations too
    assert "keep.js" in expected and "src/app.js" in expected and "data/a1.ts" in expected
    assert "drop.js" not in expected and "src/legacy/old.js" not in expected


def test_a_gitignore_of_negations_only_ignores_nothing(tmp_path: Path) -> None:
    _write(tmp_path, ".gitignore", "!a.js\n# nothing else\n")
    _write(tmp_path, "a.js", "x;\n")
    _write(tmp_path, "b.js", "x;\n")
    assert sorted(_kinds(tmp_path)) == ["a.js", "b.js"]


def test_exclude_patterns(tmp_path: Path) -> None:
    _write(tmp_path, "scripts/seed.js", "x;\n")
    _write(tmp_path, "app.js", "x;\n")
    assert sorted(_kinds(tmp_path, exclude=("scripts/",))) == ["app.js"]


def _bad_project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    _write(root, "server.js", VULNERABLE)
    _write(root, "broken.js", "function (\n  {{{ oops\n")
    _write(root, "latin1.js", "const s = '\xe9';\n".encode("latin-1"))
    _write(root, "binary.js", b"\x00\x01\x02\x03")
    _write(root, "huge.js", "// padding\n" * 300_000)
    _write(root, "min/app.js", "var a=1;" * 200 + "\n")
    (root / "loop").symlink_to(root)
    return root


def test_bad_input_becomes_skips_and_the_scan_goes_on(tmp_path: Path) -> None:
    report = scan_path(_bad_project(tmp_path), select=("NW801",))
    reasons = {s.target: s.reason for s in report.skips}
    assert reasons["broken.js"].startswith("syntax error at line 1")
    assert reasons["latin1.js"] == "not valid UTF-8: undecodable bytes replaced; analysed anyway"
    assert reasons["binary.js"] == "binary file (contains NUL bytes)"
    assert "over --max-file-size" in reasons["huge.js"]
    assert reasons["min/app.js"] == (
        "minified or bundled code (lines of 1,600 characters on average); "
        "not analyzed (entry points always are)"
    )
    assert reasons["loop"].startswith("symlink loop")
    # The healthy file was still analyzed.
    assert [(f.rule, getattr(f.location, "line", 0)) for f in report.findings] == [("NW801", 2)]


def test_skips_appear_in_every_format(tmp_path: Path) -> None:
    report = scan_path(_bad_project(tmp_path))
    assert "latin1.js: not valid UTF-8" in text.render(report)
    skipped = json.loads(json_report.render(report))["skips"]
    assert {"target": "binary.js", "reason": "binary file (contains NUL bytes)"} in skipped
    notes = json.loads(sarif.render(report))["runs"][0]["invocations"][0][
        "toolExecutionNotifications"
    ]
    assert any(n["message"]["text"].startswith("Skipped loop: symlink loop") for n in notes)


def test_scanning_changes_nothing_in_the_tree(tmp_path: Path) -> None:
    root = _bad_project(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if not p.is_symlink()}
    scan_path(root)
    after = {p: p.stat().st_mtime_ns for p in root.rglob("*") if not p.is_symlink()}
    assert before == after


def test_single_file_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = _write(tmp_path, "one.ts", VULNERABLE)
    argv = ["scan", str(file), "--format", "json", "--fail-on", "low", "--select", "NW801"]
    assert main(argv) == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["location"]["path"] for f in data["findings"]] == ["one.ts"]


def test_max_file_size_flag(tmp_path: Path) -> None:
    _write(tmp_path, "server.js", VULNERABLE)
    report = scan_path(tmp_path, max_file_size=10)
    assert report.findings == ()
    assert [s.target for s in report.skips] == ["server.js"]
