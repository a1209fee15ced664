"""The probe against hostile or failing servers (stdlib, on 127.0.0.1): one that answers one
byte per second (--max-time and the per-request deadline end it, with a partial report), one
that starts answering 500 to everything (the probe stops and names the request), and ones
that set thousands of cookies (bounded jar, oversized headers handled per request)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest

import nodeward
from nodeward.cli import main
from nodeward.config import build_config
from nodeward.web.client import MAX_COOKIES, ClientSettings, ProbeClient
from nodeward.web.exchange import Exchange, Failure, FailureKind
from nodeward.web.launch import probe_options
from nodeward.web.probe import ProbeOptions, run_probe

SARIF_SCHEMA = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "schemas" / "sarif-schema-2.1.0.json").read_text()
)
DRIP_BYTES = 40
"""The drip server sends a complete answer in this many seconds: a client without a total
deadline gets it in the end, so the tests below fail on one instead of hanging forever."""


DRIP_STARTED = threading.Event()


def _drip_handler(headers_first: bool) -> type[socketserver.BaseRequestHandler]:
    class Drip(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65536)
            DRIP_STARTED.set()
            body = b"x" * DRIP_BYTES
            head = (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
            )
            if headers_first:
                self.request.sendall(head)
                stream = body
            else:
                stream = head + body
            for index in range(len(stream)):
                try:
                    self.request.sendall(stream[index : index + 1])
                except OSError:
                    return
                time.sleep(1.0)

    return Drip


@contextlib.contextmanager
def _serve_raw(handler: type[socketserver.BaseRequestHandler]) -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(BaseHTTPRequestHandler):
    server_version = "test-server"
    sys_version = ""

    def log_message(self, *_: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: Callable[[], None] = lambda: None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        headers()
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)


# -- one byte per second ---------------------------------------------------------------------


def test_a_trickling_answer_ends_at_the_request_deadline() -> None:
    """httpx's read timeout restarts with every byte; the total deadline does not."""
    with _serve_raw(_drip_handler(headers_first=False)) as url:
        client = ProbeClient(ClientSettings(target=url + "/", timeout=1.0))
        with client:
            outcome = client.send("GET", url + "/")
    assert isinstance(outcome, Failure)
    assert outcome.kind is FailureKind.TIMEOUT


def test_a_trickling_body_is_cut_at_the_deadline_and_kept() -> None:
    with _serve_raw(_drip_handler(headers_first=True)) as url:
        client = ProbeClient(ClientSettings(target=url + "/", timeout=1.5))
        with client:
            outcome = client.send("GET", url + "/")
    assert isinstance(outcome, Exchange)
    assert outcome.response.truncated
    assert 0 < len(outcome.response.body) < DRIP_BYTES


