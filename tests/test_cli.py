"""The command line as a contract: exit codes, flags, config files, suppressions, baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from nodeward import __version__
from nodeward.cli import main

APP = FIXTURES / "apps" / "small"
DEFAULT_NAME = "app.use(session({ secret: process.env.S }));\n"
HEADER = 'const session = require("express-session");\n'


def _project(tmp_path: Path, body: str, name: str = "server.js") -> Path:
    (tmp_path / name).write_text(HEADER + body)
    return tmp_path


#: The CLI tests exercise the contract on one rule; other rules stay out of the way.
ONLY = ["--select", "NW801,NW001"]


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--format", "json"] + ([] if "--select" in argv else ONLY))
    return code, json.loads(capsys.readouterr().out)


def _rules(data: dict[str, object]) -> list[tuple[str, int]]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return [(f["rule"], f["location"]["line"]) for f in findings]


def test_version_and_module_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nodeward", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"nodeward {__version__}"


def test_exit_codes_follow_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, DEFAULT_NAME)  # one LOW finding
    assert main(["scan", str(root), "--format", "json", *ONLY]) == 0
    assert main(["scan", str(root), "--format", "json", "--fail-on", "low", *ONLY]) == 1
    assert main(["scan", str(root), "--format", "json", "--fail-on", "medium", *ONLY]) == 0


def test_missing_path_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", ".", "--fail-on", "severe"])
    assert exit_info.value.code == 2


def test_select_and_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, DEFAULT_NAME)
    _, data = _json(capsys, "scan", str(root), "--select", "NW8")
    codes = {code for code, _line in _rules(data)}
    assert "NW801" in codes
    assert all(code.startswith("NW8") for code in codes)
    _, data = _json(capsys, "scan", str(root), "--select", "NW8", "--ignore", "NW8")
    assert _rules(data) == []
    _, data = _json(capsys, "scan", str(root), "--select", "NW8", "--ignore", "NW80")
    assert _rules(data) == []
    _, data = _json(capsys, "scan", str(root), "--select", "NW801", "--ignore", "NW8")
    assert _rules(data) == [("NW801", 2)]
    _, data = _json(capsys, "scan", str(root), "--select", "NW1")
    assert _rules(data) == []


def test_inline_suppression_and_unused_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "// nodeward-ignore NW801: legacy name kept for SSO\n" + DEFAULT_NAME
    body += "const port = 3000; // nodeward-ignore NW801: nothing here\n"
    root = _project(tmp_path, body)
    _, data = _json(capsys, "scan", str(root))
    assert _rules(data) == [("NW001", 4)]
    assert data["summary"]["suppressed"] == 1  # type: ignore[index]


def test_suppression_on_the_same_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, DEFAULT_NAME.rstrip("\n") + " // nodeward-ignore NW801\n")
    _, data = _json(capsys, "scan", str(root))
    assert _rules(data) == []


def test_config_file_sets_defaults_and_flags_win(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, DEFAULT_NAME)
    (root / ".nodeward.toml").write_text('fail-on = "low"\nselect = ["NW801"]\n')
    assert main(["scan", str(root), "--format", "json"]) == 1
    assert main(["scan", str(root), "--format", "json", "--fail-on", "high"]) == 0


def test_package_json_nodeward_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, DEFAULT_NAME)
    (root / "package.json").write_text(json.dumps({"name": "x", "nodeward": {"ignore": ["NW8"]}}))
    _, data = _json(capsys, "scan", str(root), "--select", "NW")
    assert _rules(data) == []


def test_config_error_names_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, DEFAULT_NAME)
    (root / ".nodeward.toml").write_text('# settings\nfail_on = "low"\nfail-onn = "high"\n')
    assert main(["scan", str(root)]) == 2
    err = capsys.readouterr().err
    assert f"{root / '.nodeward.toml'}:3: unknown key 'fail-onn'" in err
    (root / ".nodeward.toml").write_text('\nmax-file-size = "big"\n')
    assert main(["scan", str(root)]) == 2
    assert ".nodeward.toml:2: key 'max-file-size': expected a positive whole number" in (
        capsys.readouterr().err
    )


def test_baseline_shows_only_new_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "p" if (tmp_path / "p").mkdir() is None else tmp_path, DEFAULT_NAME)
    baseline = tmp_path / "baseline.json"
    assert main(["scan", str(root), "--format", "json", "--output", str(baseline), *ONLY]) == 0
    # Shift the known finding down and add a new one.
    (root / "server.js").write_text(
        "// moved\n" + HEADER + DEFAULT_NAME + 'app.use(session({ name: "session" }));\n'
    )
    _, data = _json(capsys, "scan", str(root), "--baseline", str(baseline))
    assert _rules(data) == [("NW801", 4)]
    assert data["summary"]["baseline_matched"] == 1  # type: ignore[index]


def test_a_practice_with_only_baselined_findings_passes_as_baselined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "p" if (tmp_path / "p").mkdir() is None else tmp_path, DEFAULT_NAME)
    baseline = tmp_path / "baseline.json"
    assert main(["scan", str(root), "--format", "json", "--output", str(baseline), *ONLY]) == 0
    _, data = _json(capsys, "scan", str(root), "--baseline", str(baseline))
    assert _rules(data) == []
    rows = {row["practice"]: row for row in data["scorecard"]}  # type: ignore[attr-defined]
    names = rows["default-cookie-names"]
    assert (names["status"], names["label"], names["baselined"]) == (
        "pass",
        "pass (1 baselined)",
        1,
    )
    assert main(["scan", str(root), "--baseline", str(baseline), *ONLY]) == 0
    out = capsys.readouterr().out
    assert "PASS (1 baselined)  Default session cookie names" in out


def test_output_file_written_and_nothing_written_into_the_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "p" if (tmp_path / "p").mkdir() is None else tmp_path, DEFAULT_NAME)
    before = sorted(p.name for p in root.rglob("*"))
    out = tmp_path / "reports" / "r.sarif"
    main(["scan", str(root), "--format", "sarif", "--output", str(out)])
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert sorted(p.name for p in root.rglob("*")) == before
    assert capsys.readouterr().out == ""


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    assert "NW801  session-cookie-default-name" in capsys.readouterr().out
    assert main(["explain", "nw801"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# NW801 session-cookie-default-name")
    assert main(["explain", "NW999"]) == 2


def test_strict_makes_skips_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, DEFAULT_NAME)
    (root / "blob.js").write_bytes(b"\x00\x01\x02binary")
    assert main(["scan", str(root), "--format", "json", *ONLY]) == 0
    assert main(["scan", str(root), "--format", "json", "--strict", *ONLY]) == 2
