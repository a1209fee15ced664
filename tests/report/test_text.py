"""The terminal report: worst first, the fix once, long snippets cut around the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.catalog import get_rule
from nodeward.cli import main
from nodeward.findings import PackageLocation, Report, Severity, SourceLocation
from nodeward.report.common import message_without_fix, shorten_snippet
from nodeward.report.text import render
from nodeward.rulemeta import RuleMeta
from nodeward.scan import scan_path


def _rule(code: str) -> RuleMeta:
    rule = get_rule(code)
    assert rule is not None
    return rule


def _findings_part(text: str) -> list[str]:
    return text.split("\nScorecard")[0].strip("\n").splitlines()


def test_findings_are_worst_first_then_by_file_and_line_with_the_fix_once() -> None:
    sql, name, xss, dep = _rule("NW101"), _rule("NW801"), _rule("NW901"), _rule("DEP001")
    report = Report(
        "0",
        "/app",
        (
            name.finding(SourceLocation("a.js", 1, snippet="session({})"), "no name; set one"),
            xss.finding(SourceLocation("b.js", 9, snippet="res.send(x)"), "xss b9"),
            xss.finding(SourceLocation("a.js", 20, snippet="res.send(y)"), "xss a20"),
            sql.finding(
                SourceLocation("z.js", 4, 3, snippet="db.query(q)"),
                f"req.query.q flows into mysql query() (SQL injection); {sql.fix}",
            ),
            dep.finding(
                PackageLocation("package.json", "lodash", "4.17.20", line=5),
                "lodash 4.17.20: prototype pollution",
                severity=Severity.HIGH,
            ),
        ),
        files_scanned=4,
        rules=(sql, name, xss, dep),
    )
    lines = _findings_part(render(report, width=400))
    assert lines == [
        "Critical (1)",
        "   CRITICAL  NW101 sql-injection  z.js:4:3",
        "    req.query.q flows into mysql query() (SQL injection)",
        "        4 | db.query(q)",
        f"    fix: {sql.fix}",
        "",
        "High (3)",
        "   HIGH  NW901 reflected-xss  a.js:20:1",
        "    xss a20",
        "       20 | res.send(y)",
        f"    fix: {xss.fix}",
        "   HIGH  NW901 reflected-xss  b.js:9:1",
        "    xss b9",
        "        9 | res.send(x)",
        f"    fix: {xss.fix}",
        "   HIGH  DEP001 vulnerable-dependency  package.json:5 lodash@4.17.20",
        "    lodash 4.17.20: prototype pollution",
        f"    fix: {dep.fix}",
        "",
        "Low (1)",
        "   LOW  NW801 session-cookie-default-name  a.js:1:1",
        "    no name; set one",
        "        1 | session({})",
        f"    fix: {name.fix}",
    ]


def test_a_long_snippet_is_cut_around_the_flagged_column() -> None:
    minified = "var a=1;" * 40 + "eval(req.query.code);" + "var b=2;" * 40  # 661 characters
    column = minified.index("eval") + 1
    rule = _rule("NW103")
    report = Report(
        "0",
        "/app",
        (rule.finding(SourceLocation("app.min.js", 1, column, snippet=minified), "m"),),
        rules=(rule,),
    )
    snippet_line = next(line for line in render(report, width=400).splitlines() if " | " in line)
    shown = snippet_line.split(" | ", 1)[1]
    assert len(shown) == 120
    assert shown.startswith("…")
    assert shown.endswith("…")
    assert "eval(req.query.code);" in shown
    middle = shown.index("eval")
    assert 40 <= middle <= 80  # the column sits in the middle of the window


def test_shorten_snippet_edges() -> None:
    assert shorten_snippet("short", 3) == "short"
    line = "".join(chr(ord("a") + i % 26) for i in range(300))
    start = shorten_snippet(line, 1, width=10)
    assert start == line[:9] + "…"
    end = shorten_snippet(line, 300, width=10)
    assert end == "…" + line[-9:]
    middle = shorten_snippet(line, 150, width=10)
    assert middle == "…" + line[145:153] + "…"  # column 150 is line[149], kept in view
    assert len(middle) == 10
    assert shorten_snippet(line, 10_000, width=10) == end  # a column past the end


def test_cli_prints_the_critical_first_and_cuts_a_minified_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.js").write_text(
        'const session = require("express-session");\n'
        "app.use(session({ secret: process.env.S }));\n"
    )
    padding = "var a=1;" * 30
    (tmp_path / "z.js").write_text(
        'const express = require("express"); const app = express();'
        ' const cp = require("child_process");\n'
        f'{padding}app.get("/r", (req, res) => cp.exec(req.query.cmd));{padding}\n'
    )
    assert main(["--no-color", "scan", str(tmp_path), "--select", "NW103,NW801", "-q"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    heads = [line.split()[1] for line in lines if line.startswith("   ") and " NW" in line]
    assert heads[:2] == ["NW103", "NW801"]  # z.js's critical before a.js's low
    assert out.index("Critical (1)") < out.index("Low (1)")
    (snippet,) = [line for line in lines if line.startswith("        2 | …")]
    shown = snippet.removeprefix("        2 | ")
    assert len(shown) == 120 and shown.startswith("…") and shown.endswith("…")
    assert "cp.exec(req.query.cmd)" in shown


def test_every_flow_finding_ends_with_its_own_fix_so_reports_show_it_once() -> None:
    """Flow and template findings end their message with "; <fix>"; the finding's `fix` is
    that same text (the template context's own fix for NW902/NW904/NW905), so the reports
    can strip it from the message and print it once."""
    fixtures = Path(__file__).parents[1] / "fixtures" / "rules"
    checked = 0
    folders = [*fixtures.glob("flows_*xss*"), *fixtures.glob("flows_templates_context_*")]
    for folder in sorted(folders):
        report = scan_path(folder, offline=True, quiet=True)
        for finding in report.findings:
            if finding.rule in ("NW902", "NW904", "NW905"):
                checked += 1
                assert finding.message.endswith(f"; {finding.fix}"), finding
                assert finding.fix not in message_without_fix(finding)
    assert checked > 0
