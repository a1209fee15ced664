"""Orchestration of the live probe: log in, crawl, passive checks on every response, active
checks when allowed, then findings and skips. Ctrl-C keeps what was found so far."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never
from urllib.parse import urlsplit

from nodeward.findings import Evidence, Finding, HttpLocation, Skip
from nodeward.web import login, openapi
from nodeward.web.checks import (
    access,
    bruteforce,
    caching,
    cookies,
    cors,
    csrf,
    errors,
    files,
    headers,
    injection,
    listing,
    navigation,
    sensitive,
    xss,
)
from nodeward.web.checks.context import ProbeContext
from nodeward.web.client import ClientSettings, ProbeClient
from nodeward.web.crawl import SiteMap, crawl
from nodeward.web.exchange import Exchange, Failure, FailureKind
from nodeward.web.inputs import RequestShape
from nodeward.web.results import Results
from nodeward.web.routes import StaticRoute, request_shapes
from nodeward.web.rules import APP_CRASH


@dataclass(frozen=True)
class ProbeOptions:
    url: str
    active: bool = False
    scope: tuple[str, ...] = ()
    max_requests: int = 2000
    max_login_attempts: int = 15
    concurrency: int = 8
    rate: float = 0.0
    timeout: float = 10.0
    max_body: int = 1_000_000
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    login_url: str | None = None
    login_data: str | None = None
    browser: bool = False
    routes: tuple[StaticRoute, ...] = ()
    verify_tls: bool = True
    openapi: Path | None = None
    """An OpenAPI 3 description whose operations are probed too (--openapi)."""
    login_json: str | None = None
    """A JSON object POSTed to --login-url; a bearer token in the answer is sent after."""


#: Rules the passive checks can report (on every probe).
PASSIVE_CODES = (
    *("NW301", "NW302", "NW303", "NW304", "NW340", "NW341", "NW342", "NW343", "NW401"),
    *("NW610", "NW630", "NW740", "NW801", "NW802", "NW803", "NW804"),
)
#: Rules only the active checks report (with --active).
ACTIVE_CODES = (
    *("NW101", "NW102", "NW103", "NW104", "NW105", "NW106", "NW111", "NW114", "NW501"),
    *("NW502", "NW540", "NW650", "NW720", "NW741", "NW901"),
)


@dataclass(frozen=True)
class ProbeResult:
    findings: tuple[Finding, ...]
    skips: tuple[Skip, ...]
    requests: int
    seconds: float
    interrupted: bool = False
    rules_run: tuple[str, ...] = ()


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_url(url: str) -> str | None:
    """Why `url` cannot be probed, or None when it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http:// or https:// URL"
    return None


def run_probe(
    options: ProbeOptions, enabled: Callable[[str], bool] = lambda _code: True
) -> ProbeResult:
    started = time.perf_counter()
    results = Results(enabled)
    client = ProbeClient(
        ClientSettings(
            target=options.url,
            scope=options.scope,
            max_requests=options.max_requests,
            concurrency=options.concurrency,
            rate_per_second=options.rate,
            timeout=options.timeout,
            max_body=options.max_body,
            headers=options.headers,
            cookies=options.cookies,
            verify_tls=options.verify_tls,
        )
    )
    client.observer = _passive(results)
    interrupted = False
    try:
        _run(client, options, results)
    except KeyboardInterrupt:
        interrupted = True
        results.skip(options.url, "interrupted (Ctrl-C): findings so far are reported")
    finally:
        client.close()
    _client_skips(client, options, results)
    return ProbeResult(
        findings=results.findings,
        skips=results.skips,
        requests=client.stats.requests,
        seconds=round(time.perf_counter() - started, 3),
        interrupted=interrupted,
        rules_run=tuple(
            code
            for code in (*PASSIVE_CODES, *(ACTIVE_CODES if options.active else ()))
            if enabled(code)
        ),
    )


def _passive(results: Results) -> Callable[[Exchange], None]:
    def inspect(exchange: Exchange) -> None:
        for check in (headers.check, cookies.check, errors.check, sensitive.check, listing.check):
            check(exchange, results)

    return inspect