@pytest.mark.parametrize("headers_first", [False, True])
def test_max_time_stops_the_probe_with_a_partial_report(
    headers_first: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    with _serve_raw(_drip_handler(headers_first)) as url:
        started = time.monotonic()
        code = main(
            ["probe", url + "/", "--max-time", "5", "--timeout", "30", "--format", "json", "-q"]
        )
        took = time.monotonic() - started
    assert took < 20  # generous: the probe must end near --max-time, not after 40 s
    # A partial report is still a report: exit 0 or 1 by its findings; --strict makes the
    # skip fatal (2).
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    stops = [s["reason"] for s in data["skips"] if "--max-time" in s["reason"]]
    assert len(stops) == 1
    assert stops[0].startswith("probe stopped after 5 s (--max-time): ")
    assert stops[0].endswith(" sent, partial results")
    assert data["probe"]["stopped"] == stops[0]


# -- a target that degrades ------------------------------------------------------------------

HEALTHY_ANSWERS = 12


class _Degrading(_Quiet):
    seen: list[str] = []  # noqa: RUF012 - the paths in the order the server got them
    lock = threading.Lock()

    def do_GET(self) -> None:
        with _Degrading.lock:
            _Degrading.seen.append(self.path)
            healthy = len(_Degrading.seen) <= HEALTHY_ANSWERS
        if not healthy:
            self._send(500, b"<p>Internal Server Error</p>")
            return
        links = "".join(f'<a href="/p{n}">{n}</a>' for n in range(60))
        self._send(200, f"<html><body>{links}</body></html>".encode())


def test_a_degrading_target_stops_the_probe_and_names_the_request() -> None:
    _Degrading.seen = []
    with _serve(_Degrading) as url:
        result = run_probe(ProbeOptions(url=url + "/", concurrency=1))
    culprit = _Degrading.seen[HEALTHY_ANSWERS - 1]
    (reason,) = [s.reason for s in result.skips if "degraded" in s.reason]
    assert reason == (
        f"target degraded after request {HEALTHY_ANSWERS} (GET {url}{culprit}): 16 of the "
        "last 20 answers were server errors or failed connections; probing stopped after "
        "28 requests, partial results"
    )
    assert result.requests == 28  # stopped: not the 60 pages it links to
    assert result.coverage is not None and result.coverage.stopped == reason


# -- thousands of cookies --------------------------------------------------------------------


class _Cookies(_Quiet):
    cookie_headers: list[str] = []  # noqa: RUF012 - Cookie headers the server received

    def do_GET(self) -> None:
        _Cookies.cookie_headers.append(self.headers.get("Cookie", ""))
        if self.path == "/many-cookies":
            self._send(200, b"ok", lambda: self._cookies(10_000))
            return
        self._send(200, b'<html><a href="/many-cookies">a</a> <a href="/ok">b</a></html>')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send(200, b"welcome", lambda: self._cookies(300))

    def _cookies(self, count: int) -> None:
        for n in range(count):
            self.send_header("Set-Cookie", f"c{n}=v{n}; Path=/")


def test_ten_thousand_cookies_in_an_answer_are_that_answers_failure() -> None:
    _Cookies.cookie_headers = []
    with _serve(_Cookies) as url:
        result = run_probe(ProbeOptions(url=url + "/"))
    assert [s.reason for s in result.skips] == [
        "answer headers too large: more than 100 KB of headers"
    ]
    assert result.findings and not any(f.rule == "NW740" for f in result.findings)
    assert result.coverage is not None
    assert {u.url for u in result.coverage.urls} >= {url + "/ok", url + "/many-cookies"}


def test_the_session_cookie_jar_is_bounded() -> None:
    _Cookies.cookie_headers = []
    many = tuple((f"given{n}", "1") for n in range(10_000))
    with _serve(_Cookies) as url:
        result = run_probe(
            ProbeOptions(url=url + "/", cookies=many, login_url="/login", login_data="u=a")
        )
    sent = [h for h in _Cookies.cookie_headers if h]
    assert sent and all(h.count("=") == MAX_COOKIES for h in sent)
    reasons = {s.reason for s in result.skips}
    assert "9800 cookies from --cookie ignored: the session keeps at most 200" in reasons
    assert "300 cookies from the login answer ignored: the session keeps at most 200" in reasons


# -- SARIF for a probe -----------------------------------------------------------------------


def test_probe_sarif_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    with _serve(_Degrading) as url:
        _Degrading.seen = []
        code = main(["probe", url + "/", "--format", "sarif", "-q", "--concurrency", "1"])
    assert code in (0, 1)
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SARIF_SCHEMA)
    (run,) = data["runs"]
    # Results carry absolute URLs; there is no source root to name for a probe.
    assert "originalUriBaseIds" not in run
    coverage = run["properties"]["probeCoverage"]
    assert coverage["target"] == url + "/"
    assert coverage["stopped"].startswith("target degraded after request 12 ")
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations and all(loc["uri"].startswith(url + "/") for loc in locations)


# -- a request that takes the app down -------------------------------------------------------


