"""The live checks' pure parts: CSP and cookie parsing, XSS context, error and secret
patterns, route samples, merging static and live findings, and the probe-only rule docs."""

from __future__ import annotations

import pytest

from nodeward.catalog import PROBE_ONLY_RULES, get_rule
from nodeward.catalog.probe import EXPOSED_FILE, HSTS_MISSING, SERVER_VERSION
from nodeward.findings import Evidence, Finding, HttpLocation, SourceLocation
from nodeward.web.checks import headers
from nodeward.web.checks.cookies import parse_set_cookie
from nodeward.web.checks.errors import leak_in
from nodeward.web.checks.xss import executable_context
from nodeward.web.crawl import parse_page
from nodeward.web.exchange import Exchange, Request, Response
from nodeward.web.merge import merge
from nodeward.web.probe import is_loopback, validate_url
from nodeward.web.results import Results
from nodeward.web.routes import StaticRoute, sample_path

HELMET_CSP = (
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';"
    "frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';"
    "script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"
)


def test_helmet_default_csp_is_not_weak() -> None:
    assert headers.csp_problems(HELMET_CSP) == []


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        ("default-src 'self' 'unsafe-inline'", "script-src allows 'unsafe-inline'"),
        ("script-src 'self' 'unsafe-eval'; object-src 'none'", "script-src allows 'unsafe-eval'"),
        ("script-src *; object-src 'none'; frame-ancestors 'none'", "script-src allows *"),
        ("script-src 'self'; frame-ancestors 'none'", "object-src is not 'none'"),
        ("default-src 'none'", "no frame-ancestors"),
        ("img-src 'self'", "no script-src or default-src"),
    ],
)
def test_weak_csp(policy: str, problem: str) -> None:
    assert problem in headers.csp_problems(policy)


def test_nonce_makes_unsafe_inline_harmless() -> None:
    policy = "script-src 'nonce-abc' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"
    assert headers.csp_problems(policy) == []


def _exchange(url: str, *response_headers: tuple[str, str], body: bytes = b"") -> Exchange:
    return Exchange(Request("GET", url), Response(200, url, response_headers, body))


def test_hsts_only_on_https() -> None:
    page = ("content-type", "text/html")
    results = Results()
    headers.check(_exchange("http://127.0.0.1/", page), results)
    assert not results.has(HSTS_MISSING.code)
    headers.check(_exchange("https://127.0.0.1/", page), results)
    assert results.has(HSTS_MISSING.code)
    weak = Results()
    hsts = ("strict-transport-security", "max-age=600")
    headers.check(_exchange("https://127.0.0.1/", page, hsts), weak)
    assert weak.has(HSTS_MISSING.code)
    strong = Results()
    hsts = ("strict-transport-security", "max-age=31536000; includeSubDomains")
    headers.check(_exchange("https://127.0.0.1/", page, hsts), strong)
    assert not strong.has(HSTS_MISSING.code)


@pytest.mark.parametrize(
    ("server", "reported"),
    [
        ("nginx/1.18.0 (Ubuntu)", True),
        ("Apache/2.4.57", True),
        ("nginx", False),
        ("cloudflare", False),
    ],
)
def test_server_version(server: str, reported: bool) -> None:
    results = Results()
    headers.check(_exchange("http://127.0.0.1/", ("server", server)), results)
    assert results.has(SERVER_VERSION.code) is reported


def test_set_cookie_parsing() -> None:
    cookie = parse_set_cookie("connect.sid=s%3Aabc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax")
    assert cookie is not None and cookie.is_session
    assert cookie.attributes["samesite"] == "Lax" and "httponly" in cookie.attributes
    assert cookie.lifetime() == 60
    assert parse_set_cookie("no-equals-sign") is None
    theme = parse_set_cookie("theme=dark; Path=/")
    assert theme is not None and not theme.is_session


@pytest.mark.parametrize(
    ("html", "live"),
    [
        ("<h1>Results for M'\"><i id=M></h1>", True),
        ("<h1>Results for M&#39;&quot;&gt;&lt;i id=M&gt;</h1>", False),
        ("<textarea>M'\"><i id=M></textarea>", False),
        ("<title>M'\"><i id=M></title>", False),
        ("<!-- M'\"><i id=M> -->", False),
        ("<textarea>x</textarea><p>M'\"><i id=M></p>", True),
    ],
)
def test_xss_context(html: str, live: bool) -> None:
    assert executable_context(html, "M") is live


@pytest.mark.parametrize(
    "body",
    [
        "SyntaxError: Unexpected token } in JSON at position 12<br>",
        "SyntaxError: Expected property name or '}' in JSON at position 1",
        "Error: boom<br> &nbsp; &nbsp;at Layer.handle [as handle_request] "
        "(/srv/app/node_modules/express/lib/router/layer.js:95:5)",
        "    at /srv/app/server.js:10:11",
        "TypeError: Cannot read properties of undefined (reading 'id')",
    ],
)
def test_verbose_errors(body: str) -> None:
    assert leak_in(body) is not None


