"""Injection points, their payload requests, the safety predicate, what a handler reads, and
the error signatures that tell a shell from a database, without a server."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from nodeward.web.checks import traversal
from nodeward.web.checks.attempt import without
from nodeward.web.checks.injection import OPTION_OUTPUT, SHELL_ERRORS, SQL_ERRORS
from nodeward.web.checks.ssrf import Canary
from nodeward.web.checks.traversal import STATUS, TRAVERSALS
from nodeward.web.checks.xml import XPATH_ERRORS
from nodeward.web.crawl import Endpoint, Form, FormField
from nodeward.web.examples import curl_shapes
from nodeward.web.exchange import Exchange, Request, Response
from nodeward.web.inputs import Field, InjectionPoint, Place, RequestShape, injection_points
from nodeward.web.routes import StaticRoute, handler_inputs, request_shapes
from nodeward.web.safety import is_state_changing

BASE = "http://127.0.0.1:3000"
SHAPE = RequestShape(
    "POST",
    BASE,
    "/items/:id",
    (
        Field(Place.PATH, "id", "1"),
        Field(Place.QUERY, "q", "a"),
        Field(Place.JSON, "name", "n"),
        Field(Place.COOKIE, "theme", "dark"),
        Field(Place.HEADER, "x-user", "u"),
    ),
)


def _point(place: Place, name: str) -> InjectionPoint:
    return InjectionPoint(SHAPE, place, name)


def test_payload_in_each_place_leaves_the_others_at_their_samples() -> None:
    method, url, body, headers = _point(Place.PATH, "id").request("../x y")
    assert (method, url) == ("POST", f"{BASE}/items/..%2Fx%20y?q=a")
    assert json.loads(body) == {"name": "n"}
    assert ("Cookie", "theme=dark") in headers and ("x-user", "u") in headers

    _, url, _, _ = _point(Place.QUERY, "q").request("1' AND '1'='1")
    assert url == f"{BASE}/items/1?q=1%27+AND+%271%27%3D%271"

    _, _, body, headers = _point(Place.JSON, "name").request({"$ne": None})
    assert json.loads(body) == {"name": {"$ne": None}}
    assert ("Content-Type", "application/json") in headers

    _, _, _, headers = _point(Place.COOKIE, "theme").request("a;b")
    assert ("Cookie", "theme=a%3Bb") in headers

    _, _, _, headers = _point(Place.HEADER, "x-user").request("a\r\nInjected: 1")
    assert ("x-user", "a  Injected: 1") in headers


def test_operator_payloads_are_query_objects() -> None:
    _, url, _, _ = _point(Place.QUERY, "q").request("m", "$ne")
    assert url == f"{BASE}/items/1?q%5B%24ne%5D=m"
    _, _, body, _ = _point(Place.JSON, "name").request("m", "$ne")
    assert json.loads(body) == {"name": {"$ne": "m"}}
    form = RequestShape("POST", BASE, "/f", (Field(Place.FORM, "a", "1"), Field(Place.FORM, "b")))
    _, _, body, headers = InjectionPoint(form, Place.FORM, "a").request("m", "$ne")
    assert body == b"a%5B%24ne%5D=m&b=nodeward"
    assert ("Content-Type", "application/x-www-form-urlencoded") in headers
    assert not _point(Place.COOKIE, "theme").accepts_operator


@pytest.mark.parametrize(
    ("method", "url", "changing"),
    [
        ("GET", f"{BASE}/items", False),
        ("POST", f"{BASE}/search", False),
        ("DELETE", f"{BASE}/items/1", True),
        ("put", f"{BASE}/items/1", True),
        ("PATCH", f"{BASE}/items/1", True),
        ("GET", f"{BASE}/items/1/delete", True),
        ("POST", f"{BASE}/logout", True),
        ("GET", f"{BASE}/admin/reset-password", True),
        ("GET", f"{BASE}/users%2Fremove", True),
        ("GET", f"{BASE}/deleted-items-report", False),
        ("GET", f"{BASE}/quit", True),
        ("GET", f"{BASE}/exit-survey/results", True),
    ],
)
def test_state_changing_requests(method: str, url: str, changing: bool) -> None:
    assert is_state_changing(method, url) is changing


def test_points_skip_login_forms_and_state_changing_shapes() -> None:
    login = Form(
        f"{BASE}/",
        f"{BASE}/login",
        "POST",
        (FormField("user", "text", ""), FormField("pw", "password", "")),
    )
    comment = Form(f"{BASE}/", f"{BASE}/comment", "POST", (FormField("text", "text", ""),))
    delete = RequestShape("DELETE", BASE, "/items/:id", (Field(Place.PATH, "id", "1"),))
    points = injection_points(
        [Endpoint("GET", f"{BASE}/s", (("q", "x"),))], [login, comment], [delete]
    )
    assert [(p.shape.method, p.route, p.place, p.name) for p in points] == [
        ("GET", "/s", Place.QUERY, "q"),
        ("POST", "/comment", Place.FORM, "text"),
    ]


def test_route_body_fields_are_tried_as_form_and_as_json() -> None:
    route = StaticRoute("POST", "/echo", "/echo", "server.js", 1, 3, (("body", "msg"),))
    (shape,) = request_shapes(BASE, (route,))
    points = injection_points([], [], [shape])
    assert [(p.place, p.key) for p in points] == [
        (Place.FORM, "POST /echo:body:msg"),
        (Place.JSON, "POST /echo:body:msg"),
    ]


def test_handler_inputs_from_source_text() -> None:
    text = """(req, res) => {
      const { name, age: years = 3 } = req.body;
      const q = req.query.q + req.query["sort-by"] + req.params.id;
      const t = req.cookies.theme, s = req.signedCookies['sid'];
      const u = req.get("X-User") + req.header('Accept') + req.headers.authorization;
      const h = req.headers["x-trace"];
    }"""
    assert handler_inputs(text) == (
        ("query", "q"),
        ("path", "id"),
        ("cookie", "theme"),
        ("query", "sort-by"),
        ("cookie", "sid"),
        ("header", "x-user"),
        ("header", "authorization"),
        ("header", "x-trace"),
        ("body", "name"),
        ("body", "age"),
    )


def test_shell_errors_are_not_sql_errors() -> None:
    dash = "Command failed: grep 'a'' x\n/bin/sh: 1: Syntax error: Unterminated quoted string"
    bash = "bash: -c: line 1: unexpected EOF while looking for matching `''"
    assert SHELL_ERRORS.search(dash) and SHELL_ERRORS.search(bash)
    assert SQL_ERRORS.search(dash) is None and SQL_ERRORS.search(bash) is None
    postgres = 'error: unterminated quoted string at or near "\'1"'
    sqlite = 'SQLITE_ERROR: near "1": syntax error'
    assert SQL_ERRORS.search(postgres) and SQL_ERRORS.search(sqlite)
    assert SHELL_ERRORS.search(postgres) is None and SHELL_ERRORS.search(sqlite) is None
    assert XPATH_ERRORS.search("Unterminated string literal: ']/role") is not None
    assert XPATH_ERRORS.search(dash) is None
    assert SQL_ERRORS.search("Unterminated string literal") is None


def test_option_output_signatures() -> None:
    assert OPTION_OUTPUT.search("Usage: ls [OPTION]... [FILE]...")
    assert OPTION_OUTPUT.search("ls: unrecognized option '--nwopt1'\nTry 'ls --help'")
    assert OPTION_OUTPUT.search("ls (GNU coreutils) 9.1")
    assert OPTION_OUTPUT.search("ls: cannot access '--help': No such file or directory") is None


def test_without_removes_echoed_payloads_in_any_encoding() -> None:
    payload = "x' or count(/*)=1 or 'a'='b"

    def answer(body: str) -> Exchange:
        return Exchange(Request("GET", BASE), Response(200, BASE, (), body.encode()))

    assert without(answer(f"you sent {payload}"), payload) == (200, "you sent ")
    assert without(answer('{"v":"' + payload + '"}'), payload) == (200, '{"v":""}')
    assert without(answer("x&#x27; or count(/*)=1 or &#x27;a&#x27;=&#x27;b"), payload)[1] == ""


def test_preset_form_values_that_look_like_attacks_are_not_payload_bases() -> None:
    """A POST form changes state, so none of its preset values is sent back (each field
    gets a harmless sample) except a CSRF token, and a token that looks like code is not
    a payload base either."""
    fields = (
        FormField("cmd", "text", "test &whoami"),
        FormField("xml", "text", '<!DOCTYPE x [<!ENTITY p SYSTEM "file:///etc/passwd">]>'),
        FormField("email", "email", "owner@corp.example"),
        FormField("token", "hidden", "a1b2-c3"),
        FormField("_csrf", "hidden", "a1b2-c3"),
        FormField("csrf_token", "hidden", "x;whoami"),
    )
    (point, *_) = injection_points([], [Form(f"{BASE}/", f"{BASE}/run", "POST", fields)])
    assert [(f.name, f.value) for f in point.shape.fields] == [
        ("cmd", "nodeward"),
        ("xml", "nodeward"),
        ("email", "probe@example.com"),
        ("token", "nodeward"),
        ("_csrf", "a1b2-c3"),
        ("csrf_token", "nodeward"),
    ]


def test_preset_query_values_that_look_like_attacks_are_not_payload_bases() -> None:
    """A read-only endpoint keeps its plain preset values (a page size, a sort order) but
    not one that looks like code."""
    endpoint = Endpoint("GET", f"{BASE}/list", (("sort", "name"), ("q", "a;whoami")))
    (sort, _) = injection_points([endpoint], [])
    assert sort.shape.fields == (
        Field(Place.QUERY, "sort", "name"),
        Field(Place.QUERY, "q", "nodeward"),
    )


def test_route_parameters_written_in_page_urls_are_path_inputs() -> None:
    endpoint = Endpoint("GET", f"{BASE}/eval/:input/run", (("input", "x"),))
    plain = Endpoint("GET", f"{BASE}/wiki/File:Logo", (("q", "x"),))
    points = injection_points([endpoint, plain], [])
    assert [(p.place, p.name) for p in points] == [
        (Place.PATH, "input"),
        (Place.QUERY, "input"),
        (Place.QUERY, "q"),
    ]
    _, url, _, _ = points[0].request("a/b")
    assert url == f"{BASE}/eval/a%2Fb/run?input=x"
    _, url, _, _ = points[2].request("y")
    assert url == f"{BASE}/wiki/File:Logo?q=y"


def test_curl_examples_on_pages_become_requests() -> None:
    page = """<html><body><pre>curl http://localhost:3000/run/:input/unsafe -X POST \\
    -b "input=test &amp;whoami"</pre>
    <pre>curl http://localhost:3000/read -H "input: ../x" -H 'Content-Type: application/json' \\
    -d '{"name": "a", "n": 2}'</pre>
    <p>curl https://api.elsewhere.example/v1/x -d a=b</p>
    <code>curl '/form?x=1' --data 'a=b&amp;c=d'</code>
    <pre>curl "unterminated</pre></body></html>"""
    exchange = Exchange(
        Request("GET", BASE), Response(200, BASE, (("content-type", "text/html"),), page.encode())
    )
    shapes = curl_shapes([exchange], BASE)
    assert [(s.method, s.path, s.fields) for s in shapes] == [
        (
            "POST",
            "/run/:input/unsafe",
            (Field(Place.PATH, "input"), Field(Place.COOKIE, "input", "nodeward")),
        ),
        (
            "POST",
            "/read",
            (
                Field(Place.HEADER, "input", "../x"),
                Field(Place.JSON, "name", "a"),
                Field(Place.JSON, "n", "2"),
            ),
        ),
        (
            "POST",
            "/form",
            (
                Field(Place.QUERY, "x", "1"),
                Field(Place.FORM, "a", "b"),
                Field(Place.FORM, "c", "d"),
            ),
        ),
    ]
    assert {s.base for s in shapes} == {BASE}


