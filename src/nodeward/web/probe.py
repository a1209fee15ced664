"""Orchestration of the live probe: log in, crawl, passive checks on every response, active
checks when allowed, then findings, skips and the coverage table. Ctrl-C, --max-time and a
degraded or crashed target end the probe early; what was found so far is still reported."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import assert_never
from urllib.parse import urlsplit

from nodeward import progress
from nodeward.catalog.probe import APP_CRASH
from nodeward.findings import (
    Evidence,
    Finding,
    HttpLocation,
    ProbeCoverage,
    Skip,
    Unevaluated,
)
from nodeward.stopping import Terminated
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
from nodeward.web.client import ClientSettings, ProbeClient, StopReason
from nodeward.web.crawl import SiteMap, crawl, merged
from nodeward.web.exchange import Exchange, Failure, FailureKind, Request
from nodeward.web.inputs import RequestShape
from nodeward.web.results import Results
from nodeward.web.routes import StaticRoute, guarded_paths, request_shapes
from nodeward.web.safety import SafetyPolicy


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
    max_time: float = 600.0
    allow_unsafe: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    confirm_crash: bool = False

    @property
    def login_target(self) -> str | None:
        """The URL the login (and every re-login) POSTs to: the policy trusts exactly it."""
        if not self.login_url:
            return None
        return login.absolute_login_url(self.url, self.login_url)

    def policy(self) -> SafetyPolicy:
        """Raises ValueError for an invalid pattern."""
        return SafetyPolicy.build(
            active=self.active,
            allow_unsafe=self.allow_unsafe,
            allow_methods=self.allow_methods,
            include=self.include,
            exclude=self.exclude,
            trusted=(self.login_target,) if self.login_target else (),
        )


#: Rules the passive checks can report (on every probe).
PASSIVE_CODES = (
    *("NW301", "NW302", "NW303", "NW304", "NW340", "NW341", "NW342", "NW343", "NW401"),
    *("NW610", "NW630", "NW740", "NW801", "NW802", "NW803", "NW804"),
)
#: Rules only the active checks report (with --active).
ACTIVE_CODES = (
    *("NW101", "NW102", "NW103", "NW104", "NW105", "NW106", "NW110", "NW111", "NW114"),
    *("NW501", "NW502", "NW540", "NW650", "NW720", "NW741", "NW901"),
)


@dataclass(frozen=True)
class ProbeResult:
    findings: tuple[Finding, ...]
    skips: tuple[Skip, ...]
    requests: int
    seconds: float
    interrupted: bool = False
    rules_run: tuple[str, ...] = ()
    coverage: ProbeCoverage | None = None
    unevaluated: tuple[Unevaluated, ...] = ()
    """Rules whose checks could not run (e.g. CSRF without --allow-unsafe), with why."""


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
    options: ProbeOptions,
    enabled: Callable[[str], bool] = lambda _code: True,
    *,
    quiet: bool = True,
) -> ProbeResult:
    """`quiet=False` draws progress (requests answered, out of the budget) on a terminal."""
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
            policy=options.policy(),
            max_time=options.max_time,
        )
    )
    passive = _passive(results)
    interrupted = False
    budget = options.max_requests
    try:
        with progress.task("probe", budget, unit="requests", quiet=quiet) as advance:

            def observe(exchange: Exchange) -> None:
                passive(exchange)
                advance(1)

            client.observer = observe
            _run(client, options, results)
    except KeyboardInterrupt as interrupt:
        interrupted = True
        terminated = isinstance(interrupt, Terminated)
        client.stop(StopReason.TERMINATED if terminated else StopReason.INTERRUPTED)
    try:
        _client_skips(client, options, results)
    finally:
        client.close()
    seconds = round(time.perf_counter() - started, 3)
    stopped = _stop_message(client, options)
    if stopped is not None:
        results.skip(options.url, stopped)
    mode = " ".join(options.policy().explain())
    return ProbeResult(
        findings=results.findings,
        skips=results.skips,
        requests=client.stats.requests,
        seconds=seconds,
        interrupted=interrupted,
        rules_run=tuple(
            code
            for code in (*PASSIVE_CODES, *(ACTIVE_CODES if options.active else ()))
            if enabled(code)
        ),
        unevaluated=results.unevaluated,
        coverage=client.coverage.build(options.url, mode, client.stats.requests, seconds, stopped),
    )


def _stop_message(client: ProbeClient, options: ProbeOptions) -> str | None:
    """Why the probe ended early, as the report says it, or None."""
    count = client.stats.requests
    sent = f"{count} request{'s' if count != 1 else ''}"
    match client.stats.stopped:
        case None:
            return None
        case StopReason.TIME:
            return (
                f"probe stopped after {options.max_time:g} s (--max-time): {sent} sent, "
                "partial results"
            )
        case StopReason.INTERRUPTED:
            return f"interrupted (Ctrl-C) after {sent}: partial results"
        case StopReason.TERMINATED:
            return f"terminated (SIGTERM) after {sent}: partial results"
        case StopReason.DEGRADED:
            degraded = client.stats.degraded
            if degraded is None:  # set together with the reason
                return f"target degraded after {sent}: partial results"
            culprit = degraded.culprit or degraded.first_failure
            return (
                f"target degraded after request {degraded.culprit_number} "
                f"({culprit.method} {culprit.url}): {degraded.bad} of the last "
                f"{degraded.window} answers were server errors or failed connections; "
                f"probing stopped after {sent}, partial results"
            )
        case _:
            assert_never(client.stats.stopped)


def _passive(results: Results) -> Callable[[Exchange], None]:
    def inspect(exchange: Exchange) -> None:
        for check in (headers.check, cookies.check, errors.check, sensitive.check, listing.check):
            check(exchange, results)

    return inspect


def _run(client: ProbeClient, options: ProbeOptions, results: Results) -> None:
    client.coverage.begin("crawl")
    first = client.send("GET", options.url)
    if isinstance(first, Failure) and not client.crashed:
        if first.kind is not FailureKind.STOPPED:
            results.skip(options.url, f"cannot probe: {first.kind.value} ({first.detail})")
        client.stats.failures.clear()  # that one skip says it all
        return
    authenticated = bool(options.headers or options.cookies)
    client.coverage.guarded = guarded_paths(options.routes)
    login_target = options.login_target
    if login_target:
        client.coverage.begin("login")
        settings = login.LoginSettings(
            login_target,
            options.login_data,
            options.login_json,
        )
        authenticated = login.log_in(client, settings, results) or authenticated
        client.coverage.begin("crawl")
    base = f"{urlsplit(options.url).scheme}://{urlsplit(options.url).netloc}"
    shapes = (*request_shapes(base, options.routes), *_imported(options, base, results))
    seeds = [options.url, *(base + r.sample for r in options.routes if r.method == "GET")]
    site = crawl(client, seeds) if not client.halted else SiteMap({}, [], [])
    if options.browser and not client.halted:
        site = _rendered(client, site, results)
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
        if client.halted:
            break
        client.coverage.begin(_stage_name(step))
        step(ctx)


def _rendered(client: ProbeClient, site: SiteMap, results: Results) -> SiteMap:
    """--browser: the crawled HTML pages rendered in Chromium; the links and forms their
    scripts built are crawled and probed too."""
    from nodeward.web import browser  # optional extra: imported only when asked

    client.coverage.begin("browser")
    pages = [url for url, exchange in site.pages.items() if exchange.response.is_html]
    links, forms, skips = browser.discover(client, pages)
    for skip in skips:
        results.skip(skip.target, skip.reason)
    new = [link for link in dict.fromkeys(links) if link not in site.pages]
    known = set(site.forms)
    built = [form for form in dict.fromkeys(forms) if form not in known]
    return merged(site, crawl(client, new) if new else SiteMap({}, [], []), built)


def _stage_name(step: Callable[[ProbeContext], object]) -> str:
    """`nodeward.web.checks.csrf.check` -> "csrf"; `errors.provoke` -> "errors"."""
    module = getattr(step, "__module__", "") or ""
    name = module.rsplit(".", 1)[-1]
    return "xss" if name == "probe" else name


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
            | FailureKind.TOO_LARGE
        ):
            return True
        case (
            FailureKind.OUT_OF_SCOPE
            | FailureKind.BUDGET
            | FailureKind.CRASHED
            | FailureKind.UNSAFE
            | FailureKind.STOPPED
        ):
            return False
        case _:
            assert_never(kind)


def _crash_finding(client: ProbeClient, options: ProbeOptions) -> Finding | None:
    crash = client.stats.crash
    if crash is None:
        return None
    candidates = client.stats.crash_candidates or (crash.request,)
    culprit, confirmed, note = crash.request, False, ""
    if options.confirm_crash:
        culprit, confirmed, note = _confirm(client, candidates)
    elif len(candidates) > 1:
        note = (
            f" ({len(candidates)} requests were unanswered when it went down; the last one "
            "sent is named, --confirm-crash replays them one at a time to tell which)"
        )
    else:
        note = " (not replayed: --confirm-crash replays it once the app is back)"
    location = HttpLocation(url=culprit.url, method=culprit.method)
    finding = APP_CRASH.finding(
        location,
        f"After {culprit.method} {urlsplit(culprit.url).path or '/'} the app "
        f"stopped accepting connections ({crash.kind.value}: {crash.detail}); probing "
        f"stopped{note}. Catch errors in callbacks and promises and pass them to next(err)",
        evidence=tuple(
            Evidence(
                HttpLocation(url=r.url, method=r.method),
                "the request after which the app went down"
                if r == culprit
                else "also unanswered when the app went down",
                r.excerpt(),
            )
            for r in (culprit, *(c for c in candidates[:5] if c != culprit))
        ),
    )
    return replace(finding, confirmed=confirmed) if confirmed else finding


def _confirm(client: ProbeClient, candidates: tuple[Request, ...]) -> tuple[Request, bool, str]:
    """Replay the unanswered requests one at a time, in sending order, once the app is back:
    the one after which it goes down again is the cause."""
    for candidate in candidates[:5]:
        broke = client.replay_breaks_target(candidate, client.accepts_connections)
        if broke is None:
            return candidates[0], False, " (not confirmed: the app did not come back)"
        if broke:
            return candidate, True, "; replayed alone, it took the app down again"
    return candidates[0], False, " (not reproduced when replayed alone)"


def _degraded_finding(client: ProbeClient, options: ProbeOptions) -> Finding | None:
    degraded = client.stats.degraded
    if degraded is None or degraded.culprit is None or not options.confirm_crash:
        return None
    broke = client.replay_breaks_target(degraded.culprit, client.target_answers_well)
    if not broke:
        return None
    culprit = degraded.culprit
    location = HttpLocation(url=culprit.url, method=culprit.method)
    finding = APP_CRASH.finding(
        location,
        f"After {culprit.method} {urlsplit(culprit.url).path or '/'} the app answered "
        "server errors to most requests; replayed alone once it had recovered, it did so "
        "again. Catch errors in callbacks and promises and pass them to next(err)",
        evidence=(
            Evidence(location, "the request after which the app degraded", culprit.excerpt()),
        ),
    )
    return replace(finding, confirmed=True)


def _client_skips(client: ProbeClient, options: ProbeOptions, results: Results) -> None:
    for finding in (_crash_finding(client, options), _degraded_finding(client, options)):
        if finding is not None:
            results.add_finding(finding)
    for note in client.stats.cookie_notes:
        results.skip(options.url, note)
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
