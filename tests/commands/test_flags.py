"""Flags a team's CI needs (issue 13, items 4 and 7): ignoring accepted advisories and
packages with a reason and an expiry, unknown codes as errors, comma lists, extend-select
and extend-ignore, --exit-zero, --severity, several reports in one run, --diff-base, the
pre-commit mode and an unreachable probe target."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from nodeward.cli import main
from nodeward.deps.advisories import osv_db

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCHEMAS = FIXTURES / "schemas"
REPORT_SCHEMA = Path(__file__).parents[2] / "src/nodeward/report/schema/report.schema.json"

#: eval of a parameter (NW150, high) on line 3 and a low bcrypt cost (NW212, medium) on 5.
CODE = (
    'const bcrypt = require("bcrypt");\n'
    "function run(code) {\n"
    "  return eval(code);\n"
    "}\n"
    'const h = bcrypt.hashSync("pw", 4);\n'
    "module.exports = { run, h };\n"
)

LOCKFILE = {
    "name": "app",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {
            "name": "app",
            "version": "1.0.0",
            "dependencies": {"brace-expansion": "1.1.6", "lodash": "4.17.4"},
        },
        "node_modules/brace-expansion": {"version": "1.1.6"},
        "node_modules/lodash": {"version": "4.17.4"},
    },
}


@pytest.fixture
def advisories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real NSWG advisory set in a private cache; the audit runs offline."""
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert osv_db.import_records(FIXTURES / "deps" / "npm-nswg-osv.zip") == 467


