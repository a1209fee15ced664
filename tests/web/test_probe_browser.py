"""--browser: reflected-XSS candidates confirmed in Debian's headless chromium."""

from __future__ import annotations

from pathlib import Path

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
