from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES

from nodeward.catalog import get_rule
from nodeward.catalog.tool import UNUSED_SUPPRESSION
from nodeward.findings import (
    Confidence,
    FlowStep,
    HttpLocation,
    PackageLocation,
    Report,
    Severity,
    Skip,
    SourceLocation,
)
from nodeward.report import json_report, sarif, text
from nodeward.scan import scan_path

SARIF_SCHEMA = json.loads((FIXTURES / "schemas" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src/nodeward/report/schema/report.schema.json").read_text()
)
APP = FIXTURES / "apps" / "small"


def _synthetic_report() -> Report:
    """A report with every kind of location, a flow and a skip."""
    rule = get_rule("NW801")
    assert rule is not None
    src = SourceLocation("server.js", 5, 9, 5, 70, 'app.use(session({ name: "connect.sid" }))')
    flow = (FlowStep(SourceLocation("a.js", 1, 1, snippet="x"), "source"), FlowStep(src, "sink"))
    return Report(
        tool_version="0.0.0",
        root="/tmp/project",
        findings=(
            rule.finding(src, "default name", flow=flow),
            UNUSED_SUPPRESSION.finding(
                PackageLocation("package-lock.json", "lodash", "4.17.4", ("app", "lodash"), 12),
                "pkg",
                severity=Severity.CRITICAL,
            ),
            rule.finding(
                HttpLocation("http://127.0.0.1:3000/", "GET", "q"),
                "live",
                confidence=Confidence.LOW,
            ),
        ),
        skips=(Skip("broken.js", "syntax error at line 1, column 1"),),
        files_scanned=3,
        rules_run=("NW001", "NW801"),
        rules=(UNUSED_SUPPRESSION, rule),
    )


def test_sarif_is_valid_against_the_official_schema() -> None:
    jsonschema.validate(json.loads(sarif.render(_synthetic_report())), SARIF_SCHEMA)
    jsonschema.validate(json.loads(sarif.render(scan_path(APP))), SARIF_SCHEMA)


def test_sarif_carries_what_github_code_scanning_reads() -> None:
    run = json.loads(sarif.render(scan_path(APP)))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    nw801 = rules["NW801"]
    assert nw801["name"] == "session-cookie-default-name"
    assert nw801["shortDescription"]["text"] and nw801["fullDescription"]["text"]
    assert "## Why is this bad?" in nw801["help"]["markdown"]
    tags = nw801["properties"]["tags"]
    assert {"security", "external/cwe/cwe-1004", "owasp-top10-2021-a05"} <= set(tags)
    assert nw801["properties"]["security-severity"] == "3.0"
    [result] = [r for r in run["results"] if r["ruleId"] == "NW801"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "server.js", "uriBaseId": "%SRCROOT%"}
    assert loc["region"]["startLine"] == 5
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == APP.resolve().as_uri() + "/"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "NW801"
    assert len(result["partialFingerprints"]["nodeward/v1"]) == 32


def test_sarif_code_flow_and_skips() -> None:
    run = json.loads(sarif.render(_synthetic_report()))["runs"][0]
    flow = run["results"][0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in flow] == ["source", "sink"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "Skipped broken.js: syntax error at line 1, column 1"


def test_json_report_is_valid_against_its_schema() -> None:
    for report in (_synthetic_report(), scan_path(APP)):
        data = json.loads(json_report.render(report))
        jsonschema.validate(data, REPORT_SCHEMA)
    data = json.loads(json_report.render(scan_path(APP)))
    assert data["schema_version"] == json_report.SCHEMA_VERSION
    [finding] = [f for f in data["findings"] if f["rule"] == "NW801"]
    assert finding["location"]["path"] == "server.js"
    assert finding["location"]["line"] == 5
    assert finding["practices"] == ["cookies-sessions", "default-cookie-names"]


def test_json_schema_rejects_a_broken_report() -> None:
    data = json.loads(json_report.render(_synthetic_report()))
    data["findings"][0]["severity"] = "urgent"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, REPORT_SCHEMA)


def test_text_report_groups_by_practice_and_shows_fix_and_skips() -> None:
    out = text.render(_synthetic_report())
    assert "Cookie flags and session management" in out
    assert "server.js:5:9" in out
    assert '    5 | app.use(session({ name: "connect.sid" }))' in out
    assert "fix: Give the session cookie a neutral name" in out
    assert "1. a.js:1  source" in out
    assert "Skipped (1)" in out and "broken.js: syntax error at line 1, column 1" in out
    assert "3 findings (1 critical, 2 low) in 3 files" in out


def test_fingerprint_survives_unrelated_line_shifts(tmp_path: Path) -> None:
    source = (APP / "server.js").read_text()
    (tmp_path / "server.js").write_text(source)
    before = {f.fingerprint for f in scan_path(tmp_path, select=("NW801",)).findings}
    (tmp_path / "server.js").write_text("// a new header comment\n\n" + source)
    after = scan_path(tmp_path, select=("NW801",)).findings
    assert {f.fingerprint for f in after} == before
    assert [f.location.line for f in after if isinstance(f.location, SourceLocation)] == [7]


def test_scan_reports_the_route_table_and_what_it_could_not_evaluate() -> None:
    root = FIXTURES / "rules" / "routes_split_js"
    report = scan_path(root)
    assert report.routes, "the app model's routes reach the report"
    assert all(r.path.startswith("/") and r.method for r in report.routes)
    assert any(r.handler_location is not None for r in report.routes)
    data = json.loads(json_report.render(report))
    jsonschema.validate(data, REPORT_SCHEMA)
    assert len(data["routes"]) == len(report.routes)
    # No lockfile and no static JS: the dependency rules are "not checked", not "passed".
    gaps = {gap.rule: gap.reason for gap in report.unevaluated}
    assert {code for code in gaps if code.startswith("DEP")} == {
        "DEP001",
        "DEP002",
        "DEP003",
        "DEP004",
        "DEP005",
    }
    # The probe's own rules need a running app.
    assert gaps["NW340"].startswith("checked only on a running app")
    [row] = [r for r in data["scorecard"] if r["practice"] == "vulnerable-dependencies"]
    assert row["status"] == "not-checked"
    # The live probe's own rules did not run without --url.
    assert "NW340" not in report.rules_run


def test_a_scan_report_carries_the_rules_that_ran() -> None:
    """The report formats read rules from the report, not from a registry of checkers."""
    report = scan_path(FIXTURES / "apps" / "small", select=("NW8", "NW3"))
    codes = [rule.code for rule in report.rules]
    assert codes == sorted(set(report.rules_run) | {f.rule for f in report.findings})
    assert codes and all(code.startswith(("NW8", "NW3")) for code in codes)
    assert all(get_rule(rule.code) is rule for rule in report.rules)


def test_a_finding_of_a_rule_the_report_does_not_carry_is_an_error() -> None:
    rule = get_rule("NW801")
    assert rule is not None
    report = Report("0", "/p", (rule.finding(SourceLocation("a.js", 1), "m"),))
    with pytest.raises(KeyError, match="NW801 is not among the rules of this report"):
        json_report.render(report)
    assert replace(report, rules=(rule,)).rule("NW801") is rule
