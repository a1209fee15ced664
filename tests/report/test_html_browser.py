"""The HTML report in a real headless Chromium (Debian's package; nothing is downloaded):
it loads without console errors and the filters hide and show the right findings."""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from html_report_data import mixed_report, with_routes

from nodeward.report import html
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
    practice = next(p.slug for f in report.findings for p in report.rule(f.rule).practices[1:])
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


def test_route_table_collapsed_and_filtered(browser_context: Any, tmp_path: Path) -> None:
    path = tmp_path / "routes.html"
    path.write_text(html.render(with_routes(mixed_report(20), 200)), encoding="utf-8")
    page, errors, _ = _open(browser_context, path)
    assert page.locator("tr.route:visible").count() == 0  # collapsed by default
    page.click("details.routes > summary")
    assert page.locator("tr.route:visible").count() == 200
    # the open table scrolls in its own box: the page does not grow by 200 rows
    box = page.eval_on_selector(".route-table", "e => [e.clientHeight, e.scrollHeight]")
    assert box[0] < box[1] and box[0] <= page.viewport_size["height"]
    page.fill("#route-filter", "DELETE items3")  # every word must match
    expected = sum(1 for n in range(200) if n % 4 == 3 and f"items{n}".startswith("items3"))
    assert page.locator("tr.route:visible").count() == expected > 0
    assert page.text_content("#route-count") == str(expected)
    assert page.locator("#no-route-match").is_hidden()
    page.fill("#route-filter", "no-such-route")
    assert page.locator("tr.route:visible").count() == 0
    assert page.locator("#no-route-match").is_visible()
    assert errors == []


def test_empty_state_and_reset(browser_context: Any, tmp_path: Path) -> None:
    report = mixed_report(30)
    path = tmp_path / "empty.html"
    path.write_text(html.render(report), encoding="utf-8")
    page, errors, _ = _open(browser_context, path)
    assert page.locator("#no-match").is_hidden()
    for label in ("critical", "high", "medium", "low", "info"):
        page.uncheck(f"input[name=severity][value={label}]")
    assert _visible(page) == 0
    assert page.text_content("#shown-count") == "0"
    assert page.locator("#no-match").is_visible()
    assert "No findings match these filters." in page.text_content("#no-match")
    page.click("#reset-filters")
    assert _visible(page) == len(report.findings)
    assert page.locator("#no-match").is_hidden()
    assert page.locator("input[name=severity]:checked").count() == 5
    assert errors == []


def test_no_horizontal_overflow_at_420_px(browser_context: Any, tmp_path: Path) -> None:
    """A phone-width window scrolls only vertically; wide tables scroll inside their box."""
    path = tmp_path / "narrow.html"
    path.write_text(html.render(with_routes(mixed_report(60), 200)), encoding="utf-8")
    page, errors, _ = _open(browser_context, path)
    page.set_viewport_size({"width": 420, "height": 900})
    page.click("details.routes > summary")  # the widest table, opened
    for flow in page.locator("details.flow > summary").all()[:5]:
        flow.click()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[2] and widths[1] <= widths[2], widths
    # the route table is wider than the window, so it is its box that scrolls
    assert page.eval_on_selector(".route-table", "e => e.scrollWidth > e.clientWidth")
    assert errors == []
