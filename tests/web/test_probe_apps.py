"""The probe against real Express apps on 127.0.0.1: every check fires against
tests/apps/vulnerable, and no active check fires against its hardened twin."""

from __future__ import annotations

import pytest

from nodeward.findings import HttpLocation
from nodeward.web.checks import files
from nodeward.web.probe import ACTIVE_CODES, ProbeOptions, ProbeResult, run_probe
from web.app_runner import StartApp


def _probe(url: str, **options: object) -> ProbeResult:
    return run_probe(ProbeOptions(url=url, **options))  # type: ignore[arg-type]


def _where(result: ProbeResult) -> dict[str, set[str]]:
    """rule -> the URL paths it was reported at."""
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        assert isinstance(finding.location, HttpLocation)
        path = "/" + finding.location.url.split("://", 1)[1].partition("/")[2].split("?")[0]
        found.setdefault(finding.rule, set()).add(path)
    return found


def test_vulnerable_app_every_check_fires(start_app: StartApp) -> None:
    base = start_app("vulnerable")
    # The CSRF and brute-force checks need state-changing requests: allowed where named.
    result = _probe(base + "/", active=True, allow_unsafe=("/transfer", "/login,/signin"))
    found = _where(result)
    expected = {
        "NW301": {"/"},  # Helmet headers missing
        "NW302": {"/"},  # X-Powered-By: Express
        "NW303": {"/help"},  # weak CSP
        "NW304": {"/"},  # reflected Origin with credentials
        "NW341": {"/help"},  # Server: nginx/1.18.0
        "NW343": {"/"},  # five-year session cookie
        "NW401": {"/"},  # Node 20 JSON parse error with details
        "NW801": {"/"},  # connect.sid
        "NW802": {"/"},
        "NW803": {"/"},
        "NW804": {"/"},
        "NW610": {"/files/"},  # serve-index
        "NW630": {"/api/users", "/api/token"},  # bcrypt hashes; JWT and API key
        "NW650": {"/.env", "/package.json", "/.git/config"},
        "NW502": {"/admin"},
        "NW101": {"/products"},
        "NW102": {"/api/users"},
        "NW103": {"/ping"},
        "NW105": {"/file"},
        "NW540": {"/go"},
        "NW901": {"/search"},
        "NW501": {"/transfer"},
        "NW720": {"/login"},
        "NW741": {"/signin"},
    }
    assert found == expected
    (brute,) = [f for f in result.findings if f.rule == "NW720"]
    assert "(the probe sent no more than that, for a made-up account)" in brute.message
    assert not result.interrupted
    assert result.requests < 400


def test_vulnerable_app_flags_carry_evidence(start_app: StartApp) -> None:
    base = start_app("vulnerable")
    result = _probe(base + "/")
    cookie = next(f for f in result.findings if f.rule == "NW802")
    assert "connect.sid" in cookie.message
    (evidence,) = cookie.evidence
    assert evidence.request is not None and evidence.request.startswith("GET ")
    assert evidence.response is not None and "connect.sid=[redacted]" in evidence.response
    # Passive by default: no active payloads were sent.
    assert not {f.rule for f in result.findings} & set(ACTIVE_CODES)


def test_authenticated_pages_without_no_store(start_app: StartApp) -> None:
    base = start_app("vulnerable")
    result = _probe(base + "/", login_url="/login", login_data="username=alice&password=wonderland")
    assert _where(result).get("NW342") == {"/account"}


def test_hardened_twin_no_active_check_fires(start_app: StartApp) -> None:
    base = start_app("hardened")
    result = _probe(base + "/", active=True, allow_unsafe=("*",))
    assert [f.rule for f in result.findings] == []
    assert result.skips == ()


def test_crash_is_reported_and_probing_stops(start_app: StartApp) -> None:
    base = start_app("vulnerable")
    result = _probe(base + "/report?format=pdf", active=True)
    assert [f.rule for f in result.findings] == ["NW740"]
    assert result.requests < 10


def test_ctrl_c_keeps_the_findings_so_far(
    start_app: StartApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(_ctx: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "check", interrupt)
    base = start_app("vulnerable")
    result = _probe(base + "/", active=True)
    assert result.interrupted
    rules = {f.rule for f in result.findings}
    assert "NW302" in rules  # found while crawling, before the interrupt
    assert "NW650" not in rules and "NW720" not in rules  # never ran
    assert any("interrupted" in s.reason for s in result.skips)


def test_hardened_login_limit_checked_within_attempt_cap(start_app: StartApp) -> None:
    base = start_app("hardened")
    result = _probe(base + "/", active=True, max_login_attempts=3, allow_unsafe=("/log*,/sign*",))
    # The limiter allows 5: three attempts are not enough to see it, so it is reported.
    assert _where(result).get("NW720") == {"/login", "/signin"}
    # Every input gets about 25 payloads (nine injection classes), login forms none.
    assert result.requests < 400