def test_express_dev_error_page_frame() -> None:
    page = (
        "<pre>Error: lost<br> &nbsp; &nbsp;at /srv/app/server.js:140:9<br> &nbsp; &nbsp;at "
        "Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/layer.js:95:5)"
    )
    assert leak_in(page) == "at /srv/app/server.js:140:9"


@pytest.mark.parametrize("body", ['{"error":"request failed"}', "Internal Server Error", ""])
def test_generic_errors_pass(body: str) -> None:
    assert leak_in(body) is None


def test_crawl_finds_links_and_forms() -> None:
    html = """<a href="/a?x=1#top">a</a><a href="javascript:void(0)">j</a>
    <form method=post action="/login"><input type=hidden name=_csrf value=t>
    <input name=user><input type=password name=pw><input type=submit></form>"""
    links, forms = parse_page("http://127.0.0.1/base/", html)
    assert links == ["http://127.0.0.1/a?x=1"]
    (form,) = forms
    assert form.action == "http://127.0.0.1/login" and form.method == "POST"
    assert form.has_password and form.has_token
    assert [f.name for f in form.fields] == ["_csrf", "user", "pw"]


@pytest.mark.parametrize(
    ("path", "sample"),
    [
        ("/users/:id", "/users/1"),
        ("/posts/:slug/comments/:commentId", "/posts/nodeward/comments/1"),
        ("/files/*", None),
        ("/", "/"),
    ],
)
def test_route_samples(path: str, sample: str | None) -> None:
    assert sample_path(path) == sample


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:3000/", True),
        ("http://localhost/", True),
        ("http://[::1]:8080/", True),
        ("https://example.com/", False),
        ("http://10.0.0.5/", False),
    ],
)
def test_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_url_validation() -> None:
    assert validate_url("http://127.0.0.1:3000") is None
    assert validate_url("ftp://127.0.0.1/") is not None
    assert validate_url("127.0.0.1:3000") is not None


def _static(code: str, line: int, snippet: str) -> Finding:
    rule = get_rule(code) or EXPOSED_FILE
    return rule.finding(SourceLocation("server.js", line, snippet=snippet), "static")


def _live(code: str, url: str) -> Finding:
    rule = get_rule(code) or EXPOSED_FILE
    location = HttpLocation(url)
    return rule.finding(location, "live", evidence=(Evidence(location, "GET"),))


def test_merge_confirms_app_wide_rules_by_code() -> None:
    static = _static("NW801", 12, "app.use(session({ secret }));")
    live = _live("NW801", "http://127.0.0.1/")
    (merged,) = merge([static], [live])
    assert merged.confirmed and merged.location == static.location
    assert len(merged.evidence) == 1 and merged.evidence[0].description == "GET"


def test_merge_route_level_rules_by_route() -> None:
    static = _static("NW650", 30, 'app.get("/files/:name", (req, res) => {')
    same = _live("NW650", "http://127.0.0.1/files/readme?x=1")
    other = _live("NW650", "http://127.0.0.1/other")
    merged = merge([static], [same, other])
    assert [f.confirmed for f in merged] == [True, False]
    assert isinstance(merged[1].location, HttpLocation)


def test_merge_uses_the_route_whose_handler_holds_the_finding() -> None:
    static = _static("NW650", 31, "fs.readFile(path.join(base, req.query.name))")
    route = StaticRoute("GET", "/file", "/file", "server.js", 30, 34)
    live = _live("NW650", "http://127.0.0.1/file?name=x")
    (merged,) = merge([static], [live], [route])
    assert merged.confirmed


def test_merge_app_level_static_finding_naming_the_route() -> None:
    rule = get_rule("NW650") or EXPOSED_FILE
    static = rule.finding(
        SourceLocation("server.js", 11, snippet="const app = express();"),
        "routes POST /login, POST /transfer lack protection",
    )
    transfer = rule.finding(HttpLocation("http://127.0.0.1/transfer", "POST"), "live")
    other = rule.finding(HttpLocation("http://127.0.0.1/transfers", "POST"), "live")
    merged = merge([static], [transfer, other])
    assert [f.confirmed for f in merged] == [True, False]


def test_probe_only_rules_are_registered_and_documented() -> None:
    for rule in PROBE_ONLY_RULES:
        assert get_rule(rule.code) is rule
        assert rule.what and rule.why and rule.example and rule.use_instead and rule.fix
        assert rule.references and rule.cwe and rule.practices
        assert rule.code[2:5].isdigit() and rule.name == rule.name.lower()


def test_live_shared_codes_match_the_codes_the_checks_use() -> None:
    """The README table and the scorecard read LIVE_SHARED_CODES: keep it true."""
    import re
    from pathlib import Path

    import nodeward.web.checks as checks_package
    from nodeward.catalog import PROBE_ONLY_RULES
    from nodeward.catalog.probe import LIVE_SHARED_CODES

    folder = Path(checks_package.__file__).parent
    used = {
        code
        for source in folder.glob("*.py")
        for code in re.findall(r'"(NW\d{3})"', source.read_text(encoding="utf-8"))
    }
    assert used - {r.code for r in PROBE_ONLY_RULES} == LIVE_SHARED_CODES
