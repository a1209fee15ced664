"""The probe's blind oracles against tests/apps/blind: a shell whose output is dropped
(found by time: sleep DELAY versus sleep 0, twice), a file write joined to a folder (a climb
to /dev/null versus a missing folder), a value the app links itself that reads /etc/passwd,
a deserializer that runs functions (one returning an undeclared name versus a declared one)
and a multipart upload form whose text field is shown back; each safe twin stays quiet."""

from __future__ import annotations

from nodeward.findings import HttpLocation
from nodeward.web.probe import ProbeOptions, ProbeResult, run_probe
from web.app_runner import StartApp


def _probe(base: str) -> ProbeResult:
    return run_probe(
        ProbeOptions(url=base + "/", active=True, max_requests=2000, allow_unsafe=("/upload*",))
    )


def _where(result: ProbeResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        if finding.rule.startswith("NW1"):
            assert isinstance(finding.location, HttpLocation)
            found.setdefault(finding.rule, set()).add(finding.location.url.rsplit("/", 1)[1])
    return found


def _where_xss(result: ProbeResult) -> set[str]:
    return {
        f.location.url.split("://", 1)[1].partition("/")[2]  # type: ignore[union-attr]
        for f in result.findings
        if f.rule == "NW901"
    }


def test_blind_oracles_find_each_weakness_and_no_safe_twin(start_app: StartApp) -> None:
    result = _probe(start_app("blind"))
    assert _where(result) == {"NW103": {"check"}, "NW105": {"save", "show"}, "NW110": {"restore"}}
    # a link segment that carries markup is an input (the route has no :name in the link)
    assert _where_xss(result) == {"upload", "say/:segment2/loud"}
    messages = {f.location.url.rsplit("/", 1)[1]: f.message for f in result.findings}  # type: ignore[union-attr]
    assert messages["check"].startswith(
        "The query parameter 'dir' of GET /check reaches a shell: `sleep 2` after ;"
    )
    assert "a climb to /dev/null is answered differently" in messages["save"]
    assert "a serialized function that returns an undeclared name" in messages["restore"]
    assert messages["show"].startswith(
        "The query parameter 'topic' of GET /show chooses a file outside the app's folder: its "
        "value 'accounts' answers with a system file's content"
    )
    (upload,) = [
        f
        for f in result.findings
        if f.rule == "NW901" and f.location.url.endswith("/upload")  # type: ignore[union-attr]
    ]
    # the multipart form was sent as such, with the probe's small text file attached
    assert "multipart field 'title' of POST /upload" in upload.message
    assert any('filename="nodeward.txt"' in (e.request or "") for e in upload.evidence)
