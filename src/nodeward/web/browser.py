"""Headless Chromium for the probe (`--browser`): pages rendered after their scripts ran, to
find the links and forms JavaScript builds, and confirmation of reflected XSS.

Uses the system's chromium (Debian package) through Playwright; never downloads a browser.
A candidate is confirmed only when a payload actually runs script in the page. Only URLs
inside the probe's scope are opened, and every other request the page makes (or one the
safety policy refuses: a script must not log out or post a form) is blocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from nodeward.findings import Skip
from nodeward.web.checks.context import ProbeContext, token
from nodeward.web.checks.xss import Candidate
from nodeward.web.client import ProbeClient
from nodeward.web.crawl import Form, parse_page
from nodeward.web.exchange import Request

#: Pages rendered at most, and how long a page's scripts get after its load event (ms).
MAX_RENDERED = 60
SETTLE_MS = 300

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def unavailable() -> str | None:
    """Why browser confirmation cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install 'nodeward[browser]')"
    return None


def executing_url(candidate: Candidate, flag: str) -> str:
    """The candidate's URL with a payload that sets a flag on the page when it runs."""
    parts = urlsplit(candidate.url)
    script = f"<img src=x onerror=\"document.documentElement.setAttribute('data-nw','{flag}')\">"
    params = [
        (k, f"\"'>{script}" if k == candidate.parameter else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return parts._replace(query=urlencode(params)).geturl()


def confirm(ctx: ProbeContext, candidates: list[Candidate]) -> Iterator[Skip]:
    """Mark candidates confirmed (in place of the reflected-XSS finding) when the payload
    executes; yields skips when the browser cannot run."""
    reason = unavailable()
    if reason is not None:
        yield Skip("--browser", f"browser confirmation skipped: {reason}")
        return
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
            )
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: _guard(ctx.client, route))
                for candidate in candidates:
                    flag = token("nwb")
                    if not ctx.client.in_scope(candidate.url) or ctx.client.remaining == 0:
                        continue
                    page.goto(executing_url(candidate, flag), timeout=10_000)
                    ran = page.get_attribute("html", "data-nw") == flag
                    ctx.results.confirm_xss(candidate.exchange, candidate.parameter, ran)
            finally:
                browser.close()
    except PlaywrightError as error:
        yield Skip("--browser", f"browser confirmation failed: {str(error)[:200]}")


def discover(client: ProbeClient, urls: list[str]) -> tuple[list[str], list[Form], list[Skip]]:
    """Links and forms of the pages as the browser shows them once their scripts ran (the
    static parse of the same pages misses what JavaScript builds), and skips."""
    reason = unavailable()
    if reason is not None:
        return [], [], [Skip("--browser", f"browser crawl skipped: {reason}")]
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    links: list[str] = []
    forms: list[Form] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
            )
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: _guard(client, route))
                for url in urls[:MAX_RENDERED]:
                    if client.halted or not client.in_scope(url):
                        break
                    try:
                        page.goto(url, timeout=10_000, wait_until="load")
                        page.wait_for_timeout(SETTLE_MS)
                        found_links, found_forms = parse_page(page.url, page.content())
                    except PlaywrightError:
                        continue  # one page that will not render is no reason to stop
                    links += found_links
                    forms += found_forms
            finally:
                browser.close()
    except PlaywrightError as error:
        return links, forms, [Skip("--browser", f"browser crawl failed: {str(error)[:200]}")]
    return links, forms, []


def _guard(client: ProbeClient, route: Any) -> None:
    """Only in-scope requests the safety policy allows leave the browser (a page's script
    must not log out or post a form), and only while the probe runs."""
    method, url = route.request.method, route.request.url
    refusal = client.refusal(method, url)
    if refusal is not None:
        client.coverage.refused(Request(method, url), refusal)
    if client.in_scope(url) and refusal is None and not client.halted:
        route.continue_()
    else:
        route.abort()
