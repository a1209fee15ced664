"""`nodeward probe URL` and `nodeward scan PATH --url URL` as a contract: exit codes, the
report, and static findings confirmed by the live app."""

from __future__ import annotations

import json
import socket

import pytest

from nodeward.cli import main
from web.app_runner import APPS, StartApp


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--format", "json", "--quiet"])
    return code, json.loads(capsys.readouterr().out)


def _findings(data: dict[str, object]) -> list[dict[str, object]]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return findings


def test_probe_reports_http_findings(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("vulnerable")
    code, data = _run(capsys, "probe", base + "/", "--active", "--allow-unsafe", "/login")
    assert code == 1  # exposed .env is high
    rules = {f["rule"] for f in _findings(data)}
    assert {"NW302", "NW650", "NW720"} <= rules
    assert all(f["location"]["kind"] == "http" for f in _findings(data))


def test_probe_is_passive_by_default(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("vulnerable")
    code, data = _run(capsys, "probe", base + "/", "--fail-on", "critical")
    assert code == 0
    rules = {f["rule"] for f in _findings(data)}
    assert "NW302" in rules and "NW650" not in rules and "NW720" not in rules


def test_probe_stops_at_the_budget(start_app: StartApp, capsys: pytest.CaptureFixture[str]) -> None:
    base = start_app("vulnerable")
    _, data = _run(capsys, "probe", base + "/", "--max-requests", "3")
    skips = data["skips"]
    assert isinstance(skips, list)
    assert any("budget of 3" in s["reason"] for s in skips)


def test_unreachable_target_is_a_skip_and_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    """The report (with its skip) is written, and the exit code is 2: nothing was checked."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        code, data = _run(capsys, "probe", url)
        assert code == 2 and _findings(data) == []
        skips = data["skips"]
        assert isinstance(skips, list) and len(skips) == 1
        assert skips[0]["target"] == url
        assert skips[0]["reason"].startswith("cannot probe: cannot connect")
        assert main(["probe", url, "--strict", "--quiet", "--format", "json"]) == 2


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/", "127.0.0.1:3000", "http://"])
def test_bad_url_is_a_usage_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", url, "--quiet"]) == 2
    assert "not an http:// or https:// URL" in capsys.readouterr().err


def test_scan_with_url_confirms_static_findings(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("vulnerable")
    code, data = _run(capsys, "scan", str(APPS / "vulnerable"), "--url", base + "/")
    assert code == 1
    findings = _findings(data)
    session = [f for f in findings if f["rule"] == "NW801"]
    assert len(session) == 1  # one weakness, one finding
    (merged,) = session
    assert merged["confirmed"] is True
    assert merged["location"]["kind"] == "source" and merged["location"]["path"] == "server.js"
    (evidence,) = merged["evidence"]
    assert evidence["location"]["kind"] == "http"
    # Loopback target: active checks ran by default.
    assert any(f["rule"] == "NW650" for f in findings)
    assert not any(f["rule"] == "NW740" for f in findings)  # the crash needs ?format=pdf
    # The probe's own rules ran, so the scorecard no longer lists them as unevaluated.
    [headers] = [r for r in data["scorecard"] if r["practice"] == "security-headers"]
    assert "NW340" not in {u["rule"] for u in headers["unchecked"]}


def test_scan_with_url_probes_the_inputs_handlers_read(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("inputs")
    code, data = _run(
        capsys, "scan", str(APPS / "inputs"), "--url", base + "/", "--allow-unsafe", "/place/*"
    )
    assert code == 1
    live = {
        (e["location"]["url"].removeprefix(base), e["location"].get("parameter"))
        for f in _findings(data)
        if f["rule"] == "NW103"
        for e in f["evidence"]
        if e["location"]["kind"] == "http"
    }
    # Reached only through the fields the static side read from each handler.
    assert {
        ("/place/json", "host"),
        ("/place/path/:host", "host"),
        ("/place/cookie", "host"),
        ("/place/header", "x-host"),
    } <= live
    assert not {u for u, _ in live if "safe" in u}
