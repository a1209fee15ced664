"""The probe's only HTTP client: scope guard, request budget, rate and concurrency limits,
timeouts, a response size cap, redirect handling and crash detection.

Every request any check makes goes through `ProbeClient.send`, so these guarantees hold for
all of them: nothing leaves the target's origin (or `--scope`), nothing exceeds the budget,
and no answer, however slow, large or broken, can hang the probe."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import httpx

from nodeward.web.exchange import (
    Exchange,
    Failure,
    FailureKind,
    Outcome,
    Request,
    Response,
    origin_of,
)

USER_AGENT = "nodeward-probe (+security audit; safe payloads only)"
MAX_REDIRECTS = 10


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


@dataclass
class ClientStats:
    requests: int = 0
    off_scope_redirects: list[tuple[str, str]] = field(default_factory=list)
    """(from URL, to URL) of redirects that left the scope: recorded, never followed."""
    crash: Failure | None = None
    failures: dict[FailureKind, list[Failure]] = field(default_factory=dict)
    """Requests that got no usable answer, by kind (network trouble, loops)."""


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
        self.session_cookies: dict[str, str] = dict(settings.cookies)
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._unanswered: list[tuple[float, Failure]] = []
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
            transport=transport,
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
    def remaining(self) -> int:
        return max(0, self.settings.max_requests - self.stats.requests)

    def _take_budget(self) -> bool:
        with self._lock:
            if self.stats.requests >= self.settings.max_requests:
                return False
            self.stats.requests += 1
            if self.settings.rate_per_second > 0:
                now = time.monotonic()
                slot = max(now, self._next_slot)
                self._next_slot = slot + 1.0 / self.settings.rate_per_second
                wait = slot - now
            else:
                wait = 0.0
        if wait > 0:
            time.sleep(wait)
        return True

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
        seen: set[str] = set()
        for _ in range(MAX_REDIRECTS + 1):
            outcome = self._send_one(request)
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
        """Run independent request jobs `concurrency` at a time; Ctrl-C cancels the rest."""
        pool = ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency))
        try:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _send_one(self, request: Request) -> Outcome:
        if self.crashed:
            return Failure(request, FailureKind.CRASHED, "probing stopped")
        if not self.in_scope(request.url):
            return Failure(request, FailureKind.OUT_OF_SCOPE, f"{origin_of(request.url)}")
        if not self._take_budget():
            return Failure(request, FailureKind.BUDGET, f"{self.settings.max_requests} requests")
        started = time.monotonic()
        outcome = self._transfer(request)
        if isinstance(outcome, Failure):
            with self._lock:
                self.stats.failures.setdefault(outcome.kind, []).append(outcome)
        if isinstance(outcome, Exchange) and self.observer is not None:
            self.observer(outcome)
        if isinstance(outcome, Failure) and outcome.kind in (
            FailureKind.DROPPED,
            FailureKind.TIMEOUT,
        ):
            with self._lock:
                self._unanswered.append((started, outcome))
            self._check_alive()
        return outcome

    def _transfer(self, request: Request) -> Outcome:
        deadline = time.monotonic() + self.settings.timeout * 2
        try:
            with self._http.stream(
                request.method, request.url, headers=list(request.headers), content=request.body
            ) as answer:
                body = bytearray()
                truncated = False
                for chunk in answer.iter_raw():
                    body += chunk
                    if len(body) > self.settings.max_body:
                        del body[self.settings.max_body :]
                        truncated = True
                        break
                    if time.monotonic() > deadline:  # a trickling server cannot hold us
                        truncated = True
                        break
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
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
            return Failure(request, FailureKind.DROPPED, str(error)[:200] or type(error).__name__)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as error:
            return Failure(request, FailureKind.INVALID, str(error)[:200])
        return Exchange(request, response)

    def _check_alive(self) -> None:
        """After a dropped or unanswered request, see whether the app still accepts
        connections. It accepted that request's connection, so if it now refuses them, a
        request crashed it: of the requests in flight that got no answer, the one sent
        first (the others were cut off when the process died)."""
        if self.crashed:
            return
        for _ in range(3):
            time.sleep(0.3)
            try:
                self._http.get(self.settings.target, timeout=2.0)
            except httpx.ConnectError:
                continue
            except httpx.HTTPError:
                pass  # still accepting connections: slow or dropped, not down
            with self._lock:
                self._unanswered.clear()  # alive: those failures were not a crash
            return
        with self._lock:
            if self.stats.crash is None and self._unanswered:
                self.stats.crash = min(self._unanswered, key=lambda pair: pair[0])[1]


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
