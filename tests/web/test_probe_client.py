"""The probe's HTTP client against a tiny stdlib server on 127.0.0.1: scope guard, request
budget, size cap, timeouts, redirects, dropped connections and crash detection."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nodeward.web.client import ClientSettings, ProbeClient
from nodeward.web.exchange import Exchange, Failure, FailureKind, Request, Response, redact
from nodeward.web.probe import ProbeOptions, run_probe


class _Handler(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared log of paths the server saw
    server_version = "test-server"  # no version number: NW341 stays quiet
    sys_version = ""

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:
        _Handler.hits.append(self.path)
        match self.path:
            case "/big":
                self._send(200, b"x" * 5_000_000, "application/octet-stream")
            case "/slow":
                time.sleep(1.5)
                self._send(200, b"late")
            case "/loop":
                self._redirect("/loop2")
            case "/loop2":
                self._redirect("/loop")
            case "/away":
                self._redirect("http://nodeward-elsewhere.invalid/")
            case "/hop":
                self._redirect("/")
            case "/cut":
                self.connection.shutdown(socket.SHUT_RDWR)
            case _:
                self._send(200, b"<html>ok</html>", "text/html")

    def _send(self, status: int, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    _Handler.hits = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _client(target: str, **settings: object) -> ProbeClient:
    return ProbeClient(ClientSettings(target=target, **settings))  # type: ignore[arg-type]


def test_other_origins_are_never_contacted(server: str) -> None:
    with _client(server + "/") as client:
        outcome = client.send("GET", "http://127.0.0.2:1/")
        assert isinstance(outcome, Failure) and outcome.kind is FailureKind.OUT_OF_SCOPE
        other_port = server.rsplit(":", 1)[0] + ":1/"
        outcome = client.send("GET", other_port)
        assert isinstance(outcome, Failure) and outcome.kind is FailureKind.OUT_OF_SCOPE
        assert client.stats.requests == 0


def test_redirect_elsewhere_is_recorded_not_followed(server: str) -> None:
    with _client(server + "/") as client:
        outcome = client.send("GET", server + "/away")
        assert isinstance(outcome, Exchange) and outcome.response.status == 302
        assert client.stats.off_scope_redirects == [
            (server + "/away", "http://nodeward-elsewhere.invalid/")
        ]
        followed = client.send("GET", server + "/hop")
        assert isinstance(followed, Exchange) and followed.response.status == 200
        assert _Handler.hits == ["/away", "/hop", "/"]


def test_scope_widens_with_extra_origins(server: str) -> None:
    with _client("http://127.0.0.9:9/", scope=(server,)) as client:
        outcome = client.send("GET", server + "/")
        assert isinstance(outcome, Exchange) and outcome.response.status == 200


def test_budget_is_a_hard_limit(server: str) -> None:
    with _client(server + "/", max_requests=3) as client:
        outcomes = [client.send("GET", server + f"/{n}") for n in range(5)]
    kinds = [o.kind if isinstance(o, Failure) else o.response.status for o in outcomes]
    assert kinds == [200, 200, 200, FailureKind.BUDGET, FailureKind.BUDGET]
    assert len(_Handler.hits) == 3


def test_budget_counts_redirect_hops(server: str) -> None:
    with _client(server + "/", max_requests=2) as client:
        assert isinstance(client.send("GET", server + "/hop"), Exchange)
        assert client.remaining == 0


def test_size_cap_truncates_huge_bodies(server: str) -> None:
    with _client(server + "/", max_body=10_000) as client:
        outcome = client.send("GET", server + "/big")
    assert isinstance(outcome, Exchange)
    assert outcome.response.truncated
    assert len(outcome.response.body) == 10_000


def test_slow_answers_time_out(server: str) -> None:
    with _client(server + "/", timeout=0.3) as client:
        outcome = client.send("GET", server + "/slow")
        assert isinstance(outcome, Failure) and outcome.kind is FailureKind.TIMEOUT
        assert not client.crashed  # the server still accepts connections


def test_redirect_loops_end(server: str) -> None:
    with _client(server + "/") as client:
        outcome = client.send("GET", server + "/loop")
    assert isinstance(outcome, Failure) and outcome.kind is FailureKind.REDIRECT_LOOP


def test_dropped_connection_is_a_failure_not_a_crash(server: str) -> None:
    with _client(server + "/") as client:
        outcome = client.send("GET", server + "/cut")
        assert isinstance(outcome, Failure) and outcome.kind is FailureKind.DROPPED
        assert not client.crashed


def test_unreachable_host_is_a_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        with _client(f"http://127.0.0.1:{port}/") as client:
            outcome = client.send("GET", f"http://127.0.0.1:{port}/")
    assert isinstance(outcome, Failure) and outcome.kind is FailureKind.CONNECT


def test_tls_error_is_a_failure(server: str) -> None:
    https = server.replace("http://", "https://")
    with _client(https + "/") as client:
        outcome = client.send("GET", https + "/")
    assert isinstance(outcome, Failure)
    assert outcome.kind in (FailureKind.TLS, FailureKind.DROPPED, FailureKind.CONNECT)


def test_a_request_that_kills_the_server_is_a_crash() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def die_on_first_request() -> None:
        connection, _ = listener.accept()
        connection.recv(4096)
        listener.close()  # the "process" is gone: later connections are refused
        connection.close()

    thread = threading.Thread(target=die_on_first_request, daemon=True)
    thread.start()
    with _client(f"http://127.0.0.1:{port}/") as client:
        outcome = client.send("GET", f"http://127.0.0.1:{port}/boom")
        assert isinstance(outcome, Failure) and outcome.kind is FailureKind.DROPPED
        assert client.crashed
        assert client.stats.crash is not None
        assert client.stats.crash.request.url.endswith("/boom")
        after = client.send("GET", f"http://127.0.0.1:{port}/")
        assert isinstance(after, Failure) and after.kind is FailureKind.CRASHED
    thread.join(timeout=5)


def test_excerpts_redact_secrets() -> None:
    request = Request("GET", "http://127.0.0.1/", (("Cookie", "sid=abc"), ("X-Test", "1")))
    assert request.excerpt() == "GET http://127.0.0.1/\nCookie: [redacted]\nX-Test: 1"
    bcrypt = "$2b$10$" + "a" * 53
    response = Response(
        200,
        "http://127.0.0.1/",
        (("set-cookie", "connect.sid=s%3Asecret; Path=/; HttpOnly"),),
        f'{{"hash": "{bcrypt}"}}'.encode(),
    )
    text = response.excerpt()
    assert "secret" not in text and "connect.sid=[redacted]; Path=/; HttpOnly" in text
    assert bcrypt not in text
    assert redact("token=abcdef123") == "token=ab…[redacted]"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/loop", "cannot probe: redirect loop"),
        ("/cut", "cannot probe: connection dropped"),
        ("/slow", "cannot probe: timed out"),
    ],
)
def test_probe_of_a_bad_server_is_a_skip(server: str, path: str, reason: str) -> None:
    result = run_probe(ProbeOptions(url=server + path, active=True, timeout=0.5))
    assert result.findings == ()
    assert [s.reason.split(" (")[0] for s in result.skips] == [reason]


def test_probe_of_huge_binary_answers_ends(server: str) -> None:
    result = run_probe(ProbeOptions(url=server + "/big", active=True, max_body=50_000))
    assert not result.interrupted
    assert result.requests < 200


def test_probe_progress_counts_requests_against_the_budget(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stderr = Tty()
    monkeypatch.setattr(sys, "stderr", stderr)
    run_probe(ProbeOptions(url=server + "/", max_requests=40), quiet=True)
    assert stderr.getvalue() == ""
    result = run_probe(ProbeOptions(url=server + "/", max_requests=40), quiet=False)
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stderr.getvalue())
    assert "probe: 0/40 requests" in re.sub(" +", " ", drawn)
    assert result.requests > 0