def _dependency_project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    manifest = {"name": "app", "version": "1.0.0", "dependencies": LOCKFILE["packages"][""]}  # type: ignore[index]
    manifest["dependencies"] = {"brace-expansion": "1.1.6", "lodash": "4.17.4"}
    (root / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (root / "package-lock.json").write_text(json.dumps(LOCKFILE, indent=2), encoding="utf-8")
    return root


def _code_project(tmp_path: Path, names: tuple[str, ...] = ("a.js",)) -> Path:
    root = tmp_path / "code"
    root.mkdir()
    for name in names:
        (root / name).write_text(CODE, encoding="utf-8")
    return root


def _json(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int
) -> tuple[dict[str, object], str]:
    assert main([*args, "--format", "json", "-q"]) == code
    out, err = capsys.readouterr()
    data = json.loads(out)
    jsonschema.validate(data, json.loads(REPORT_SCHEMA.read_text(encoding="utf-8")))
    return data, err


def _advisories_of(data: dict[str, object]) -> list[str]:
    """The NSWG advisories the DEP001 findings list (one finding per package@version)."""
    findings = data["findings"]
    assert isinstance(findings, list)
    listed = " ".join(f["message"].split(" is affected by ")[1] for f in findings)
    return sorted(set(re.findall(r"NSWG-ECO-\d+", listed)))


def _rules_at(data: dict[str, object]) -> list[tuple[str, str, int]]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return sorted(
        (f["rule"], f["location"]["path"], f["location"]["line"])
        for f in findings
        if f["location"]["kind"] == "source"
    )


# --- ignores ----------------------------------------------------------------------------


def test_ignore_an_advisory_id_drops_its_finding_and_counts_it(
    tmp_path: Path, advisories: None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _dependency_project(tmp_path)
    args = ["scan", str(root), "--select", "DEP", "--offline", "--fail-on", "low"]
    before, _ = _json(capsys, args, 1)
    assert _advisories_of(before) == ["NSWG-ECO-338", "NSWG-ECO-368", "NSWG-ECO-493"]
    assert before["summary"]["ignored"] == 0  # type: ignore[index]
    after, _ = _json(capsys, [*args, "--ignore", "NSWG-ECO-338"], 1)
    assert _advisories_of(after) == ["NSWG-ECO-368", "NSWG-ECO-493"]
    assert after["summary"]["ignored"] == 1  # type: ignore[index]
    # lodash@4.17.4's one finding lists two advisories: accepting one hides nothing.
    partly, _ = _json(capsys, [*args, "--ignore", "NSWG-ECO-368"], 1)
    assert _advisories_of(partly) == ["NSWG-ECO-338", "NSWG-ECO-368", "NSWG-ECO-493"]
    assert partly["summary"]["ignored"] == 0  # type: ignore[index]
    # An alias matches too, lower case as well; a comma list ignores both advisories.
    aliases, _ = _json(capsys, [*args, "--ignore", "cve-2018-3721,NSWG-ECO-493"], 1)
    assert _advisories_of(aliases) == ["NSWG-ECO-338"]
    assert aliases["summary"]["ignored"] == 1  # type: ignore[index]
    # The text report and the scorecard say so.
    assert main([*args, "--ignore", "NSWG-ECO-338", "-q"]) == 1
    text = capsys.readouterr().out
    assert "1 ignored by an ignore entry" in text


def test_ignore_a_package_at_a_version_or_every_version(
    tmp_path: Path, advisories: None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _dependency_project(tmp_path)
    args = ["scan", str(root), "--select", "DEP", "--offline", "--fail-on", "low"]
    one, _ = _json(capsys, [*args, "--ignore", "lodash@4.17.4"], 1)
    assert _advisories_of(one) == ["NSWG-ECO-338"]
    assert one["summary"]["ignored"] == 1  # type: ignore[index]
    other, _ = _json(capsys, [*args, "--ignore", "lodash@4.17.5"], 1)
    assert other["summary"]["ignored"] == 0  # type: ignore[index]
    every, _ = _json(capsys, [*args, "--ignore", "lodash@*,brace-expansion@*"], 0)
    assert (every["findings"], every["summary"]["ignored"]) == ([], 2)  # type: ignore[index]
    rows = {row["practice"]: row for row in every["scorecard"]}  # type: ignore[attr-defined]
    dependencies = next(row for row in rows.values() if "DEP001" in row["rules"])
    assert "(2 ignored)" in dependencies["label"]
    assert "2 findings left out by an ignore entry" in dependencies["why"]


def test_config_ignore_with_reason_and_expiry(
    tmp_path: Path, advisories: None, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _dependency_project(tmp_path)
    config = root / ".nodeward.toml"
    entry = '[[ignore]]\nid = "NSWG-ECO-338"\nreason = "only used at build time"\n'
    args = ["scan", str(root), "--select", "DEP", "--offline", "--fail-on", "low"]
    config.write_text(entry + "until = 2999-01-31\n", encoding="utf-8")
    current, _ = _json(capsys, args, 1)
    assert "NSWG-ECO-338" not in _advisories_of(current)
    assert current["summary"]["ignored"] == 1  # type: ignore[index]
    config.write_text(entry + "until = 2020-11-30\n", encoding="utf-8")
    expired, _ = _json(capsys, args, 1)
    assert expired["summary"]["ignored"] == 0  # type: ignore[index]
    back = [f for f in expired["findings"] if "NSWG-ECO-338" in f["message"]]  # type: ignore[attr-defined]
    assert len(back) == 1
    assert back[0]["message"].endswith(
        " [ignore of NSWG-ECO-338 expired on 2020-11-30 (reason: only used at build time)]"
    )


def test_bad_ignore_table_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    (root / ".nodeward.toml").write_text('[[ignore]]\nid = "GHSA-jf85-cpcp-j695"\nuntil = 3\n')
    assert main(["scan", str(root), "-q"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"nodeward: error: {root / '.nodeward.toml'}:1: key 'ignore': "
        "until must be a date (until = 2027-01-31)\n"
    )


# --- unknown codes, comma lists, extend ------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--select", "NW999", "select: unknown rule code 'NW999' (closest rule code: NW905)"),
        ("--select", "NW1,NX1", "select: unknown rule code 'NX1' (closest rule code: NW1)"),
        (
            "--ignore",
            "NW8O1",
            "ignore: unknown rule code, advisory id or package@version 'NW8O1' "
            "(closest rule code: NW801)",
        ),
        (
            "--extend-select",
            "DEP9",
            "extend-select: unknown rule code 'DEP9' (closest rule code: DEP0)",
        ),
        (
            "--select",
            "GHSA-jf85-cpcp-j695",
            "select: unknown rule code 'GHSA-JF85-CPCP-J695' (closest rule code: NW905)",
        ),
    ],
)
def test_unknown_codes_exit_2_naming_the_closest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    root = _code_project(tmp_path)
    assert main(["scan", str(root), flag, value, "-q"]) == 2
    assert capsys.readouterr() == ("", f"nodeward: error: {message}\n")


def test_unknown_code_in_config_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    (root / ".nodeward.toml").write_text('select = ["NW1", "NW999"]\n', encoding="utf-8")
    assert main(["scan", str(root), "-q"]) == 2
    assert capsys.readouterr().err == (
        "nodeward: error: select: unknown rule code 'NW999' (closest rule code: NW905)\n"
    )


def test_known_prefixes_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _code_project(tmp_path)
    data, _ = _json(capsys, ["scan", str(root), "--select", "NW1,nw2", "--ignore", "DEP"], 1)
    assert _rules_at(data) == [("NW150", "a.js", 3), ("NW212", "a.js", 5)]


def test_exclude_takes_a_comma_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _code_project(tmp_path, ("a.js", "b.js", "c.js"))
    data, _ = _json(capsys, ["scan", str(root), "--select", "NW150", "--exclude", "a.js,b.js"], 1)
    assert _rules_at(data) == [("NW150", "c.js", 3)]
    data, _ = _json(capsys, ["scan", str(root), "--select", "NW150", "--exclude", "a.js, c.js"], 1)
    assert _rules_at(data) == [("NW150", "b.js", 3)]


def test_extend_ignore_and_extend_select_add_to_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    (root / ".nodeward.toml").write_text('select = ["NW150"]\nignore = ["DEP"]\n')
    base = ["scan", str(root)]
    data, _ = _json(capsys, base, 1)
    assert _rules_at(data) == [("NW150", "a.js", 3)]
    data, _ = _json(capsys, [*base, "--extend-select", "NW212"], 1)
    assert _rules_at(data) == [("NW150", "a.js", 3), ("NW212", "a.js", 5)]
    data, _ = _json(capsys, [*base, "--extend-select", "NW212", "--extend-ignore", "NW150"], 0)
    assert _rules_at(data) == [("NW212", "a.js", 5)]
    # --ignore replaces the config's list: DEP is back on (no lockfile: no findings).
    data, _ = _json(capsys, [*base, "--ignore", "NW150"], 0)
    assert _rules_at(data) == []


def test_extend_select_with_no_select_keeps_every_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    args = ["scan", str(root), "--ignore", "NW1,NW2", "--extend-select", "NW212"]
    data, _ = _json(capsys, args, 0)  # NW212 is medium: below the default --fail-on high
    assert _rules_at(data) == [("NW212", "a.js", 5)]


# --- exit codes and filters ---------------------------------------------------------------


def test_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _code_project(tmp_path)
    data, _ = _json(capsys, ["scan", str(root), "--exit-zero"], 0)
    assert _rules_at(data) == [("NW150", "a.js", 3), ("NW212", "a.js", 5)]
    # An error stays an error.
    assert main(["scan", str(root / "missing"), "--exit-zero", "-q"]) == 2
    assert main(["scan", str(root), "--exit-zero", "--select", "NW999", "-q"]) == 2


def test_severity_hides_lower_findings_from_output_and_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    data, _ = _json(capsys, ["scan", str(root), "--severity", "high"], 1)
    assert _rules_at(data) == [("NW150", "a.js", 3)]
    args = ["scan", str(root), "--select", "NW212", "--fail-on", "medium"]
    _json(capsys, args, 1)
    data, _ = _json(capsys, [*args, "--severity", "high"], 0)
    assert data["findings"] == []


def test_several_outputs_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _code_project(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    args = ["scan", str(root), "-q", "-o", str(out / "a.sarif"), "-o", str(out / "b.html")]
    assert main([*args, "-o", str(out / "c.json"), "-o", str(out / "d.cdx.json")]) == 1
    assert capsys.readouterr() == ("", "")
    sarif = json.loads((out / "a.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
    results = sorted(r["ruleId"] for r in sarif["runs"][0]["results"])
    assert results == ["NW150", "NW212"]
    page = (out / "b.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    HTMLParser().feed(page)
    assert "NW150" in page
    report = json.loads((out / "c.json").read_text(encoding="utf-8"))
    assert _rules_at(report) == [("NW150", "a.js", 3), ("NW212", "a.js", 5)]
    assert json.loads((out / "d.cdx.json").read_text(encoding="utf-8"))["bomFormat"] == "CycloneDX"


def test_single_output_takes_its_format_from_the_name_unless_format_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    target = tmp_path / "r.sarif"
    assert main(["scan", str(root), "-q", "-o", str(target)]) == 1
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert main(["scan", str(root), "-q", "-o", str(target), "--format", "json"]) == 1
    assert "schema_version" in json.loads(target.read_text(encoding="utf-8"))
    plain = tmp_path / "report.out"
    assert main(["scan", str(root), "-q", "-o", str(plain)]) == 1
    assert "NW150" in plain.read_text(encoding="utf-8")
    capsys.readouterr()


# --- changed lines: --diff-base and the pre-commit mode ------------------------------------


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_diff_base_reports_only_changed_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path, ("a.js", "b.js"))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    # A new eval on line 3 of b.js; a.js is untouched.
    (root / "b.js").write_text(CODE.replace("eval(code)", "eval(code + 1)"), encoding="utf-8")
    _git(root, "commit", "-q", "-am", "change one line")
    everything, _ = _json(capsys, ["scan", str(root)], 1)
    assert len(_rules_at(everything)) == 4
    changed, _ = _json(capsys, ["scan", str(root), "--diff-base", "main~1"], 1)
    assert _rules_at(changed) == [("NW150", "b.js", 3)]
    nothing, _ = _json(capsys, ["scan", str(root), "--diff-base", "HEAD"], 0)
    assert nothing["findings"] == []


@needs_git
def test_diff_base_never_runs_the_repository_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
    marker = tmp_path / "ran"
    (root / ".gitattributes").write_text("*.js diff=evil filter=evil\n", encoding="utf-8")
    hostile = f"touch {marker}"
    for key in ("core.fsmonitor", "diff.external", "diff.evil.textconv", "diff.evil.command"):
        _git(root, "config", key, hostile)
    _git(root, "config", "filter.evil.clean", hostile)
    (root / "a.js").write_text(CODE + "// more\n", encoding="utf-8")
    _git(root, "commit", "-q", "-am", "second", "--no-verify")
    marker.unlink(missing_ok=True)  # our own git calls above may have run them
    _json(capsys, ["scan", str(root), "--diff-base", "main~1"], 0)
    assert not marker.exists()


def test_diff_base_outside_a_repository_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _code_project(tmp_path)
    (root / ".git").mkdir()  # not a repository: git stops at this folder's empty .git
    assert main(["scan", str(root), "--diff-base=--output=x", "-q"]) == 2
    assert capsys.readouterr().err == "nodeward: error: --diff-base '--output=x': not a revision\n"


def test_only_files_reports_only_findings_in_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _code_project(tmp_path, ("a.js", "b.js"))
    monkeypatch.chdir(root)  # pre-commit runs hooks at the repository root, with its paths
    data, _ = _json(capsys, ["scan", ".", "--offline", "--only", "b.js"], 1)
    assert _rules_at(data) == [("NW150", "b.js", 3), ("NW212", "b.js", 5)]
    data, _ = _json(capsys, ["scan", ".", "--offline", "--only", "README.md"], 0)
    assert data["findings"] == []


def test_pre_commit_hook_entry_scans_the_staged_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook as pre-commit runs it: entry, then args, then the staged file names."""
    hooks = Path(__file__).parents[2] / ".pre-commit-hooks.yaml"
    import yaml

    hook = next(h for h in yaml.safe_load(hooks.read_text()) if h["id"] == "nodeward")
    assert hook["pass_filenames"] is True
    entry = hook["entry"].split()
    assert entry[0] == "nodeward"
    root = _code_project(tmp_path, ("a.js", "b.js"))
    monkeypatch.chdir(root)
    assert main([*entry[1:], *hook.get("args", []), "--format", "json", "b.js"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert _rules_at(data) == [("NW150", "b.js", 3), ("NW212", "b.js", 5)]
    assert main([*entry[1:], "--format", "json"]) == 0  # nothing staged: nothing to do
    assert capsys.readouterr() == ("", "")


# --- the probe ---------------------------------------------------------------------------


def test_probe_of_a_refusing_target_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert main(["probe", f"http://127.0.0.1:{port}/", "-q", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"nodeward: error: http://127.0.0.1:{port}/: cannot probe: ")
    assert err.count("\n") == 1
    assert json.loads(out)["skips"][0]["reason"].startswith("cannot probe: ")


def test_parse_diff_counts_added_lines_only() -> None:
    from nodeward.changed import parse_diff

    diff = (
        "diff --git a/a.js b/a.js\n--- a/a.js\n+++ b/a.js\n"
        "@@ -3 +3 @@ x\n-old\n+new\n@@ -10,2 +9,0 @@\n-gone\n-gone\n@@ -20,0 +19,3 @@\n+a\n+b\n+c\n"
        "diff --git a/old.js b/old.js\n--- a/old.js\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
        "diff --git a/package-lock.json b/package-lock.json\n--- a/package-lock.json\n"
        "+++ b/package-lock.json\n@@ -5 +4,0 @@\n-x\n"
    )
    assert parse_diff(diff) == {
        "a.js": frozenset({3, 19, 20, 21}),
        "package-lock.json": frozenset(),
    }
