"""The probe's blind oracles against tests/apps/blind: a shell whose output is dropped
(found by time: sleep DELAY versus sleep 0, twice), a file write joined to a folder (a climb
to /dev/null versus a missing folder) and a deserializer that runs functions (a function
that throws versus one that returns); each safe twin stays quiet."""

from __future__ import annotations

from nodeward.findings import HttpLocation
from nodeward.web.probe import ProbeOptions, ProbeResult, run_probe
from web.app_runner import StartApp


def _probe(base: str) -> ProbeResult:
    return run_probe(ProbeOptions(url=base + "/", active=True, max_requests=2000))


def _where(result: ProbeResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        if finding.rule.startswith("NW1"):
            assert isinstance(finding.location, HttpLocation)
            found.setdefault(finding.rule, set()).add(finding.location.url.rsplit("/", 1)[1])
    return found


def test_blind_oracles_find_each_weakness_and_no_safe_twin(start_app: StartApp) -> None:
    result = _probe(start_app("blind"))
    assert _where(result) == {"NW103": {"check"}, "NW105": {"save"}, "NW110": {"restore"}}
    messages = {f.rule: f.message for f in result.findings if f.rule in ("NW103", "NW105", "NW110")}
    assert messages["NW103"].startswith(
        "The query parameter 'dir' of GET /check reaches a shell: `sleep 2` after ;"
    )
    assert "a climb to /dev/null is answered differently" in messages["NW105"]
    assert "a serialized function that returns an undeclared name" in messages["NW110"]
