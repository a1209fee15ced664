"""SARIF as GitHub code scanning reads it: URIs relative to the repository root (GitHub
ignores `originalUriBaseIds`), a unique partial fingerprint per result, and `--root`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES

from nodeward.catalog import get_rule
from nodeward.cli import main
from nodeward.findings import FlowStep, HttpLocation, PackageLocation, Report, Skip, SourceLocation
from nodeward.report import json_report, sarif
from nodeward.repository import repository_root
from nodeward.scan import scan_path

SARIF_SCHEMA = json.loads((FIXTURES / "schemas" / "sarif-schema-2.1.0.json").read_text())
# NW801 (default session cookie name) on one line, so identical lines are easy to write.
HEADER = 'const session = require("express-session");\n'
VULNERABLE = "app.use(session({ secret: process.env.S }));\n"


def _repo_with_service(tmp_path: Path) -> Path:
    """tmp/.git and tmp/services/api with a finding, a dependency without lockfile (a skip
    on package.json) and an unparsable file (a skip on its path)."""
    (tmp_path / ".git").mkdir()
    api = tmp_path / "services" / "api"
    api.mkdir(parents=True)
    (api / "server.js").write_text(HEADER + VULNERABLE)
    (api / "package.json").write_text('{"dependencies": {"express": "^4.0.0"}}')
    (api / "bad.js").write_bytes(b"\xff\xfe not utf-8\n")
    return api


def _sarif(args: list[str], out: Path) -> dict[str, object]:
    flags = ["--format", "sarif", "--output", str(out), "--quiet", "--fail-on", "low"]
    assert main(["scan", *args, *flags]) == 1
    document: dict[str, object] = json.loads(out.read_text())
    jsonschema.validate(document, SARIF_SCHEMA)
    return document


def _uris(document: dict[str, object]) -> tuple[list[str], dict[str, str | None]]:
    """The URIs of the NW801 results, and of the skips by their message's start."""
    run = document["runs"][0]  # type: ignore[index]
    results = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        if r["ruleId"] == "NW801"
    ]
    notes = {
        n["message"]["text"].split(":")[0]: (
            n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            if "locations" in n
            else None
        )
        for n in run["invocations"][0]["toolExecutionNotifications"]
    }
    return results, notes


def test_sub_folder_scan_has_repository_root_uris(tmp_path: Path) -> None:
    api = _repo_with_service(tmp_path)
    document = _sarif([str(api)], tmp_path / "out.sarif")
    results, notes = _uris(document)
    assert results == ["services/api/server.js"]
    assert notes["Skipped package.json"] == "services/api/package.json"
    assert notes["Skipped bad.js"] == "services/api/bad.js"
    base = document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]  # type: ignore[index]
    assert base == tmp_path.as_uri() + "/"


