"""--browser: reflected-XSS candidates confirmed in Debian's headless chromium."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from nodeward.web import browser
from nodeward.web.probe import ProbeOptions, run_probe
from web.app_runner import StartApp


def test_xss_confirmed_when_the_payload_runs(start_app: StartApp) -> None:
    reason = browser.unavailable()
    if reason is not None:
        pytest.skip(reason)
    base = start_app("vulnerable")
    result = run_probe(ProbeOptions(url=base + "/", active=True, browser=True))
    (xss,) = [f for f in result.findings if f.rule == "NW901"]
    assert xss.confirmed


def test_missing_browser_is_a_skip(start_app: StartApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", Path("/nonexistent/chromium"))
    base = start_app("vulnerable")
    result = run_probe(ProbeOptions(url=base + "/", active=True, browser=True))
    assert any(s.target == "--browser" and "not found" in s.reason for s in result.skips)


def _xss_paths(base: str, *, browser_on: bool) -> set[str]:
    result = run_probe(
        ProbeOptions(
            url=base + "/",
            active=True,
            browser=browser_on,
            allow_unsafe=("/upload*",),
            include=("/", "/app", "/greet*", "/upload*"),
        )
    )
    return {
        f.location.url.split("://", 1)[1].partition("/")[2]  # type: ignore[union-attr]
        for f in result.findings
        if f.rule == "NW901"
    }


def test_browser_crawl_reaches_links_and_forms_that_scripts_build(start_app: StartApp) -> None:
    reason = browser.unavailable()
    if reason is not None:
        pytest.skip(reason)
    base = start_app("blind")
    # the static parse sees neither /greet (a link built by script) nor /greet-safe (a form)
    assert _xss_paths(base, browser_on=False) == {"upload"}
    assert _xss_paths(base, browser_on=True) == {"upload", "greet"}


def test_browser_crawl_keeps_a_page_script_inside_the_policy() -> None:
    """The rendered page's own requests go through the probe's guard: out of scope or
    state-changing is aborted."""
    calls: list[str] = []

    class Route:
        def __init__(self, method: str, url: str) -> None:
            self.request = type("R", (), {"method": method, "url": url})()

        def continue_(self) -> None:
            calls.append(f"continue {self.request.url}")

        def abort(self) -> None:
            calls.append(f"abort {self.request.url}")

    from nodeward.web.client import ClientSettings, ProbeClient
    from nodeward.web.safety import SafetyPolicy

    client = ProbeClient(
        ClientSettings(target="http://127.0.0.1:9/", policy=SafetyPolicy.build(active=True))
    )
    try:
        for method, url in (
            ("GET", "http://127.0.0.1:9/page"),
            ("GET", "http://example.com/tracker.js"),
            ("GET", "http://127.0.0.1:9/logout"),
            ("POST", "http://127.0.0.1:9/comment"),
        ):
            browser._guard(client, Route(method, url))
    finally:
        client.close()
    assert calls == [
        "continue http://127.0.0.1:9/page",
        "abort http://example.com/tracker.js",
        "abort http://127.0.0.1:9/logout",
        "abort http://127.0.0.1:9/comment",
    ]


def test_browser_clicks_reach_a_form_action_and_a_request_set_by_handlers(
    start_app: StartApp,
) -> None:
    """/pick's form posts to a safe page until "Fast mode" is clicked (then /echo), and
    "Beep" fetches /shout; neither URL is written in the page. "Log out" is never clicked."""
    reason = browser.unavailable()
    if reason is not None:
        pytest.skip(reason)
    base = start_app("blind")
    include = ("/", "/pick", "/echo*", "/shout*", "/greet*", "/sign-off*")
    result = run_probe(ProbeOptions(url=base + "/", active=True, browser=True, include=include))
    paths = {
        f.location.url.split("://", 1)[1].partition("/")[2]  # type: ignore[union-attr]
        for f in result.findings
        if f.rule == "NW901"
    }
    assert paths == {"echo", "shout"}
    with httpx.Client() as http:
        assert http.get(base + "/signed-out").json() == []
    blind = run_probe(ProbeOptions(url=base + "/", active=True, include=include))
    assert not [f for f in blind.findings if f.rule == "NW901"]


def test_captured_click_requests_become_inputs() -> None:
    page = "http://127.0.0.1:9/pick"
    assert browser.captured_inputs(page, "GET", "http://127.0.0.1:9/s?w=hi", b"", "") == (
        [],
        [
            browser.Form(
                page, "http://127.0.0.1:9/s", "GET", (browser.FormField("w", "text", "hi"),)
            )
        ],
    )
    form = "application/x-www-form-urlencoded"
    assert browser.captured_inputs(page, "POST", "http://127.0.0.1:9/p", b"a=1", form) == (
        [],
        [
            browser.Form(
                page, "http://127.0.0.1:9/p", "POST", (browser.FormField("a", "text", "1"),)
            )
        ],
    )
    assert browser.captured_inputs(page, "GET", "http://127.0.0.1:9/x", b"", "") == (
        ["http://127.0.0.1:9/x"],
        [],
    )
    assert browser.captured_inputs(page, "POST", "http://127.0.0.1:9/j", b"{}", "json") == ([], [])
