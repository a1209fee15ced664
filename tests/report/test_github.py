"""`--format github`: workflow commands with the runner's escaping."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.catalog import get_rule
from nodeward.cli import main
from nodeward.findings import HttpLocation, Report, Skip, SourceLocation
from nodeward.report.github import command, render
from nodeward.report.neutralize import github_message, github_property
from nodeward.rulemeta import RuleMeta


def test_escaping_matches_the_runner() -> None:
    # a message keeps its line breaks (CRLF read as LF), percent-encoded as the runner wants
    assert github_message("50% done\r\nnext\rx") == "50%25 done%0Anext\\rx"
    # a property value is one line: a newline in a file name is shown, not encoded
    assert github_property("a:b,c%\n") == "a%3Ab%2Cc%25\\n"
    assert command("error", "x: y, z", file="a,b:c.js", line=3) == (
        "::error file=a%2Cb%3Ac.js,line=3::x: y, z"
    )
    assert command("notice", "m") == "::notice::m"


def test_findings_become_annotations_relative_to_the_workspace(tmp_path: Path) -> None:
    rule = get_rule("NW801")
    assert rule is not None
    root = tmp_path / "app"
    root.mkdir()
    (root / "broken.js").write_text("var = ;\n")  # a skip of a real file stays on the file
    report = Report(
        "0",
        str(root),
        (
            rule.finding(SourceLocation("src/server.js", 7, 9, 7, 30), "bad\nname"),
            rule.finding(HttpLocation("http://127.0.0.1:3000/", "GET"), "live"),
        ),
        skips=(Skip("broken.js", "syntax error"),),
        files_scanned=2,
        rules=(rule,),
    )
    lines = render(report, base=tmp_path).splitlines()
    assert lines[0] == (
        "::notice file=app/src/server.js,line=7,col=9,endLine=7,"
        "title=NW801 session-cookie-default-name::bad%0Aname%0AFix: " + rule.fix
    )
    assert lines[1].startswith("::notice title=NW801 session-cookie-default-name::GET ")
    assert lines[2] == "::warning file=app/broken.js,title=nodeward skipped a file::syntax error"
    assert lines[3] == "::notice title=nodeward::2 findings in 2 files"
    # Outside the workspace the scan-root-relative path is kept.
    assert "file=src/server.js," in render(report, base=tmp_path / "elsewhere")


def test_cli_writes_html_and_github_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "server.js").write_text(
        'const session = require("express-session");\n'
        "app.use(session({ secret: process.env.S }));\n"
    )
    out = tmp_path / "report.html"
    assert main(["scan", str(tmp_path), "--format", "html", "--output", str(out)]) == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'data-severity="low"' in page
    main(["scan", str(tmp_path), "--format", "github"])
    annotations = capsys.readouterr().out.splitlines()
    assert any(line.startswith("::notice file=") and "title=NW801" in line for line in annotations)


def _rule(code: str) -> RuleMeta:
    rule = get_rule(code)
    assert rule is not None
    return rule


def test_annotations_are_ordered_worst_first_and_skips_are_one_notice(tmp_path: Path) -> None:
    """GitHub shows only the first annotations of a step: the critical must come first, not
    in file order; skips of things that are not files (the dependency audit, the project,
    a URL) become one notice, not annotations on made-up files."""
    sql, name, xss = _rule("NW101"), _rule("NW801"), _rule("NW901")
    report = Report(
        "0",
        str(tmp_path),
        (
            name.finding(SourceLocation("a.js", 1), "default name"),
            xss.finding(SourceLocation("a.js", 9), "xss here"),
            sql.finding(SourceLocation("z.js", 4), "sql here"),
            xss.finding(SourceLocation("b.js", 2), "xss there"),
        ),
        skips=(
            Skip(".", "internal error in NW501: boom"),
            Skip("dependency audit", "no lockfile"),
            Skip("http://127.0.0.1:3000/", "cannot probe"),
        ),
        files_scanned=3,
        rules=(sql, name, xss),
    )
    lines = render(report).splitlines()
    assert [line.split("::")[1] for line in lines] == [
        "error file=z.js,line=4,col=1,title=NW101 sql-injection",
        "error file=a.js,line=9,col=1,title=NW901 reflected-xss",
        "error file=b.js,line=2,col=1,title=NW901 reflected-xss",
        "notice file=a.js,line=1,col=1,title=NW801 session-cookie-default-name",
        "notice title=nodeward skipped 3 items",
        "notice title=nodeward",
    ]
    assert lines[4] == (
        "::notice title=nodeward skipped 3 items::.: internal error in NW501: boom%0A"
        "dependency audit: no lockfile%0Ahttp://127.0.0.1:3000/: cannot probe"
    )
    assert "file=dependency" not in "".join(lines)


def test_annotation_shows_the_fix_once() -> None:
    rule = _rule("NW101")
    message = f"req.query.id flows into mysql query() (SQL injection); {rule.fix}"
    report = Report(
        "0", "/nowhere", (rule.finding(SourceLocation("db.js", 3), message),), rules=(rule,)
    )
    first = render(report).splitlines()[0]
    assert first.endswith(
        "::req.query.id flows into mysql query() (SQL injection)%0AFix: " + rule.fix
    )
    assert first.count(rule.fix) == 1
