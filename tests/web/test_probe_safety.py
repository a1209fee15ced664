"""The probe against tests/apps/destructive, an app whose links and forms log out, delete,
drop, reset and transfer: what the app received (its /__requests log) shows which of them
the probe sent in passive mode, in active mode, and with --allow-unsafe / --allow-methods."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import pytest

from nodeward.cli import main
from nodeward.web.probe import ProbeOptions, ProbeResult, run_probe
from web.app_runner import APPS, StartApp

#: Every state-changing URL the app's start page links to or posts to.
DESTRUCTIVE_PATHS = {
    "/logout",
    "/delete",
    "/users/deleteUser",
    "/admin/drop",
    "/admin/purge-cache",
    "/reset-db",
    "/account/transfer",
    "/admin/drop-table",
    "/admin/save-config",
    "/transfer",
    "/items/1",
    "/profile",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _received(base: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(base + "/__requests", timeout=5) as answer:  # noqa: S310
        data: list[dict[str, str]] = json.loads(answer.read())
    return data


def _changing(received: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(method, url) of every request the app got that changes state."""
    return sorted(
        {
            (r["method"], r["url"])
            for r in received
            if r["method"] not in SAFE_METHODS
            or urlsplit(r["url"]).path in DESTRUCTIVE_PATHS
            or "action=cancel" in r["url"]
        }
    )


def _probe(base: str, **options: object) -> ProbeResult:
    return run_probe(ProbeOptions(url=base + "/", **options))  # type: ignore[arg-type]


def test_passive_mode_sends_nothing_state_changing(start_app: StartApp) -> None:
    base = start_app("destructive")
    result = _probe(base)
    received = _received(base)
    assert _changing(received) == []
    paths = {urlsplit(r["url"]).path for r in received}
    # Look-alike words are not destructive: these pages were crawled.
    assert {"/", "/about", "/dropdown", "/deleted-items", "/admin/stats"} <= paths
    assert result.coverage is not None
    not_sent = {(n.method, urlsplit(n.url).path): n.reason for n in result.coverage.not_sent}
    assert not_sent[("GET", "/logout")] == (
        "state-changing (path word 'logout'); passive mode sends none"
    )
    assert not_sent[("GET", "/orders")] == (
        "state-changing (parameter 'action' says 'cancel'); passive mode sends none"
    )
    assert not_sent[("POST", "/admin/drop-table")] == (
        "state-changing (method POST); passive mode sends none"
    )
    assert len(not_sent) == 11
    assert result.skips == ()  # refusing is the probe's job, not a partial failure


def test_active_mode_sends_nothing_state_changing_unless_allowed(start_app: StartApp) -> None:
    base = start_app("destructive")
    result = _probe(base, active=True)
    assert _changing(_received(base)) == []
    assert result.coverage is not None
    csrf = {
        (n.method, n.url): n.reason
        for n in result.coverage.not_sent
        if n.reason.startswith("NW501 (CSRF) not checked")
    }
    assert sorted(csrf) == [
        ("DELETE", f"{base}/items/1"),
        ("POST", f"{base}/admin/save-config"),
        ("POST", f"{base}/transfer"),
        ("PUT", f"{base}/profile"),
    ]
    assert csrf[("POST", f"{base}/transfer")] == (
        "NW501 (CSRF) not checked: it needs one state-changing request; state-changing "
        "(method POST); not allowed by --allow-unsafe"
    )
    # Never tried anywhere: the scorecard says "not checked", not "passed".
    assert [(u.rule, u.reason) for u in result.unevaluated] == [
        ("NW501", csrf[("POST", f"{base}/admin/save-config")])
    ]


def test_allow_unsafe_opens_only_the_matching_urls(start_app: StartApp) -> None:
    base = start_app("destructive")
    result = _probe(base, active=True, allow_unsafe=("/admin/*",))
    received = _received(base)
    changing = _changing(received)
    assert changing  # the allowed ones were probed
    assert {urlsplit(url).path for _, url in changing} == {
        "/admin/drop",
        "/admin/purge-cache",
        "/admin/drop-table",
        "/admin/save-config",
    }
    # Never the form's own pre-filled file path; a hidden CSRF token is carried.
    saved = [r["body"] for r in received if r["url"] == "/admin/save-config" and r["body"]]
    assert saved and all("/etc/hosts" not in body and "etc%2Fhosts" not in body for body in saved)
    dropped = [r["body"] for r in received if r["url"] == "/admin/drop-table" and r["body"]]
    assert dropped and all("users" not in body for body in dropped)
    # The CSRF finding says how little it sent.
    (csrf,) = [f for f in result.findings if f.rule == "NW501"]
    assert "/admin/save-config" in csrf.message
    assert "proved with one request carrying sample values, not the form's own" in csrf.message


def test_delete_and_put_need_allow_methods(start_app: StartApp) -> None:
    base = start_app("destructive")
    _probe(base, active=True, allow_unsafe=("/items/*", "/profile"))
    assert [m for m, _ in _changing(_received(base))] == []
    _probe(base, active=True, allow_unsafe=("/items/*", "/profile"), allow_methods=("DELETE",))
    assert _changing(_received(base)) == [("DELETE", "/items/1")]


def test_exclude_and_include_filter_urls(start_app: StartApp) -> None:
    base = start_app("destructive")
    result = _probe(base, include=("/,/d*",), exclude=("/dropdown",))
    paths = {urlsplit(r["url"]).path for r in _received(base)}
    assert paths == {"/", "/deleted-items"}
    assert result.coverage is not None
    reasons = {urlsplit(n.url).path: n.reason for n in result.coverage.not_sent}
    assert reasons["/dropdown"] == "excluded by --exclude /dropdown"
    assert reasons["/about"] == "not matched by any --include pattern"
    assert reasons["/delete"] == "state-changing (path word 'delete'); passive mode sends none"


def test_scan_with_url_takes_the_probe_url_filters(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("destructive")
    app = str(APPS / "destructive")
    argv = ["scan", app, "--url", base + "/", "--no-active", "--probe-exclude", "/about"]
    main([*argv, "--format", "json", "-q"])
    probe = json.loads(capsys.readouterr().out)["probe"]
    reasons = {n["url"]: n["reason"] for n in probe["not_sent"]}
    assert reasons[base + "/about"] == "excluded by --exclude /about"
    assert {urlsplit(r["url"]).path for r in _received(base)} >= {"/", "/dropdown"}
