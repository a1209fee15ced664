"""The probe's only HTTP client: scope guard, safety policy, request budget, time limit,
rate and concurrency limits, timeouts, a response size cap, redirect handling, the target's
health and crash detection.

Every request any check makes goes through `ProbeClient.send`, so these guarantees hold for
all of them: nothing leaves the target's origin (or `--scope`), nothing state-changing is
sent unless the user allowed it, nothing exceeds the budget or `--max-time`, and no answer,
however slow, large or broken, can hang the probe."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import httpx

from nodeward.stopping import Terminated
from nodeward.web.coverage import CoverageRecorder
from nodeward.web.deadline import DeadlineTransport, deadline
from nodeward.web.exchange import (
    Exchange,
    Failure,
    FailureKind,
    Outcome,
    Request,
    Response,
    origin_of,
)
from nodeward.web.health import Degradation, HealthMonitor
from nodeward.web.safety import SafetyPolicy

USER_AGENT = "nodeward-probe (+security audit; safe payloads only)"
MAX_REDIRECTS = 10
#: The session cookie jar's bounds (a login that sets 10,000 cookies must not make every
#: later request carry them).
MAX_COOKIES = 200
MAX_COOKIE_SIZE = 4096


@dataclass(frozen=True)
class ClientSettings:
    target: str
    scope: tuple[str, ...] = ()
    """Further origins (scheme://host[:port]) the probe may contact besides the target's."""
    max_requests: int = 2000
    concurrency: int = 8
    rate_per_second: float = 0.0
    """0 means no rate limit beyond `concurrency`."""
    timeout: float = 10.0
    max_body: int = 1_000_000
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()
    verify_tls: bool = True
    policy: SafetyPolicy = field(default_factory=SafetyPolicy)
    max_time: float = 600.0
    """Seconds the whole probe may take; 0 means no limit."""


class StopReason(Enum):
    TIME = "--max-time reached"
    INTERRUPTED = "interrupted"
    TERMINATED = "terminated"
    DEGRADED = "target degraded"


@dataclass
class ClientStats:
    requests: int = 0
    off_scope_redirects: list[tuple[str, str]] = field(default_factory=list)
    """(from URL, to URL) of redirects that left the scope: recorded, never followed."""
    crash: Failure | None = None
    failures: dict[FailureKind, list[Failure]] = field(default_factory=dict)
    """Requests that got no usable answer, by kind (network trouble, loops)."""
    crash_candidates: tuple[Request, ...] = ()
    """Every request that got no answer when the app went down, in sending order."""
    degraded: Degradation | None = None
    stopped: StopReason | None = None
    """Why the probe stopped sending."""
    cookie_notes: list[str] = field(default_factory=list)


class _NoCookies(DefaultCookiePolicy):
    """httpx must not keep cookies between requests: the probe decides per request which
    session (if any) a request carries, e.g. to test an admin page without one."""

    def set_ok(self, cookie: object, request: object) -> bool:
        return False


class ProbeClient:
    def __init__(
        self, settings: ClientSettings, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.origin = origin_of(settings.target)
        self._allowed = {self.origin, *(origin_of(s) for s in settings.scope)}
        self.stats = ClientStats()
        self.session_cookies: dict[str, str] = {}
        self._lock = threading.Lock()
        self.add_session_cookies(settings.cookies, "--cookie")
        self._next_slot = 0.0
        self._unanswered: list[tuple[int, Failure]] = []
        self._answered_once = False
        self._started = time.monotonic()
        self.health = HealthMonitor()
        self.coverage = CoverageRecorder()
        self.observer: Callable[[Exchange], None] | None = None
        """Called with every exchange: the passive checks read every response."""
        self.session_headers: dict[str, str] = {}
        """Headers a login obtained (a bearer token), sent with authenticated requests."""
        self.relogin: Callable[[Exchange], bool] | None = None
        """Given an authenticated answer, logs in again when it shows the session is gone;
        True when it did, and the request is sent once more (see web/login.py)."""
        timeout = httpx.Timeout(settings.timeout, connect=min(5.0, settings.timeout))
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            verify=settings.verify_tls,
            cookies=CookieJar(policy=_NoCookies()),
            headers={"user-agent": USER_AGENT},
            transport=transport or DeadlineTransport(verify=settings.verify_tls),
            trust_env=False,  # never route through a proxy from the environment
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProbeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- scope and budget ------------------------------------------------------------------

    def in_scope(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and origin_of(url) in self._allowed

    @property
    def crashed(self) -> bool:
        return self.stats.crash is not None

    @property
    def halted(self) -> bool:
        """Nothing more will be sent: crashed, stopped, degraded or out of budget."""
        return self.crashed or self.stats.stopped is not None or self.remaining == 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def stop(self, reason: StopReason) -> None:
        """Send nothing more; the first reason given is the one reported."""
        with self._lock:
            if self.stats.stopped is None:
                self.stats.stopped = reason

    def _time_left(self) -> float:
        if self.settings.max_time <= 0:
            return float("inf")
        return self.settings.max_time - self.elapsed

    def refusal(self, method: str, url: str) -> str | None:
        """Why the safety policy forbids this request, or None: checks that need a
        state change ask first, to skip with the reason."""
        return self.settings.policy.refusal(method, url)

    def add_session_cookies(self, pairs: Iterable[tuple[str, str]], source: str) -> None:
        """Keep at most MAX_COOKIES cookies of at most MAX_COOKIE_SIZE bytes each; the
        rest are ignored with a note."""
        dropped_count = dropped_size = 0
        with self._lock:
            for name, value in pairs:
                if len(name) + len(value) > MAX_COOKIE_SIZE:
                    dropped_size += 1
                elif name in self.session_cookies or len(self.session_cookies) < MAX_COOKIES:
                    self.session_cookies[name] = value
                else:
                    dropped_count += 1
            if dropped_count:
                self.stats.cookie_notes.append(
                    f"{dropped_count} cookies from {source} ignored: the session keeps at "
                    f"most {MAX_COOKIES}"
                )
            if dropped_size:
                self.stats.cookie_notes.append(
                    f"{dropped_size} cookies from {source} ignored: larger than "
                    f"{MAX_COOKIE_SIZE} bytes"
                )

    @property
    def remaining(self) -> int:
        return max(0, self.settings.max_requests - self.stats.requests)

    def _take_budget(self) -> int | None:
        """The request's number in sending order, or None when the budget is spent."""
        with self._lock:
            if self.stats.requests >= self.settings.max_requests:
                return None
            self.stats.requests += 1
            number = self.stats.requests
            if self.settings.rate_per_second > 0:
                now = time.monotonic()
                slot = max(now, self._next_slot)
                self._next_slot = slot + 1.0 / self.settings.rate_per_second
                wait = slot - now
            else:
                wait = 0.0
        if wait > 0:
            time.sleep(min(wait, max(0.0, self._time_left())))
        return number

    # -- sending ---------------------------------------------------------------------------

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes = b"",
        headers: Sequence[tuple[str, str]] = (),
        authenticated: bool = True,
        follow_redirects: bool = True,
    ) -> Outcome:
        """One request (plus same-scope redirects when asked). Never raises for network
        trouble: failures come back as `Failure`. An authenticated request whose session
        turns out lost is sent again after a re-login."""
        outcome = self._send(method, url, body, headers, authenticated, follow_redirects)
        relogin = self.relogin
        if (
            authenticated
            and relogin is not None
            and isinstance(outcome, Exchange)
            and relogin(outcome)
        ):
            outcome = self._send(method, url, body, headers, authenticated, follow_redirects)
        return outcome

    def _send(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: Sequence[tuple[str, str]],
        authenticated: bool,
        follow_redirects: bool,
    ) -> Outcome:
        all_headers = list(self.settings.headers) if authenticated else []
        if authenticated:
            all_headers += self.session_headers.items()
        all_headers += headers
        if authenticated and self.session_cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.session_cookies.items())
            all_headers.append(("Cookie", jar))
        request = Request(method.upper(), url, tuple(all_headers), body)
        with_session = authenticated and self.has_session
        seen: set[str] = set()
        for _ in range(MAX_REDIRECTS + 1):
            outcome = self._send_one(request, with_session)
            if isinstance(outcome, Failure) or not follow_redirects:
                return outcome
            location = outcome.response.header("location")
            if outcome.response.status not in (301, 302, 303, 307, 308) or not location:
                return outcome
            seen.add(request.url)
            target = urljoin(request.url, location)
            if not self.in_scope(target):
                with self._lock:
                    self.stats.off_scope_redirects.append((request.url, target))
                return outcome
            if target in seen:
                loop = Failure(request, FailureKind.REDIRECT_LOOP, f"{request.url} -> {target}")
                with self._lock:
                    self.stats.failures.setdefault(loop.kind, []).append(loop)
                return loop
            keep_body = outcome.response.status in (307, 308)
            request = Request(
                request.method if keep_body else "GET",
                target,
                request.headers,
                request.body if keep_body else b"",
            )
        return Failure(request, FailureKind.REDIRECT_LOOP, f"more than {MAX_REDIRECTS} redirects")

    def send_many(self, jobs: Iterable[Callable[[], None]]) -> None:
        """Run independent request jobs `concurrency` at a time; Ctrl-C cancels the rest
        (the jobs still running get a refusal for every further request)."""
        pool = ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency))
        try:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
        except KeyboardInterrupt as interrupt:
            terminated = isinstance(interrupt, Terminated)
            self.stop(StopReason.TERMINATED if terminated else StopReason.INTERRUPTED)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    @property
    def has_session(self) -> bool:
        """Whether authenticated requests carry anything: a login's cookie or token,
        --header or --cookie."""
        return bool(self.session_cookies or self.session_headers or self.settings.headers)

    def _send_one(self, request: Request, with_session: bool = False) -> Outcome:
        if self.crashed:
            return Failure(request, FailureKind.CRASHED, "probing stopped")
        if self.stats.stopped is not None:
            return Failure(request, FailureKind.STOPPED, self.stats.stopped.value)
        if not self.in_scope(request.url):
            return Failure(request, FailureKind.OUT_OF_SCOPE, f"{origin_of(request.url)}")
        refusal = self.settings.policy.refusal(request.method, request.url)
        if refusal is not None:
            self.coverage.refused(request, refusal)
            return Failure(request, FailureKind.UNSAFE, refusal)
        if self._time_left() <= 0:
            self.stop(StopReason.TIME)
            return Failure(request, FailureKind.STOPPED, StopReason.TIME.value)
        number = self._take_budget()
        if number is None:
            return Failure(request, FailureKind.BUDGET, f"{self.settings.max_requests} requests")
        self.health.sent(number, request)
        self.coverage.sent(request, with_session)
        outcome = self._transfer(request)
        if isinstance(outcome, Failure) and self._time_left() <= 0:
            self.stop(StopReason.TIME)  # cut by --max-time: not the target's fault
            return Failure(request, FailureKind.STOPPED, StopReason.TIME.value)
        if isinstance(outcome, Failure):
            with self._lock:
                self.stats.failures.setdefault(outcome.kind, []).append(outcome)
        if isinstance(outcome, Exchange) and self.observer is not None:
            self.observer(outcome)
        self._track_health(number, outcome)
        if isinstance(outcome, Exchange):
            self._answered_once = True
        elif outcome.kind in (FailureKind.DROPPED, FailureKind.TIMEOUT) or (
            outcome.kind is FailureKind.CONNECT and self._answered_once
        ):
            with self._lock:
                self._unanswered.append((number, outcome))
            self._check_alive()
        return outcome

    def _track_health(self, number: int, outcome: Outcome) -> None:
        if isinstance(outcome, Exchange):
            bad = outcome.response.status >= 500
        else:
            bad = outcome.kind in (FailureKind.CONNECT, FailureKind.DROPPED, FailureKind.TIMEOUT)
        degraded = self.health.answered(number, outcome.request, bad=bad)
        if degraded is not None and self.target_answers_well():
            # The start page is fine: the errors belong to the URLs or payloads tried (an
            # endpoint that answers 500 to every bad input), not to a target going down.
            self.health.reset()
            return
        if degraded is not None:
            with self._lock:
                if self.stats.degraded is None:
                    self.stats.degraded = degraded
            self.stop(StopReason.DEGRADED)

    def _transfer(self, request: Request) -> Outcome:
        limit = min(self.settings.timeout, max(0.0, self._time_left()))
        with deadline(time.monotonic() + limit):
            return self._transfer_within(request, time.monotonic() + limit)

    def _transfer_within(self, request: Request, until: float) -> Outcome:
        try:
            with self._http.stream(
                request.method, request.url, headers=list(request.headers), content=request.body
            ) as answer:
                body = bytearray()
                truncated = False
                try:
                    for chunk in answer.iter_raw():
                        body += chunk
                        if len(body) > self.settings.max_body:
                            del body[self.settings.max_body :]
                            truncated = True
                            break
                        if time.monotonic() > until:  # a trickling server cannot hold us
                            truncated = True
                            break
                except httpx.TimeoutException:
                    truncated = True  # the body trickled past the deadline: keep what came
                body_bytes = _decode(bytes(body), answer.headers.get("content-encoding"))
                response = Response(
                    status=answer.status_code,
                    url=str(answer.url),
                    headers=tuple((k.lower(), v) for k, v in answer.headers.multi_items()),
                    body=body_bytes,
                    truncated=truncated,
                )
        except httpx.TimeoutException as error:
            return Failure(request, FailureKind.TIMEOUT, type(error).__name__)
        except httpx.ConnectError as error:
            if isinstance(error.__cause__, ssl.SSLError) or "SSL" in str(error):
                return Failure(request, FailureKind.TLS, str(error)[:200])
            return Failure(request, FailureKind.CONNECT, str(error)[:200] or "refused")
        except httpx.RemoteProtocolError as error:
            if "Receive buffer too long" in str(error):  # h11's bound on headers (100 KB)
                return Failure(request, FailureKind.TOO_LARGE, "more than 100 KB of headers")
            return Failure(request, FailureKind.DROPPED, str(error)[:200] or type(error).__name__)
        except (httpx.ReadError, httpx.WriteError) as error:
            return Failure(request, FailureKind.DROPPED, str(error)[:200] or type(error).__name__)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
            return Failure(request, FailureKind.INVALID, str(error)[:200])
        return Exchange(request, response)

    def accepts_connections(self, attempts: int = 3, pause: float = 0.3) -> bool:
        for _ in range(attempts):
            time.sleep(pause)
            try:
                with deadline(time.monotonic() + 2.0):
                    self._http.get(self.settings.target, timeout=2.0)
            except httpx.ConnectError:
                continue
            except httpx.HTTPError:
                pass  # still accepting connections: slow or dropped, not down
            return True
        return False

    def target_answers_well(self) -> bool:
        """The start URL answers below 500 (used to see a degraded target recover)."""
        try:
            with deadline(time.monotonic() + 5.0):
                return self._http.get(self.settings.target, timeout=5.0).status_code < 500
        except httpx.HTTPError:
            return False

    def replay_breaks_target(
        self, request: Request, healthy: Callable[[], bool], wait: float = 10.0
    ) -> bool | None:
        """--confirm-crash: once the target is `healthy` again, send `request` alone and see
        whether it stops being healthy. None when it never recovered (nothing replayed)."""
        until = time.monotonic() + wait
        while not healthy():
            if time.monotonic() > until:
                return None
            time.sleep(0.5)
        with self._lock:
            self.stats.requests += 1
        try:
            with deadline(time.monotonic() + self.settings.timeout):
                self._http.request(
                    request.method,
                    request.url,
                    headers=list(request.headers),
                    content=request.body,
                )
        except httpx.HTTPError:
            pass
        return not healthy()

    def _check_alive(self) -> None:
        """After a dropped, unanswered or refused request, see whether the app still accepts
        connections. If it does not, a request crashed it: the last one, in sending order,
        whose connection was cut (the app died while handling it; a slow request sent earlier
        and cut off with it is a bystander, so not the oldest one in flight). When no
        connection was cut, only refused, the request sent just before the first refused one.
        The other cut-off requests are kept as candidates for --confirm-crash."""
        if self.crashed:
            return
        if self.accepts_connections():
            with self._lock:
                self._unanswered.clear()  # alive: those failures were not a crash
            return
        with self._lock:
            if self.stats.crash is not None or not self._unanswered:
                return
            ordered = sorted(self._unanswered, key=lambda pair: pair[0])
            first_refused = next((n for n, f in ordered if f.kind is FailureKind.CONNECT), None)
            # Sending order is not arrival order: a request refused may have been sent
            # before the one that killed the app, so every cut-off request is a candidate.
            cut_off = [f for _, f in ordered if f.kind is not FailureKind.CONNECT]
            before = self.health.request(first_refused - 1) if first_refused else None
            if cut_off:
                crash = cut_off[-1]
            elif before is not None:
                detail = "it was answered, and the next request found the app down"
                crash = Failure(before, FailureKind.CRASHED, detail)
            else:
                crash = ordered[0][1]
            self.stats.crash = crash
            others = [f.request for f in reversed(cut_off) if f.request != crash.request]
            self.stats.crash_candidates = (crash.request, *others)


def _decode(raw: bytes, encoding: str | None) -> bytes:
    """Undo gzip/deflate; a capped (partial) stream decodes as far as it goes."""
    if not encoding or encoding.strip().lower() not in ("gzip", "deflate"):
        return raw
    import zlib

    wbits = 16 + zlib.MAX_WBITS if encoding.strip().lower() == "gzip" else zlib.MAX_WBITS
    try:
        return zlib.decompressobj(wbits).decompress(raw, 4_000_000)
    except zlib.error:
        return raw