def test_canary_records_requests_with_a_trailing_slash_or_query() -> None:
    canary = Canary()
    try:
        for suffix in ("/", "?x=1"):
            answer = httpx.get(canary.url("nwssrf1") + suffix, timeout=5, trust_env=False)
            assert answer.text == "nodeward canary"
        assert canary.saw("nwssrf1")
        assert not canary.saw("nwssrf2")
        assert canary.url("t").startswith("http://127.0.0.1:")
    finally:
        canary.close()


def test_traversal_oracle_is_the_process_status_never_a_writable_file() -> None:
    status = "Name:\tnode\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\nPid:\t4242\n"
    assert STATUS.search(status) is not None
    assert STATUS.search("Tgid: 12 and Pid: 12 in one line") is None
    # Payloads may reach fs.writeFile: they only ever name /proc/self/status.
    assert all(t.endswith("/proc/self/status") for t in TRAVERSALS)


def test_write_proof_names_only_dev_null_or_a_missing_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The blind traversal proof may land in fs.writeFile: the one existing file it names is
    /dev/null, spelt afresh each time; the other path's folder does not exist."""
    sent: list[str] = []
    # The spelling is random; two draws may agree (1 in 16), so the draws are fixed here and
    # the test checks that a different draw gives a different spelling.
    draws = iter([0, 1])
    monkeypatch.setattr(traversal.secrets, "randbelow", lambda _bound: next(draws))

    class Recorder:
        point = InjectionPoint(SHAPE, Place.QUERY, "q")

        def send(self, value: str) -> None:
            sent.append(value)

    assert traversal._pair(Recorder()) is None  # type: ignore[arg-type]
    present, missing = sent
    assert present.startswith(traversal.CLIMB) and present.endswith("/dev/null")
    assert os.path.normpath("/" + present) == "/dev/null"
    assert not Path(os.path.normpath("/" + missing)).parent.exists()
    traversal._pair(Recorder())  # type: ignore[arg-type]
    assert sent[2] != present  # a fresh spelling


