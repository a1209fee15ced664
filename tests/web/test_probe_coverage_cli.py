"""`nodeward probe` prints its coverage table (requested URLs, what was not sent and why) in
every report format, honours --select/--ignore, and rejects bad safety flags with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from nodeward.cli import main
from web.app_runner import StartApp

REPORT_SCHEMA = json.loads(
    (
        Path(__file__).parent.parent.parent / "src/nodeward/report/schema/report.schema.json"
    ).read_text()
)


def _probe(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["probe", *argv, "--quiet"])
    return code, capsys.readouterr().out


def test_json_report_carries_the_coverage_table(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("destructive")
    code, out = _probe(capsys, base + "/", "--format", "json", "--fail-on", "critical")
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, REPORT_SCHEMA)
    probe = data["probe"]
    assert probe["mode"] == "passive"
    assert probe["stopped"] is None
    assert {
        "method": "GET",
        "url": f"{base}/logout",
        "reason": ("state-changing (path word 'logout'); passive mode sends none"),
    } in probe["not_sent"]
    urls = {row["url"]: row for row in probe["urls"]}
    assert urls[f"{base}/dropdown"]["methods"] == ["GET"]
    assert urls[f"{base}/dropdown"]["checks"] == ["crawl"]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "not sent: GET {base}/logout: state-changing (path word 'logout'); passive"),
        ("html", '<section id="probe-coverage">'),
        ("github", "::notice title=nodeward probe::Probe of {base}/ (passive): "),
        ("sarif", '"probeCoverage": {'),
    ],
)
def test_every_format_shows_the_coverage(
    fmt: str, expected: str, start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("destructive")
    _, out = _probe(capsys, base + "/", "--format", fmt)
    assert expected.replace("{base}", base) in out


def test_select_and_ignore_apply_to_the_probe(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("destructive")
    _, out = _probe(capsys, base + "/", "--format", "json")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"NW301", "NW302"}
    _, out = _probe(capsys, base + "/", "--format", "json", "--select", "NW30,NW8")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"NW301", "NW302"}
    _, out = _probe(capsys, base + "/", "--format", "json", "--select", "NW30", "--ignore", "NW301")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"NW302"}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--exclude", "re:("], "probe URL pattern 're:(': invalid regular expression"),
        (["--allow-methods", "GET"], "--allow-methods GET: only DELETE, PUT and PATCH need it"),
        (["--max-time", "-1"], "--max-time must be 0 (no limit) or a number of seconds"),
    ],
)
def test_bad_safety_flags_are_usage_errors(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["probe", "http://127.0.0.1:9/", *flags])
    assert code == 2
    assert message in capsys.readouterr().err


def test_github_annotations_for_probe_skips_name_the_url(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    base = start_app("destructive")
    _, out = _probe(capsys, base + "/", "--format", "github", "--max-requests", "3")
    # A URL is no file of the workspace: the skip is a line of the one summary notice.
    assert (
        f"::notice title=nodeward skipped 1 item::{base}/: request budget of 3 used up; raise "
        "--max-requests to probe more"
    ) in out.splitlines()
    assert "file=http" not in out
