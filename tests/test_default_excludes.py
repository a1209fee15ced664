"""Tests, fixtures, build output and vendored libraries are not analysed as server code by
default; each exclude is reported once; --include-tests and --no-default-excludes bring
them back; entry points are always analysed; DEP002 still sees vendored served libraries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodeward.cli import main
from nodeward.findings import Report, SourceLocation
from nodeward.scan import scan_path

FIXTURES = Path(__file__).parent / "fixtures" / "deps"
EVAL = "const code = process.argv[2];\neval(code);\n"
EXCLUDED = (
    "test/app.js",
    "src/__tests__/login.js",
    "lib/user.spec.js",
    "fixtures/payload.js",
    "dist/server.js",
    "public/vendor/widget.min.js",
)
TESTS = ("test/app.js", "src/__tests__/login.js", "lib/user.spec.js", "fixtures/payload.js")


def _tree(root: Path) -> Path:
    for rel in ("server.js", *EXCLUDED):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(EVAL)
    return root


def _paths(report: Report) -> list[str]:
    return sorted(
        f.location.path for f in report.findings if isinstance(f.location, SourceLocation)
    )


def _notes(report: Report) -> dict[str, str]:
    return {s.target: s.reason for s in report.skips if s.reason.startswith("default exclude")}


def test_tests_fixtures_build_output_and_vendored_code_are_left_out(tmp_path: Path) -> None:
    report = scan_path(_tree(tmp_path), select=("NW150",))
    assert _paths(report) == ["server.js"]
    assert _notes(report) == {
        "*.spec.*": "default exclude (test files): 1 script not analysed; --include-tests "
        "or --no-default-excludes analyses them",
        "__tests__/": "default exclude (test code and fixtures): 1 script in src/__tests__ "
        "not analysed; --include-tests or --no-default-excludes analyses them",
        "dist/": "default exclude (build output): 1 script in dist kept only to identify "
        "served libraries (DEP002), not analysed as server code; --no-default-excludes "
        "analyses them",
        "fixtures/": "default exclude (test code and fixtures): 1 script in fixtures not "
        "analysed; --include-tests or --no-default-excludes analyses them",
        "test/": "default exclude (test code and fixtures): 1 script in test not analysed; "
        "--include-tests or --no-default-excludes analyses them",
        "vendor/": "default exclude (vendored libraries): 1 script in public/vendor kept "
        "only to identify served libraries (DEP002), not analysed as server code; "
        "--no-default-excludes analyses them",
    }
    assert all(s.note for s in report.skips)  # --strict does not fail on them


def test_one_note_per_pattern_however_many_folders(tmp_path: Path) -> None:
    for index in range(7):
        (tmp_path / f"pkg{index}" / "test").mkdir(parents=True)
        (tmp_path / f"pkg{index}" / "test" / "a.js").write_text(EVAL)
        (tmp_path / f"pkg{index}" / "test" / "b.js").write_text(EVAL)
    report = scan_path(tmp_path, select=("NW150",))
    assert report.findings == ()
    assert _notes(report) == {
        "test/": "default exclude (test code and fixtures): 14 scripts in pkg0/test, "
        "pkg1/test, pkg2/test, pkg3/test, pkg4/test and 2 more folders not analysed; "
        "--include-tests or --no-default-excludes analyses them"
    }


def test_include_tests_brings_tests_back(tmp_path: Path) -> None:
    report = scan_path(_tree(tmp_path), select=("NW150",), include_tests=True)
    assert _paths(report) == sorted(("server.js", *TESTS))
    assert sorted(_notes(report)) == ["dist/", "vendor/"]


def test_no_default_excludes_brings_everything_back(tmp_path: Path) -> None:
    report = scan_path(_tree(tmp_path), select=("NW150",), default_excludes=False)
    assert _paths(report) == sorted(("server.js", *EXCLUDED))
    assert _notes(report) == {}


def test_flags_and_config_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path)

    def scanned(*flags: str) -> list[str]:
        capsys.readouterr()
        main(["scan", str(root), "--select", "NW150", "--format", "json", *flags])
        findings = json.loads(capsys.readouterr().out)["findings"]
        return sorted(f["location"]["path"] for f in findings)

    assert scanned() == ["server.js"]
    assert scanned("--include-tests") == sorted(("server.js", *TESTS))
    assert scanned("--no-default-excludes") == sorted(("server.js", *EXCLUDED))
    (root / ".nodeward.toml").write_text("include-tests = true\n")
    assert scanned() == sorted(("server.js", *TESTS))
    (root / ".nodeward.toml").write_text("default-excludes = false\n")
    assert scanned() == sorted(("server.js", *EXCLUDED))


def test_an_entry_point_in_an_excluded_folder_is_analysed(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "main": "dist/server.js"}))
    report = scan_path(tmp_path, select=("NW150",))
    assert _paths(report) == ["dist/server.js", "server.js"]
    assert "dist/" not in _notes(report)  # its only script is the entry point
    (tmp_path / "package.json").write_text(
        json.dumps({"name": "x", "scripts": {"start": "node test/app.js"}})
    )
    assert _paths(scan_path(tmp_path, select=("NW150",))) == ["server.js", "test/app.js"]


def test_vendored_served_library_is_still_identified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["db", "import-retire", str(FIXTURES / "retirejs-jsrepository.json")]) == 0
    root = tmp_path / "site"
    (root / "public" / "vendor").mkdir(parents=True)
    banner = "/*! jQuery v1.8.1 | (c) 2005, 2012 jQuery Foundation */\n"
    (root / "public" / "vendor" / "jquery.min.js").write_text(banner)
    report = scan_path(root, select=("DEP002", "NW150"))
    assert [(f.rule, f.location.path) for f in report.findings] == [  # type: ignore[union-attr]
        ("DEP002", "public/vendor/jquery.min.js")
    ]


def test_deployment_files_in_build_folders_are_read(tmp_path: Path) -> None:
    _write_files = {
        "build/Dockerfile": 'FROM node:20\nUSER root\nCMD ["node", "server.js"]\n',
        "test/Dockerfile": 'FROM node:20\nUSER root\nCMD ["node", "server.js"]\n',
    }
    for rel, text in _write_files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    report = scan_path(tmp_path, select=("RUN",))
    assert {f.location.path for f in report.findings} == {"build/Dockerfile"}  # type: ignore[union-attr]
