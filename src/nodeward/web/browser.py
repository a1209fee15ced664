"""Headless Chromium for the probe (`--browser`): pages rendered after their scripts ran, to
find the links and forms JavaScript builds (also after clicking the page's buttons: a script
may set a form's action or send a request on a click), and confirmation of reflected XSS.

Uses the system's chromium (Debian package) through Playwright; never downloads a browser.
A candidate is confirmed only when a payload actually runs script in the page. Only URLs
inside the probe's scope are opened, and every other request the page makes (or one the
safety policy refuses: a script must not log out or post a form) is blocked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from nodeward.findings import Skip
from nodeward.web.checks.context import ProbeContext, token
from nodeward.web.checks.xss import Candidate
from nodeward.web.client import ProbeClient
from nodeward.web.crawl import Form, FormField, parse_page
from nodeward.web.exchange import Request
from nodeward.web.safety import destructive_word

#: Pages rendered at most, and how long a page's scripts get after its load event (ms).
MAX_RENDERED = 60
SETTLE_MS = 300
#: Elements clicked at most per page, and how long the page's handlers get after a click (ms).
MAX_CLICKS = 20
CLICK_SETTLE_MS = 100

#: What a click may act on: buttons and inline handlers (a handler bound by a script, as
#: jQuery's `.on("click")` does, sits on such elements too). A button that submits its form
#: is left alone: the form itself is probed.
_CLICKABLE = (
    "button, input[type=button], [onclick], [role=button], a[href^='#'], a[href^='javascript:']"
)
_LABEL = """el => [el.textContent || '', el.value || '', el.id, el.className,
  el.getAttribute('onclick') || '', el.getAttribute('href') || '', el.getAttribute('name') || '',
  el.form && (el.type === 'submit' || el.type === 'image') ? 'submits' : ''].join(' ')"""
#: Requests a click makes that are worth probing (not the stylesheets and images it loads).
_CAPTURED_TYPES = frozenset({"xhr", "fetch", "document", "other"})

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

    found = _Found()
    capture = _Capture()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True
            )
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: _guard(client, route, capture))
                for url in urls[:MAX_RENDERED]:
                    if client.halted or not client.in_scope(url):
                        break
                    try:
                        page.goto(url, timeout=10_000, wait_until="load")
                        page.wait_for_timeout(SETTLE_MS)
                        found.add(*parse_page(page.url, page.content()))
                        _click_through(client, page, url, found, capture)
                    except PlaywrightError:
                        continue  # one page that will not render is no reason to stop
            finally:
                browser.close()
    except PlaywrightError as error:
        skip = Skip("--browser", f"browser crawl failed: {str(error)[:200]}")
        return found.links, found.forms, [skip]
    return found.links, found.forms, []


@dataclass
class _Found:
    links: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)

    def add(self, links: list[str], forms: list[Form]) -> None:
        self.links += links
        self.forms += forms


@dataclass
class _Capture:
    """The requests a page makes while its elements are clicked: (method, URL, body,
    content type), recorded when `page` is set."""

    page: str | None = None
    requests: list[tuple[str, str, bytes, str]] = field(default_factory=list)


def _click_through(
    client: ProbeClient, page: Any, url: str, found: _Found, capture: _Capture
) -> None:
    """Clicks each clickable element of the rendered page (none whose label or target reads
    destructive: logout, delete...) and keeps the forms the page then shows and the
    requests it makes. A click that leaves the page is followed by rendering it again."""
    capture.page, capture.requests = url, []
    try:
        for index in range(MAX_CLICKS):
            if client.halted:
                break
            elements = page.query_selector_all(_CLICKABLE)
            if index >= len(elements):
                break
            label = str(elements[index].evaluate(_LABEL))
            if "submits" in label.split() or destructive_word(label) is not None:
                continue
            elements[index].dispatch_event("click")
            page.wait_for_timeout(CLICK_SETTLE_MS)
            if page.url != url:
                page.goto(url, timeout=10_000, wait_until="load")
                continue
            found.add(*parse_page(page.url, page.content()))
    finally:
        capture.page = None
        for method, target, body, kind in capture.requests:
            found.add(*captured_inputs(url, method, target, body, kind))


def captured_inputs(
    page: str, method: str, url: str, body: bytes, kind: str
) -> tuple[list[str], list[Form]]:
    """A request a click made, as a link (no parameters) or a form with its query or
    urlencoded fields (a JSON body is left to the route table and --openapi)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if method == "GET" and query:
        action = parts._replace(query="", fragment="").geturl()
        fields = tuple(FormField(k, "text", v) for k, v in query)
        return [], [Form(page, action, "GET", fields)]
    if "x-www-form-urlencoded" in kind.lower() and body:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        fields = tuple(FormField(k, "text", v) for k, v in pairs)
        return [], [Form(page, url, method, fields)] if fields else []
    return ([url], []) if method == "GET" else ([], [])


def _guard(client: ProbeClient, route: Any, capture: _Capture | None = None) -> None:
    """Only in-scope requests the safety policy allows leave the browser (a page's script
    must not log out or post a form), and only while the probe runs."""
    method, url = route.request.method, route.request.url
    if capture is not None and capture.page is not None and client.in_scope(url):
        request = route.request
        if request.resource_type in _CAPTURED_TYPES:
            body = request.post_data_buffer or b""
            kind = request.headers.get("content-type", "")
            capture.requests.append((method, url, body, kind))
    refusal = client.refusal(method, url)
    if refusal is not None:
        client.coverage.refused(Request(method, url), refusal)
    if client.in_scope(url) and refusal is None and not client.halted:
        route.continue_()
    else:
        route.abort()