def _run(client: ProbeClient, options: ProbeOptions, results: Results) -> None:
    first = client.send("GET", options.url)
    if isinstance(first, Failure) and not client.crashed:
        results.skip(options.url, f"cannot probe: {first.kind.value} ({first.detail})")
        client.stats.failures.clear()  # that one skip says it all
        return
    authenticated = bool(options.headers or options.cookies)
    if options.login_url:
        settings = login.LoginSettings(
            login.absolute_login_url(options.url, options.login_url),
            options.login_data,
            options.login_json,
        )
        authenticated = login.log_in(client, settings, results) or authenticated
    base = f"{urlsplit(options.url).scheme}://{urlsplit(options.url).netloc}"
    shapes = (*request_shapes(base, options.routes), *_imported(options, base, results))
    seeds = [options.url, *(base + r.sample for r in options.routes if r.method == "GET")]
    site = crawl(client, seeds) if not client.crashed else SiteMap({}, [], [])
    ctx = ProbeContext(
        client,
        results,
        site,
        authenticated=authenticated,
        max_login_attempts=options.max_login_attempts,
        routes=tuple(r.sample for r in options.routes),
        shapes=shapes,
    )
    steps: list[Callable[[ProbeContext], object]] = [
        cors.check,
        errors.provoke,
        caching.check,
    ]
    if options.active:
        steps += [
            files.check,
            access.check,
            navigation.check,
            injection.check,
            _xss_step(options),
            csrf.check,
            bruteforce.check,  # last: it may trip a limiter that would block later checks
        ]
    for step in steps:
        if client.crashed or client.remaining == 0:
            break
        step(ctx)


def _imported(options: ProbeOptions, base: str, results: Results) -> tuple[RequestShape, ...]:
    """The requests of --openapi; a description that cannot be read is a skip."""
    if options.openapi is None:
        return ()
    try:
        return openapi.load(options.openapi, base)
    except openapi.OpenApiError as error:
        results.skip(str(options.openapi), str(error))
        return ()


def _xss_step(options: ProbeOptions) -> Callable[[ProbeContext], None]:
    def step(ctx: ProbeContext) -> None:
        candidates = xss.check(ctx)
        if options.browser and candidates:
            from nodeward.web import browser  # optional extra: imported only when asked

            for skip in browser.confirm(ctx, candidates):
                ctx.results.skip(skip.target, skip.reason)

    return step


def _worth_a_skip(kind: FailureKind) -> bool:
    """Network trouble becomes a skip; guard refusals are reported once elsewhere."""
    match kind:
        case (
            FailureKind.CONNECT
            | FailureKind.TIMEOUT
            | FailureKind.DROPPED
            | FailureKind.TLS
            | FailureKind.REDIRECT_LOOP
            | FailureKind.INVALID
        ):
            return True
        case FailureKind.OUT_OF_SCOPE | FailureKind.BUDGET | FailureKind.CRASHED:
            return False
        case _:
            assert_never(kind)


def _client_skips(client: ProbeClient, options: ProbeOptions, results: Results) -> None:
    crash = client.stats.crash
    if crash is not None:
        location = HttpLocation(url=crash.request.url, method=crash.request.method)
        finding = APP_CRASH.finding(
            location,
            f"After {crash.request.method} {urlsplit(crash.request.url).path or '/'} the app "
            f"stopped accepting connections ({crash.kind.value}: {crash.detail}); probing "
            "stopped. Catch errors in callbacks and promises and pass them to next(err)",
            evidence=(
                Evidence(
                    location, "the request after which the app went down", crash.request.excerpt()
                ),
            ),
        )
        results.add_finding(finding)
    for kind, failures in client.stats.failures.items():
        if not _worth_a_skip(kind):
            continue
        first = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        results.skip(first.request.url, f"{kind.value}: {first.detail}{more}")
    for origin, target in client.stats.off_scope_redirects[:20]:
        results.skip(origin, f"redirect to {target} not followed: outside the probe's scope")
    if client.remaining == 0:
        results.skip(
            options.url,
            f"request budget of {options.max_requests} used up; raise --max-requests to probe more",
        )