@contextlib.contextmanager
def _crashing_app() -> Iterator[str]:
    """Answers "ok", except that GET /boom takes the "process" down for two seconds (the
    listener closes, as when a supervisor restarts a crashed app)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen()
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                data = connection.recv(65536)
                if data.startswith(b"GET /boom"):
                    connection.close()
                    listener.close()
                    time.sleep(2.0)
                    break
                with contextlib.suppress(OSError):
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    )
                connection.close()
            else:
                listener.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    ("confirm", "note", "confirmed"),
    [
        (False, " (not replayed: --confirm-crash replays it once the app is back)", False),
        (True, "; replayed alone, it took the app down again", True),
    ],
)
def test_a_crash_is_replayed_only_with_confirm_crash(
    confirm: bool, note: str, confirmed: bool
) -> None:
    with _crashing_app() as url:
        result = run_probe(ProbeOptions(url=url + "/boom", confirm_crash=confirm))
    (crash,) = [f for f in result.findings if f.rule == "NW740"]
    assert crash.message.startswith("After GET /boom the app stopped accepting connections")
    assert f"probing stopped{note}. Catch errors" in crash.message
    assert crash.confirmed is confirmed


@pytest.mark.parametrize(
    ("sent", "reason", "exit_code"),
    [
        (signal.SIGINT, "interrupted (Ctrl-C) after 1 request: partial results", 130),
        (signal.SIGTERM, "terminated (SIGTERM) after 1 request: partial results", 143),
    ],
)
def test_ctrl_c_and_sigterm_still_write_the_report(
    sent: signal.Signals, reason: str, exit_code: int
) -> None:
    """A real signal to `nodeward probe` while an answer trickles in: the report of what was
    found so far is written, with the reason, and the exit code says the run was stopped
    (as for every command: never 0 or 1, which would read as a complete run)."""
    DRIP_STARTED.clear()
    with _serve_raw(_drip_handler(headers_first=True)) as url:
        process = subprocess.Popen(
            [sys.executable, "-m", "nodeward", "probe", url + "/", "--format", "json", "-q"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path(nodeward.__file__).parent.parent)},
        )
        assert DRIP_STARTED.wait(timeout=60)  # the probe runs and its handler is installed
        time.sleep(0.5)
        process.send_signal(sent)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == exit_code
    data = json.loads(out)
    assert [s["reason"] for s in data["skips"]] == [reason]
    assert data["probe"]["stopped"] == reason


@contextlib.contextmanager
def _app_with_a_slow_page_and_a_killer() -> Iterator[str]:
    """ "/" links to /slow (answers after 3 s) and /boom (takes the whole process down: the
    listener closes and every open connection is cut, /slow's included)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    open_connections: list[socket.socket] = []
    dead = threading.Event()

    def answer(connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            data = connection.recv(65536)
            if data.startswith(b"GET /boom"):
                dead.set()
                listener.close()
                for other in open_connections:
                    with contextlib.suppress(OSError):
                        other.shutdown(socket.SHUT_RDWR)
                return
            if data.startswith(b"GET /slow"):
                time.sleep(3.0)
            if dead.is_set():
                return
            body = b'<html><a href="/slow">s</a> <a href="/boom">b</a></html>'
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
        connection.close()

    def run() -> None:
        while not dead.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            open_connections.append(connection)
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    threading.Thread(target=run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        dead.set()
        with contextlib.suppress(OSError):
            listener.close()


def test_a_crash_is_not_blamed_on_a_slow_bystander() -> None:
    with _app_with_a_slow_page_and_a_killer() as url:
        result = run_probe(ProbeOptions(url=url + "/", concurrency=2))
    (crash,) = [f for f in result.findings if f.rule == "NW740"]
    assert crash.message.startswith("After GET /boom the app stopped accepting connections")
    assert crash.evidence[0].location.url == url + "/boom"


class _RedirectsToLogout(_Quiet):
    hits: list[str] = []  # noqa: RUF012 - paths the server saw

    def do_GET(self) -> None:
        _RedirectsToLogout.hits.append(self.path)
        if self.path == "/bye":
            self.send_response(302)
            self.send_header("Location", "/logout")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, b'<html><a href="/bye">bye</a></html>')


def test_a_redirect_to_a_state_changing_url_is_not_followed() -> None:
    _RedirectsToLogout.hits = []
    with _serve(_RedirectsToLogout) as url:
        result = run_probe(ProbeOptions(url=url + "/"))
    assert "/logout" not in _RedirectsToLogout.hits
    assert "/bye" in _RedirectsToLogout.hits
    assert result.coverage is not None
    assert [(n.method, n.url, n.reason) for n in result.coverage.not_sent] == [
        ("GET", url + "/logout", "state-changing (path word 'logout'); passive mode sends none")
    ]


def test_strict_makes_a_stopped_probe_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    _Degrading.seen = []
    with _serve(_Degrading) as url:
        code = main(["probe", url + "/", "--concurrency", "1", "--strict", "-q"])
    assert code == 2
    assert "target degraded after request 12 " in capsys.readouterr().out


class _BrokenPages(_Quiet):
    """A healthy start page linking to forty pages that all answer 500."""

    def do_GET(self) -> None:
        if self.path == "/":
            links = "".join(f'<a href="/p{n}">{n}</a>' for n in range(40))
            self._send(200, f"<html><body>{links}</body></html>".encode())
            return
        self._send(500, b"<p>Internal Server Error</p>")


def test_many_failing_pages_are_not_a_degraded_target() -> None:
    with _serve(_BrokenPages) as url:
        result = run_probe(ProbeOptions(url=url + "/", concurrency=1))
    assert result.skips == ()
    assert result.coverage is not None and result.coverage.stopped is None
    assert len(result.coverage.urls) == 41  # every page was still probed


def test_max_body_caps_each_answer() -> None:
    with _serve(_BrokenPages) as url:
        client = ProbeClient(ClientSettings(target=url + "/", max_body=100))
        with client:
            outcome = client.send("GET", url + "/")
    assert isinstance(outcome, Exchange)
    assert outcome.response.truncated and len(outcome.response.body) == 100


def test_max_body_flag_reaches_the_probe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "http://127.0.0.1:9/", "--max-body", "0"]) == 2
    assert "--max-body must be a positive whole number" in capsys.readouterr().err
    config = build_config(Path(), None, {"url": "http://127.0.0.1:9/", "max_body": 50})
    assert probe_options(config, scan=False).max_body == 50
