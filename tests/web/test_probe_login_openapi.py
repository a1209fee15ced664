"""JSON/token login and re-login (against an in-memory transport), the OpenAPI importer, and
their command-line flags."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from nodeward.cli import main
from nodeward.web import openapi
from nodeward.web.client import ClientSettings, ProbeClient
from nodeward.web.exchange import Exchange, Request, Response
from nodeward.web.inputs import Field, Place, injection_points
from nodeward.web.login import MAX_RELOGINS, LoginSettings, find_token, log_in
from nodeward.web.results import Results
from nodeward.web.safety import SafetyPolicy

BASE = "http://127.0.0.1:9"
FIXTURE = Path(__file__).parent.parent / "fixtures" / "openapi" / "inputs.yaml"


def _answer(status: int, body: object) -> httpx.Response:
    """A response the client can stream (it reads raw chunks, as from a socket)."""
    text = body if isinstance(body, str) else json.dumps(body)
    kind = "text/plain" if isinstance(body, str) else "application/json"
    return httpx.Response(
        status, headers={"content-type": kind}, stream=httpx.ByteStream(text.encode())
    )


class _Api:
    """Issues tok-1, tok-2, ...; a token answers `uses` requests, then 401."""

    def __init__(self, uses: int) -> None:
        self.uses = uses
        self.logins = 0
        self.left: dict[str, int] = {}
        self.seen: list[tuple[str, str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        self.seen.append((request.method, request.url.path, auth))
        if request.url.path == "/login":
            body = json.loads(request.read())
            if body != {"user": "a", "password": "b"}:
                return _answer(401, {"error": "no"})
            self.logins += 1
            token = f"tok-{self.logins}"
            self.left[token] = self.uses
            return _answer(200, {"data": {"accessToken": token}})
        token = auth.removeprefix("Bearer ")
        if self.left.get(token, 0) <= 0:
            return _answer(401, {"error": "log in"})
        self.left[token] -= 1
        return _answer(200, f"hello {token}")


SETTINGS = LoginSettings(BASE + "/login", json_body='{"user": "a", "password": "b"}')


def _client(api: _Api, *, trusted: tuple[str, ...] = (SETTINGS.url,)) -> ProbeClient:
    """A passive client whose policy trusts the login URL, as `run_probe` builds it from
    --login-url: the login POST (and every re-login) is the one state-changing request
    it sends."""
    policy = SafetyPolicy.build(active=False, trusted=trusted)
    settings = ClientSettings(target=BASE + "/", policy=policy)
    return ProbeClient(settings, transport=httpx.MockTransport(api))


def test_json_login_sends_bearer_and_logs_in_again_when_the_session_is_gone() -> None:
    api = _Api(uses=2)
    client = _client(api)
    assert log_in(client, SETTINGS, Results())
    assert client.session_headers == {"Authorization": "Bearer tok-1"}
    texts = []
    for _ in range(3):
        outcome = client.send("GET", BASE + "/me")
        assert isinstance(outcome, Exchange)
        texts.append((outcome.response.status, outcome.response.text))
    assert texts == [(200, "hello tok-1"), (200, "hello tok-1"), (200, "hello tok-2")]
    assert api.logins == 2
    assert ("GET", "/me", "Bearer tok-1") in api.seen and ("GET", "/me", "Bearer tok-2") in api.seen


def test_relogins_are_bounded() -> None:
    api = _Api(uses=0)  # every token is dead at once
    client = _client(api)
    assert log_in(client, SETTINGS, Results())
    for _ in range(10):
        client.send("GET", BASE + "/me")
    assert api.logins == 1 + MAX_RELOGINS
    # An unauthenticated request never triggers a login.
    client.send("GET", BASE + "/me", authenticated=False)
    assert api.logins == 1 + MAX_RELOGINS


def test_failed_json_login_is_a_skip() -> None:
    api = _Api(uses=5)
    client = _client(api)
    results = Results()
    assert not log_in(client, LoginSettings(BASE + "/login", json_body="{}"), results)
    assert [(s.target, s.reason) for s in results.skips] == [
        (BASE + "/login", "login did not succeed (HTTP 401, no cookie or token)")
    ]
    assert client.relogin is None and client.session_headers == {}


def test_login_goes_through_the_safety_policy() -> None:
    """Only the login URL is trusted: a passive client that does not trust it sends no
    login POST, and a trusted login URL does not open other POSTs."""
    api = _Api(uses=5)
    results = Results()
    assert not log_in(_client(api, trusted=()), SETTINGS, results)
    assert [(s.target, s.reason) for s in results.skips] == [
        (
            BASE + "/login",
            "login failed: not sent (state-changing (method POST); passive mode sends none)",
        )
    ]
    assert api.seen == []
    client = _client(api)
    assert log_in(client, SETTINGS, Results())
    other = client.send("POST", BASE + "/login/other", body=b"{}")
    assert not isinstance(other, Exchange)
    assert api.seen == [("POST", "/login", "")]


_JWT = "eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0"


@pytest.mark.parametrize(
    ("body", "kind", "token"),
    [
        ('{"token": "abc"}', "application/json", "abc"),
        ('{"user": {"id": 1}, "auth": {"access_token": "xyz"}}', "application/json", "xyz"),
        ('{"ok": true}', "application/json", None),
        (f"welcome {_JWT} done", "text/plain", _JWT),
        ('{"token": 12}', "application/json", None),
    ],
)
def test_find_token(body: str, kind: str, token: str | None) -> None:
    exchange = Exchange(
        Request("POST", BASE), Response(200, BASE, (("content-type", kind),), body.encode())
    )
    assert find_token(exchange) == token


def test_openapi_operations_become_requests() -> None:
    shapes = {(s.method, s.path): s for s in openapi.load(FIXTURE, BASE)}
    assert shapes[("POST", "/place/json")].fields == (Field(Place.JSON, "host", "example"),)
    assert shapes[("GET", "/place/path/:host")].fields == (Field(Place.PATH, "host", "example"),)
    assert shapes[("GET", "/place/cookie")].fields == (Field(Place.COOKIE, "host", "example"),)
    assert shapes[("GET", "/place/header")].fields == (Field(Place.HEADER, "x-host", "nodeward"),)
    assert shapes[("DELETE", "/items/:id")].fields == (Field(Place.PATH, "id", "1"),)
    # The server URL's host is never used: requests go to the probe's target.
    assert {s.base for s in shapes.values()} == {BASE}
    # The DELETE operation is imported but never varied.
    points = injection_points([], [], list(shapes.values()))
    assert all(p.shape.method != "DELETE" for p in points)


def test_openapi_server_prefix_and_json(tmp_path: Path) -> None:
    spec = tmp_path / "api.json"
    spec.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "servers": [{"url": "https://x.invalid/v2/"}],
                "paths": {"/a/{b}": {"get": {"parameters": [{"name": "q", "in": "query"}]}}},
            }
        )
    )
    (shape,) = openapi.load(spec, BASE)
    assert (shape.path, shape.fields) == ("/v2/a/:b", (Field(Place.QUERY, "q", "nodeward"),))
    assert shape.url() == BASE + "/v2/a/1?q=nodeward"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("swagger: '2.0'\npaths: {}\n", "not an OpenAPI 3 description"),
        ("openapi: [unclosed\n", "not valid JSON or YAML"),
        ("- just\n- a list\n", "not an OpenAPI 3 description"),
        ('{"openapi": "3.0.0", "paths": {"/x": {"get": {"$ref": "#/a/b/c"}}}}', ""),
    ],
)
def test_openapi_bad_descriptions(tmp_path: Path, text: str, reason: str) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(text)
    if not reason:
        assert openapi.load(spec, BASE) == ()  # an unresolvable $ref is left out
        return
    with pytest.raises(openapi.OpenApiError, match=reason):
        openapi.load(spec, BASE)


def test_openapi_ref_cycles_end(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        "openapi: 3.0.0\npaths:\n  /x:\n    $ref: '#/paths/~1y'\n  /y:\n    $ref: '#/paths/~1x'\n"
    )
    assert openapi.load(spec, BASE) == ()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--login-json", '{"a": 1}'], "--login-json needs --login-url"),
        (["--login-url", "/l", "--login-json", "[1]"], "expected a JSON object"),
        (["--login-url", "/l", "--login-json", "{"], "--login-json: not valid JSON"),
        (
            ["--login-url", "/l", "--login-json", "{}", "--login-data", "a=b"],
            "give --login-data or --login-json, not both",
        ),
        (["--openapi", "/nonexistent/api.yaml"], "--openapi /nonexistent/api.yaml: no such file"),
    ],
)
def test_input_flag_errors_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["probe", BASE + "/", "--quiet", *argv]) == 2
    assert message in capsys.readouterr().err
