"""The HTML report as a document: self-contained, escaped, redacted, complete."""

from __future__ import annotations

import re
from html import unescape

from html_report_data import (
    SECRET_COOKIE,
    SECRET_TOKEN,
    XSS,
    mixed_report,
    package_location,
    with_routes,
)

from nodeward.catalog import get_rule
from nodeward.findings import Confidence, Report, Severity, SourceLocation
from nodeward.practices import Practice
from nodeward.report import html
from nodeward.report.redact import MASK, redact
from nodeward.rulemeta import Owasp, RuleMeta

DEP_RULE = RuleMeta(
    code="DEP999",
    name="vulnerable-dependency",
    title="t",
    cwe=(1104,),
    owasp=Owasp.A06,
    practices=(Practice.VULNERABLE_DEPENDENCIES,),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what="w",
    why="y",
    example="e",
    use_instead="u",
    fix="Upgrade lodash to 4.17.21",
    references=("r",),
)


def test_no_external_loads() -> None:
    page = html.render(mixed_report())
    assert not re.search(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "@import" not in page and "url(" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    policy = unescape(csp.group(1))
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "unsafe-inline" not in policy


def test_scanned_content_is_escaped() -> None:
    page = html.render(mixed_report())
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1  # only the report's own script


def test_live_evidence_is_redacted() -> None:
    page = html.render(mixed_report())
    assert "supersecretvalue" not in page and SECRET_TOKEN not in page
    assert "abc123" not in page
    assert "Authorization: [redacted]" in page
    assert "Set-Cookie: connect.sid=[redacted]; Path=/; HttpOnly" in page


def test_redaction_keeps_names_and_masks_values() -> None:
    assert redact(f"Cookie: {SECRET_COOKIE}; theme=dark") == (
        f"Cookie: connect.sid={MASK}; theme={MASK}"
    )
    assert redact('{"user": "ann", "password": "hunter2"}') == (
        f'{{"user": "ann", "password": "{MASK}"}}'
    )
    assert redact("/reset?email=a@b.c&reset_token=9f8e") == f"/reset?email=a@b.c&reset_token={MASK}"
    assert redact("X-Api-Key: k-123\nAccept: */*") == f"X-Api-Key: {MASK}\nAccept: */*"
    assert redact(f"token in body {SECRET_TOKEN}") == f"token in body {MASK}"


def test_findings_grouped_with_filters_routes_and_flows() -> None:
    report = mixed_report()
    page = html.render(report)
    assert page.count('<article class="finding"') == len(report.findings)
    for severity in Severity:
        assert f'name="severity" value="{severity.label}"' in page
    assert 'id="practice-filter"' in page
    assert "Data flow (2 steps)" in page
    assert 'id="routes"' in page and "/search/&lt;script&gt;" in page
    assert 'id="scorecard"' in page


def test_dependency_table_from_dep_findings() -> None:
    """A report carries its rules: one the catalogue does not know renders too."""
    finding = DEP_RULE.finding(
        package_location(), "lodash 4.17.4: GHSA-jf85-cpcp-j695 prototype pollution"
    )
    page = html.render(Report("0", "/tmp/app", (finding,), rules=(DEP_RULE,)))
    table = page.split('id="dependencies"', 1)[1].split("</table>", 1)[0]
    for text in (
        "lodash",
        "4.17.4",
        "GHSA-jf85-cpcp-j695",
        "Upgrade lodash to 4.17.21",
        "app &gt; lodash",
    ):
        assert text in table


def test_empty_report_renders() -> None:
    page = html.render(Report("0", "/tmp/app", ()))
    assert "No findings." in page
    assert 'id="dependencies"' not in page and 'id="routes"' not in page


def test_route_table_is_collapsed_with_a_filter() -> None:
    page = html.render(with_routes(mixed_report(), 200))
    section = page.split('<section id="routes">', 1)[1].split("</section>", 1)[0]
    assert '<details class="routes">' in section  # no `open`: collapsed by default
    assert "<summary>Show the route table (200 routes)</summary>" in section
    assert '<input type="search" id="route-filter"' in section
    assert '<span id="route-count">200</span> of 200 shown' in section
    assert section.count('<tr class="route">') == 200
    assert '<div class="table-wrap route-table">' in section  # scrolls in its own box


def test_every_table_scrolls_inside_its_own_container() -> None:
    page = html.render(with_routes(mixed_report(), 3))
    assert page.count("<table") == page.count('<div class="table-wrap') == 2


def test_empty_state_for_filters_is_in_the_page_hidden() -> None:
    page = html.render(mixed_report())
    assert (
        '<div id="no-match" class="empty-state" hidden>\n'
        "    <p>No findings match these filters.</p>\n"
        '    <button type="button" id="reset-filters">Reset filters</button>'
    ) in page


def test_the_fix_is_shown_once_and_long_snippets_are_cut() -> None:
    rule = get_rule("NW101")
    assert rule is not None
    minified = "x=1;" * 100 + "db.query(q);" + "y=2;" * 100
    loc = SourceLocation("app.min.js", 1, minified.index("db.query") + 1, snippet=minified)
    finding = rule.finding(loc, f"req.query.q flows into mysql query() (SQL injection); {rule.fix}")
    page = unescape(html.render(Report("0", "/tmp/app", (finding,), rules=(rule,))))
    assert '<p class="message">req.query.q flows into mysql query() (SQL injection)</p>' in page
    assert page.count(rule.fix) == 1
    snippet = page.split('<pre class="snippet"><span class="ln">1</span>', 1)[1].split("</pre>")[0]
    assert len(snippet) == html.HTML_SNIPPET_WIDTH
    assert snippet.startswith("…") and snippet.endswith("…") and "db.query(q);" in snippet


def test_advisory_header_hook_shows_nothing_until_the_report_carries_it() -> None:
    assert html.advisory_header(mixed_report()) is None
    assert 'class="advisories' not in html.render(mixed_report())
