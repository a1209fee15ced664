"""Server-side request forgery: a canary HTTP server the probe starts on 127.0.0.1 (only
when the target itself is on loopback, so the app can reach it and nothing else is asked to
call out), and an input whose URL the app fetches: the canary sees the request's token."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nodeward.web.checks.attempt import Attempt
from nodeward.web.checks.context import token
from nodeward.web.exchange import Exchange

#: How long to wait for a fetch the app makes after it has answered.
_GRACE_SECONDS = 0.3


class Canary:
    """Records the paths requested from it; answers every request with a short text."""

    def __init__(self) -> None:
        seen: set[str] = set()
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    if len(seen) < 10_000:
                        seen.add(self.path)
                body = b"nodeward canary"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *_: object) -> None:  # keep stderr for nodeward's own output
                pass

        self._seen = seen
        self._lock = lock
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def saw(self, path: str) -> bool:
        """Whether a request for `path` arrived (clients may add a slash or a query)."""
        wanted = f"/{path}"
        with self._lock:
            return any(seen.startswith(wanted) for seen in self._seen)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def canary_for(target: str) -> Iterator[Canary | None]:
    """A running canary when `target` is on loopback, else None."""
    from nodeward.web.probe import is_loopback

    if not is_loopback(target):
        yield None
        return
    try:
        canary = Canary()
    except OSError:
        yield None
        return
    try:
        yield canary
    finally:
        canary.close()


def _fetched(attempt: Attempt, canary: Canary, scheme: bool) -> Exchange | None:
    """The answer to a canary URL (with or without `http://`: some apps add the scheme),
    when the canary then saw the request."""
    path = token("nwssrf")
    url = canary.url(path)
    exchange = attempt.send(url if scheme else url.removeprefix("http://"))
    if exchange is None:
        return None
    deadline = time.monotonic() + _GRACE_SECONDS
    while not canary.saw(path):
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)
    return exchange


def check(attempt: Attempt, *, canary: Canary) -> bool:
    exchange = _fetched(attempt, canary, scheme=True) or _fetched(attempt, canary, scheme=False)
    if exchange is None:
        return False
    return attempt.found(
        "NW106",
        exchange,
        f"The {attempt.point.describe()} makes the server fetch any URL: the probe's canary "
        f"on 127.0.0.1:{canary.port} received the request; allow-list hosts and block "
        "private and loopback addresses",
    )
