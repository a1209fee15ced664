"""The probe against tests/apps/inputs: every input place and injection class, each unsafe
endpoint with a safe twin. Black-box finds what links and forms show; gray-box (the static
route table with the fields each handler reads) finds the rest: JSON bodies, path
parameters, cookies and headers."""

from __future__ import annotations

from pathlib import Path

from nodeward.findings import HttpLocation
from nodeward.scan import scan_path
from nodeward.web.probe import ProbeOptions, ProbeResult, run_probe
from nodeward.web.routes import static_routes
from web.app_runner import APPS, StartApp

INJECTION = ("NW101", "NW102", "NW103", "NW104", "NW105", "NW106", "NW111", "NW114", "NW901")

#: What links and forms reach.
BLACK_BOX = {
    "NW102": {"/nosql"},
    "NW103": {"/place/query", "/place/form", "/ls", "/grep"},
    "NW104": {"/ssjs", "/ssjs-blind"},  # /ssjs-blind by time only
    # /ls-safe puts `--` before the input (no argument injection) but still lists any folder
    # the input names: `ls -- ../../../dev/null` answers, a missing folder fails
    "NW105": {"/read", "/ls-safe"},
    "NW106": {"/ssrf"},
    "NW111": {"/xxe"},
    "NW114": {"/xpath"},
    "NW901": {"/hello/:name", "/comment"},
}


def _where(result: ProbeResult) -> dict[str, set[str]]:
    """injection rule -> URL paths (route patterns for path parameters)."""
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        if finding.rule in INJECTION:
            assert isinstance(finding.location, HttpLocation)
            path = "/" + finding.location.url.split("://", 1)[1].partition("/")[2]
            found.setdefault(finding.rule, set()).add(path)
    return found


#: The app's POST routes (and their safe twins): the probe sends a POST body only to routes
#: the user allows with --allow-unsafe, as a user would for a test instance.
ALLOW_POSTS = ("/place/form*", "/place/json*", "/xxe*", "/comment*", "/echo-json")


def _probe(base: str, **options: object) -> ProbeResult:
    options.setdefault("allow_unsafe", ALLOW_POSTS)
    return run_probe(ProbeOptions(url=base + "/", active=True, max_requests=5000, **options))  # type: ignore[arg-type]


def test_black_box_finds_each_class_and_no_safe_twin(start_app: StartApp) -> None:
    result = _probe(start_app("inputs"))
    assert _where(result) == BLACK_BOX


def test_shell_quote_error_is_command_injection_not_sql(start_app: StartApp) -> None:
    result = _probe(start_app("inputs"))
    (grep,) = [f for f in result.findings if f.location.url.endswith("/grep")]  # type: ignore[union-attr]
    assert grep.rule == "NW103"
    assert grep.message.startswith("A quote in the query parameter 'word' of GET /grep breaks")
    assert "Unterminated quoted string" in grep.message


def test_json_echo_is_not_nosql_injection(start_app: StartApp) -> None:
    result = _probe(start_app("inputs"))
    paths = {f.location.url.rsplit("/", 1)[1] for f in result.findings if f.rule == "NW102"}  # type: ignore[union-attr]
    assert paths == {"nosql"}  # not echo, not nosql-safe


def test_gray_box_reaches_json_path_cookie_and_header_inputs(start_app: StartApp) -> None:
    base = start_app("inputs")
    root = APPS / "inputs"
    routes = static_routes(scan_path(root).routes, root)
    result = _probe(base, routes=routes)
    expected = {k: set(v) for k, v in BLACK_BOX.items()}
    expected["NW103"] |= {"/place/json", "/place/path/:host", "/place/cookie", "/place/header"}
    assert _where(result) == expected
    by_path = {
        f.location.url.split("://", 1)[1].partition("/")[2]: f  # type: ignore[union-attr]
        for f in result.findings
        if f.rule == "NW103"
    }
    assert by_path["place/cookie"].message.startswith("The cookie 'host' of GET /place/cookie")
    assert by_path["place/header"].message.startswith("The header 'x-host' of GET /place/header")
    assert by_path["place/path/:host"].message.startswith(
        "The path parameter 'host' of GET /place/path/:host"
    )


def test_gray_box_routes_carry_handler_fields() -> None:
    root = APPS / "inputs"
    routes = {(r.method, r.path): r.inputs for r in static_routes(scan_path(root).routes, root)}
    assert routes[("POST", "/place/json")] == (("body", "host"),)
    assert routes[("GET", "/place/cookie")] == (("cookie", "host"),)
    assert routes[("GET", "/place/header")] == (("header", "x-host"),)
    assert routes[("GET", "/place/path/:host")] == (("path", "host"),)
    # Without the project root nothing is read.
    assert all(not r.inputs for r in static_routes(scan_path(root).routes, None))
    assert Path(root / "server.js").is_file()


def test_openapi_description_reaches_the_inputs_no_link_shows(start_app: StartApp) -> None:
    base = start_app("inputs")
    spec = Path(__file__).parent.parent / "fixtures" / "openapi" / "inputs.yaml"
    result = _probe(base, openapi=spec)
    expected = {k: set(v) for k, v in BLACK_BOX.items()}
    expected["NW103"] |= {"/place/json", "/place/path/:host", "/place/cookie", "/place/header"}
    assert _where(result) == expected
    assert not result.skips


def test_json_login_sends_the_bearer_token(start_app: StartApp) -> None:
    base = start_app("inputs")
    anonymous = _where(_probe(base))
    assert "/api/lookup" not in anonymous["NW103"]
    logged_in = _probe(
        base, login_url="/api/login", login_json='{"user": "alice", "password": "wonderland"}'
    )
    assert _where(logged_in)["NW103"] == BLACK_BOX["NW103"] | {"/api/lookup"}
    assert not logged_in.skips


def test_json_login_with_wrong_password_is_a_skip(start_app: StartApp) -> None:
    base = start_app("inputs")
    result = run_probe(
        ProbeOptions(url=base + "/", login_url="/api/login", login_json='{"user": "alice"}')
    )
    assert [s.reason for s in result.skips] == [
        "login did not succeed (HTTP 401, no cookie or token)"
    ]


def test_gray_box_probes_an_auth_guarded_route_only_with_the_session(
    start_app: StartApp,
) -> None:
    base = start_app("inputs")
    root = APPS / "inputs"
    routes = static_routes(scan_path(root).routes, root)
    guarded = [r.path for r in routes if r.needs_auth]
    assert guarded == ["/account/lookup"]  # requireLogin; `bearer` is not named like a guard

    anonymous = _probe(base, routes=routes)
    assert "/account/lookup" not in _where(anonymous)["NW103"]
    assert anonymous.coverage is not None
    # Requests without the session only met the 401: the route is not counted as probed.
    assert not [u for u in anonymous.coverage.urls if u.url.endswith("/account/lookup")]

    logged_in = _probe(
        base,
        routes=routes,
        login_url="/api/login",
        login_json='{"user": "alice", "password": "wonderland"}',
    )
    assert "/account/lookup" in _where(logged_in)["NW103"]
    assert logged_in.coverage is not None
    (row,) = [u for u in logged_in.coverage.urls if u.url.endswith("/account/lookup")]
    assert row.requests == row.with_session > 0
    public = [u for u in logged_in.coverage.urls if u.url.endswith("/place/query")]
    assert public and public[0].with_session > 0  # the session goes everywhere once logged in
