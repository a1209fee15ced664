"""The HTML report in a real headless Chromium (Debian's package; nothing is downloaded):
it loads without console errors and the filters hide and show the right findings."""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from html_report_data import mixed_report

from nodeward.report import html
from nodeward.report.common import rule_of
from nodeward.web.browser import CHROMIUM_ARGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "chromium is not installed (./run test installs Debian's package)", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")

#: Flags that keep the browser offline and quiet; the report must not need the network.
ARGS = list(CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS
        )
        yield context
        context.close()


def _open(context: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    return page, errors, requests


def _visible(page: Any) -> int:
    return int(page.locator("article.finding:visible").count())


def test_report_loads_and_filters_work(browser_context: Any, tmp_path: Path) -> None:
    report = mixed_report(60)
    path = tmp_path / "report.html"
    path.write_text(html.render(report), encoding="utf-8")
    page, errors, requests = _open(browser_context, path)

    assert errors == []  # no console errors, no CSP violations, no script errors
    assert requests == [path.as_uri()]  # nothing but the page itself
    assert _visible(page) == len(report.findings)

    high = sum(f.severity.label == "high" for f in report.findings)
    for label in ("critical", "medium", "low", "info"):
        page.uncheck(f"input[name=severity][value={label}]")
    assert _visible(page) == high
    assert page.locator("article.finding:visible[data-severity=high]").count() == high
    assert page.text_content("#shown-count") == str(high)
    page.check("input[name=severity][value=critical]")
    critical = sum(f.severity.label == "critical" for f in report.findings)
    assert _visible(page) == high + critical

    for label in ("medium", "low", "info"):
        page.check(f"input[name=severity][value={label}]")
    # A practice that a finding has but is not the first of its rule's practices, so
    # the filter must read every practice of a finding, not only its group.
    practice = next(p.slug for f in report.findings for p in rule_of(f).practices[1:])
    page.select_option("#practice-filter", practice)
    expected = sum(
        practice in page_practices
        for page_practices in page.eval_on_selector_all(
            "article.finding", "els => els.map(e => e.dataset.practices.split(' '))"
        )
    )
    assert 0 < _visible(page) == expected < len(report.findings)
    # A practice group with nothing left to show is hidden as a whole.
    assert page.locator(".practice-group:visible").count() >= 1
    assert page.locator(".practice-group:visible article.finding:visible").count() == expected

    page.select_option("#practice-filter", "")
    assert _visible(page) == len(report.findings)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert errors == []


def test_filter_responsiveness_on_5000_findings(
    browser_context: Any, tmp_path: Path, record_property: Any
) -> None:
    """Time for one filter change to update the DOM, measured in the page (median of 5)."""
    path = tmp_path / "big.html"
    path.write_text(html.render(mixed_report(5000)), encoding="utf-8")
    page, errors, _ = _open(browser_context, path)
    timings = []
    for _ in range(5):
        page.uncheck("input[name=severity][value=low]")
        timings.append(page.evaluate("() => window.nodewardLastFilterMs"))
        page.check("input[name=severity][value=low]")
    median = statistics.median(timings)
    record_property("filter_ms_median", median)
    print(f"filter update on 5000 findings: median {median:.1f} ms of {timings}")
    assert errors == []
    assert _visible(page) == 5000