def test_answers_differing_only_by_echoed_path_pieces_are_equal() -> None:
    def answer(text: str) -> Exchange:
        return Exchange(Request("GET", BASE), Response(200, BASE, (), text.encode()))

    present, missing = f"{traversal.CLIMB}././dev/null", f"{traversal.CLIMB}nwmissing1/nw2"
    # a safe twin that echoes the file name it kept (path.basename) or the encoded path
    assert not traversal._differs(answer("saved null"), answer("saved nw2"), present, missing)
    assert not traversal._differs(
        answer(f"saved {quote(present, safe='')}"),
        answer(f"saved {quote(missing, safe='')}"),
        present,
        missing,
    )
    assert traversal._differs(answer("saved"), answer("could not save"), present, missing)


def test_form_with_an_invalid_method_submits_as_get() -> None:
    """As a browser does: `method="get>"` (a template typo) or "dialog" is a GET form, and
    its fields become query parameters to vary."""
    from nodeward.web.crawl import parse_page

    html = (
        '<form method="get>" action="/restore"><input name="data"></form>'
        '<form method="dialog" action="/d"><input name="x"></form>'
        '<form method="delete" action="/items/1"><input name="why"></form>'
    )
    _, forms = parse_page(BASE + "/", html)
    assert [(f.method, f.action) for f in forms] == [
        ("GET", BASE + "/restore"),
        ("GET", BASE + "/d"),
        ("DELETE", BASE + "/items/1"),
    ]


def test_link_segment_that_carries_data_is_a_path_input() -> None:
    from nodeward.web.inputs import shapes_of_links

    (shape,) = shapes_of_links(
        [
            f"{BASE}/greet/%3Cb%3Ehi%3C%2Fb%3E/html",  # markup: data
            f"{BASE}/docs/getting-started/v1.2",  # names of routes and files: not data
        ]
    )
    assert shape.path == "/greet/:segment2/html"
    assert shape.fields == (Field(Place.PATH, "segment2", "nodeward"),)
    assert shape.url({(Place.PATH, "segment2"): "a b"}) == f"{BASE}/greet/a%20b/html"
