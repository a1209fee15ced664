"""Scorecard semantics: fail when the report holds a finding of the practice's rules, pass
when one of them was checked and found nothing, not checked otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from nodeward.catalog import all_rules, get_rule
from nodeward.findings import BaselinedRule, Report, SourceLocation, Unevaluated
from nodeward.practices import Practice
from nodeward.report import html, json_report, sarif, text
from nodeward.scorecard import ScoreRow, Status, scorecard

REPORT_SCHEMA = json.loads(
    (Path(__file__).parent.parent / "src/nodeward/report/schema/report.schema.json").read_text()
)
COOKIES = Practice.COOKIES_SESSIONS


def _rows(report: Report) -> dict[Practice, ScoreRow]:
    return {row.practice: row for row in scorecard(report, all_rules())}


def _nw801_finding() -> Report:
    rule = get_rule("NW801")
    assert rule is not None
    loc = SourceLocation("server.js", 3, 9, snippet="app.use(session({}))")
    enabled = tuple(r.code for r in all_rules())
    return Report(
        "0", "/p", (rule.finding(loc, "default name"),), rules_run=enabled, rules=all_rules()
    )


def test_one_row_per_practice_in_enum_order() -> None:
    rows = scorecard(Report("0", "/p", ()), all_rules())
    assert [row.practice for row in rows] == list(Practice)


def test_a_finding_fails_every_practice_of_its_rule() -> None:
    rows = _rows(_nw801_finding())
    for practice in (COOKIES, Practice.DEFAULT_COOKIE_NAMES):
        assert rows[practice].status is Status.FAILED
        assert rows[practice].findings == 1
        assert "NW801" in rows[practice].why


def test_enabled_rules_without_findings_pass() -> None:
    enabled = tuple(r.code for r in all_rules())
    row = _rows(Report("0", "/p", (), rules_run=enabled))[COOKIES]
    assert row.status is Status.PASSED
    assert row.unchecked == ()
    assert row.checked == row.rules


def test_deselected_rules_leave_the_practice_not_checked() -> None:
    row = _rows(Report("0", "/p", (), rules_run=("NW001",)))[COOKIES]
    assert row.status is Status.NOT_CHECKED
    assert row.checked == ()
    assert {u.reason for u in row.unchecked} == {"not selected in this run"}


def test_unevaluated_rules_are_not_checked_and_say_why() -> None:
    codes = tuple(r.code for r in all_rules() if COOKIES in r.practices)
    report = Report(
        "0",
        "/p",
        (),
        rules_run=codes,
        unevaluated=tuple(Unevaluated(c, "no package-lock.json") for c in codes),
    )
    row = _rows(report)[COOKIES]
    assert row.status is Status.NOT_CHECKED
    assert "no package-lock.json" in row.why


def test_partial_pass_lists_what_was_not_checked() -> None:
    codes = tuple(r.code for r in all_rules() if COOKIES in r.practices)
    assert len(codes) >= 2, "needs two cookie rules"
    report = Report("0", "/p", (), rules_run=codes[:1])
    row = _rows(report)[COOKIES]
    assert row.status is Status.PASSED
    assert [u.rule for u in row.unchecked] == list(codes[1:])
    assert "not checked" in row.why


def test_practice_without_rules_is_not_checked() -> None:
    covered = {p for r in all_rules() for p in r.practices}
    uncovered = [p for p in Practice if p not in covered]
    if uncovered:
        row = _rows(Report("0", "/p", ()))[uncovered[0]]
        assert row.status is Status.NOT_CHECKED
        assert row.why == "no rule implements this practice yet"


def test_scorecard_in_json_sarif_and_text() -> None:
    report = _nw801_finding()
    data = json.loads(json_report.render(report))
    jsonschema.validate(data, REPORT_SCHEMA)
    row = next(r for r in data["scorecard"] if r["practice"] == COOKIES.slug)
    assert row["status"] == "fail"
    assert row["by_severity"] == {"low": 1}
    run = json.loads(sarif.render(report))["runs"][0]
    assert run["properties"]["scorecard"] == data["scorecard"]
    rendered = text.render(report)
    assert "Scorecard" in rendered
    assert f"FAIL        {COOKIES.title}" in rendered


def _baselined_report() -> Report:
    """NW801 ran; its one finding was left out by --baseline."""
    enabled = tuple(r.code for r in all_rules())
    return Report(
        "0", "/p", (), baseline_matched=1, baselined=(BaselinedRule("NW801", 1),), rules_run=enabled
    )


def test_a_practice_whose_findings_are_baselined_says_so() -> None:
    rows = _rows(_baselined_report())
    row = rows[Practice.DEFAULT_COOKIE_NAMES]
    assert row.status is Status.PASSED
    assert row.baselined == 1
    assert row.label == "pass (1 baselined)"
    assert row.why == "no new findings from NW801; 1 known finding left out by --baseline"
    other = rows[Practice.INJECTION]
    assert (other.label, other.baselined) == ("pass", 0)


def test_baselined_wording_in_text_json_and_html() -> None:
    report = _baselined_report()
    lines = text.render(report, width=200).splitlines()
    line = next(x for x in lines if "Default session cookie names" in x)
    assert line.startswith("  PASS (1 baselined)  Default session cookie names")
    assert "1 known finding left out by --baseline" in line
    data = json.loads(json_report.render(report))
    jsonschema.validate(data, REPORT_SCHEMA)
    (row,) = [r for r in data["scorecard"] if r["practice"] == "default-cookie-names"]
    assert (row["status"], row["label"], row["baselined"]) == ("pass", "pass (1 baselined)", 1)
    page = html.render(report)
    assert '<span class="badge badge-pass">pass (1 baselined)</span>' in page