def test_repository_root_is_found_from_a_git_file_too(tmp_path: Path) -> None:
    # Worktrees and submodules have a `.git` file, not a folder.
    (tmp_path / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert repository_root(tmp_path / "a" / "b") == tmp_path


def test_root_flag_overrides_the_repository_root(tmp_path: Path) -> None:
    api = _repo_with_service(tmp_path)
    document = _sarif([str(api), "--root", str(tmp_path / "services")], tmp_path / "out.sarif")
    results, notes = _uris(document)
    assert results == ["api/server.js"]
    assert notes["Skipped package.json"] == "api/package.json"


def test_root_in_the_config_file_is_relative_to_it(tmp_path: Path) -> None:
    api = _repo_with_service(tmp_path)
    (api / ".nodeward.toml").write_text('root = ".."\n')
    results, _ = _uris(_sarif([str(api)], tmp_path / "out.sarif"))
    assert results == ["api/server.js"]


def test_root_that_does_not_contain_the_scan_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = _repo_with_service(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    out = tmp_path / "out.sarif"
    assert main(["scan", str(api), "--root", str(other), "--format", "sarif", "-o", str(out)]) == 2
    assert f"does not contain the scanned path {api}" in capsys.readouterr().err
    assert not out.exists()


def test_scan_root_is_the_base_outside_any_repository(tmp_path: Path) -> None:
    if repository_root(tmp_path) is not None:
        pytest.skip("the temporary folder lies inside a git repository")
    (tmp_path / "server.js").write_text(HEADER + VULNERABLE)
    results, _ = _uris(_sarif([str(tmp_path)], tmp_path.parent / f"{tmp_path.name}.sarif"))
    assert results == ["server.js"]


def test_partial_fingerprints_are_unique_and_the_primary_one_unchanged(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    # Two identical vulnerable lines in one file, and the same line in a second file.
    (tmp_path / "a.js").write_text(HEADER + VULNERABLE + VULNERABLE)
    (tmp_path / "b.js").write_text(HEADER + VULNERABLE)
    report = scan_path(tmp_path, select=("NW801",))
    assert [(f.location.path, f.location.line) for f in report.findings] == [  # type: ignore[union-attr]
        ("a.js", 2),
        ("a.js", 3),
        ("b.js", 2),
    ]
    results = json.loads(sarif.render(report, base=tmp_path))["runs"][0]["results"]
    prints = [r["partialFingerprints"] for r in results]
    # The key baselines know is each finding's own fingerprint, as in the JSON report.
    primary = [f["fingerprint"] for f in json.loads(json_report.render(report))["findings"]]
    assert [p["nodeward/v1"] for p in prints] == primary
    assert primary[0] == primary[1] != primary[2]
    # The unique key: the fingerprint and its occurrence.
    assert [p["nodeward/v2"] for p in prints] == [
        f"{primary[0]}:1",
        f"{primary[0]}:2",
        f"{primary[2]}:1",
    ]
    assert max(Counter(json.dumps(p, sort_keys=True) for p in prints).values()) == 1


def test_every_location_kind_gets_the_prefix(tmp_path: Path) -> None:
    rule = get_rule("NW801")
    assert rule is not None
    scan_root = tmp_path / "services" / "api"
    src = SourceLocation("server.js", 5, 9, snippet="app.use(session({}))")
    flow = (
        FlowStep(SourceLocation("lib/a.js", 1, 1, snippet="x"), "source"),
        FlowStep(src, "sink"),
    )
    report = Report(
        tool_version="0.0.0",
        root=str(scan_root),
        findings=(
            rule.finding(src, "default name", flow=flow),
            rule.finding(PackageLocation("package.json", "lodash", "4.17.4", ("lodash",), 3), "p"),
            rule.finding(HttpLocation("http://127.0.0.1:3000/", "GET", None), "live"),
        ),
        skips=(
            Skip("routes/x.js:12", "route url is not a constant"),
            Skip("--browser", "off"),
            Skip("dependency audit", "no database"),
        ),
        rules=(rule,),
    )
    document = json.loads(sarif.render(report, base=tmp_path))
    jsonschema.validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    physical = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    assert [p["artifactLocation"]["uri"] for p in physical] == [
        "services/api/server.js",
        "services/api/package.json",
        "http://127.0.0.1:3000/",
    ]
    steps = run["results"][0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["physicalLocation"]["artifactLocation"]["uri"] for s in steps] == [
        "services/api/lib/a.js",
        "services/api/server.js",
    ]
    route, browser, audit = run["invocations"][0]["toolExecutionNotifications"]
    assert route["locations"][0]["physicalLocation"] == {
        "region": {"startLine": 12},
        "artifactLocation": {"uri": "services/api/routes/x.js", "uriBaseId": "%SRCROOT%"},
    }
    # Skips that name a part of the run, not a file, point nowhere.
    assert "locations" not in browser
    assert "locations" not in audit


def test_probe_report_rooted_at_a_url_renders(tmp_path: Path) -> None:
    # `nodeward probe URL --format sarif`: the report's root is the URL. Making a file URI of
    # it raised ValueError ("relative path can't be expressed as a file URI").
    rule = get_rule("NW302")
    assert rule is not None
    report = Report(
        tool_version="0.0.0",
        root="http://127.0.0.1:3000",
        findings=(rule.finding(HttpLocation("http://127.0.0.1:3000/", "GET", None), "live"),),
        skips=(Skip("http://127.0.0.1:3000/admin", "timed out"),),
        rules=(rule,),
    )
    document = json.loads(sarif.render(report))
    jsonschema.validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    assert "originalUriBaseIds" not in run
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "http://127.0.0.1:3000/"}}
    assert "locations" not in run["invocations"][0]["toolExecutionNotifications"][0]
