"""Scanned file names and contents, and probed servers' bytes, reach no report raw: a scan of
a tree whose file NAME and flagged line hold ESC, BEL, C1 CSI, a newline and U+202E yields,
in every format, output whose bytes hold none of them (outside JSON's and HTML's own line
breaks), no forged line, no interpreted rich markup, and still schema-valid SARIF/JSON."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES

from nodeward.catalog import get_rule
from nodeward.cli import main
from nodeward.commands.routes import render_text
from nodeward.discover import DiscoveryOptions, discover
from nodeward.findings import Evidence, HttpLocation, Report, Skip, SourceLocation
from nodeward.project import load_project
from nodeward.report import github, html, json_report, sarif, text
from nodeward.source.appmodel import app_model

SARIF_SCHEMA = json.loads((FIXTURES / "schemas" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads(
    (Path(__file__).parent.parent / "src/nodeward/report/schema/report.schema.json").read_text()
)
#: Sets the terminal title, clears the screen, erases the line above, C1 CSI, a newline
#: that would forge a report line, a right-to-left override, and rich markup.
EVIL = "\x1b]0;pwned\x07\x1b[2J\x1b[1A\x1b[2K\x9b31m\u202e\nFORGED [bold]b"
EVIL_NAME = f"a{EVIL}.js"
EVIL_NAME_SHOWN = "a\\x1b]0;pwned\\x07\\x1b[2J\\x1b[1A\\x1b[2K\\x9b31m\\u202e\\nFORGED [bold]b.js"
LINE_PAYLOAD = EVIL.replace("\n", " ")  # a flagged line cannot hold a newline; a name can
FLAGGED = (
    'const express = require("express");\n'
    "const app = express();\n"
    f'app.get("/x", (req, res) => {{ eval(req.query.x); /* {LINE_PAYLOAD} */ }});\n'
)
FORMATS = ("text", "github", "json", "sarif", "html")


def _raw_dangerous(output: str, *, allow_newline: bool) -> set[str]:
    return {c for c in output if not c.isprintable() and not (allow_newline and c == "\n")}


@pytest.fixture
def evil_tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / EVIL_NAME).write_text(FLAGGED, encoding="utf-8")
    (root / f"broken{EVIL}.js").write_text("function (\n", encoding="utf-8")
    return root


def _scan(root: Path, tmp_path: Path, fmt: str) -> str:
    out = tmp_path / f"report.{fmt}"
    code = main(["--no-color", "scan", str(root), "--format", fmt, "--output", str(out), "-q"])
    assert code == 1
    return out.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_carries_a_raw_control_or_bidi_character(
    evil_tree: Path, tmp_path: Path, fmt: str
) -> None:
    output = _scan(evil_tree, tmp_path, fmt)
    # text and github: every line break is the report's own; JSON/HTML: structural only
    assert _raw_dangerous(output, allow_newline=True) == set()
    assert not any(line.startswith("FORGED") for line in output.splitlines())
    if fmt in ("text", "github", "html"):
        assert "\\x1b]0;pwned\\x07" in output and "\\u202e" in output


def test_the_text_report_shows_names_escaped_and_markup_literally(
    evil_tree: Path, tmp_path: Path
) -> None:
    output = _scan(evil_tree, tmp_path, "text")
    assert f"NW104 code-injection  {EVIL_NAME_SHOWN}:3:" in output
    assert "[bold]b.js" in output  # not taken as rich markup
    assert "\\x1b[2J\\x1b[1A\\x1b[2K\\x9b31m\\u202e FORGED [bold]b */ });" in output  # snippet
    assert "Skipped (1)" in output and "broken\\x1b]0;pwned" in output


def test_github_annotations_keep_the_name_in_the_file_property(
    evil_tree: Path, tmp_path: Path
) -> None:
    output = _scan(evil_tree, tmp_path, "github")
    [annotation] = [
        line for line in output.splitlines() if "NW104" in line and "file=a\\x1b" in line
    ]
    assert annotation.startswith(f"::error file={EVIL_NAME_SHOWN},line=3,")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_formats_escape_but_keep_the_real_name(
    evil_tree: Path, tmp_path: Path, fmt: str
) -> None:
    output = _scan(evil_tree, tmp_path, fmt)
    assert "\u202e" not in output and "\\u202e" in output
    data = json.loads(output)
    jsonschema.validate(data, SARIF_SCHEMA if fmt == "sarif" else REPORT_SCHEMA)
    if fmt == "json":
        paths = {f["location"]["path"] for f in data["findings"]}
        assert EVIL_NAME in paths  # the parsed value is the real file name
        assert any(s["target"] == f"broken{EVIL}.js" for s in data["skips"])


def _strings(value: object) -> set[str]:
    """Every string in a parsed JSON document."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values()), set(value))
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value))
    return set()


def _probe_report() -> Report:
    """Server bytes: a header and a body with controls and a bidi override."""
    rule = get_rule("NW301")
    assert rule is not None
    exchange = f"HTTP 200\nx-evil: {EVIL}\r\n\r\nbody {EVIL}"
    live = rule.finding(
        HttpLocation(f"http://127.0.0.1:3000/{EVIL}", "GET", EVIL),
        f"missing header on {EVIL}",
        evidence=(
            Evidence(
                HttpLocation("http://127.0.0.1:3000/p"),
                f"seen {EVIL}",
                request=f"GET /{EVIL}",
                response=exchange,
            ),
        ),
    )
    static = rule.finding(SourceLocation(EVIL_NAME, 1, 1, snippet=EVIL), EVIL)
    return Report(
        "0",
        "/tmp/p",
        (live, static),
        skips=(Skip(EVIL, EVIL),),
        files_scanned=1,
        rules=(rule,),
    )


def test_probe_bytes_are_neutralised_in_every_renderer() -> None:
    report = _probe_report()
    for output in (text.render(report), github.render(report)):
        assert _raw_dangerous(output, allow_newline=True) == set()
        assert not any(line.startswith("FORGED") for line in output.splitlines())
    assert _raw_dangerous(html.render(report), allow_newline=True) == set()
    for document in (json_report.render(report), sarif.render(report)):
        assert _raw_dangerous(document, allow_newline=True) == set()
        assert f"missing header on {EVIL}" in _strings(json.loads(document))
    jsonschema.validate(json.loads(sarif.render(report)), SARIF_SCHEMA)
    page = html.render(report)
    assert "body \\x1b]0;pwned" in page  # the exchange keeps its lines in <pre> ...
    assert "x-evil: \\x1b]0;pwned\\x07\\x1b[2J\\x1b[1A\\x1b[2K\\x9b31m\\u202e\nFORGED" in page


def test_routes_command_neutralises_paths_and_names(evil_tree: Path) -> None:
    model = app_model(load_project(discover(evil_tree, DiscoveryOptions())))
    output = render_text(model)
    assert _raw_dangerous(output, allow_newline=True) == set()
    assert f"({EVIL_NAME_SHOWN}:2)" in output


def test_error_messages_show_user_paths_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / f"gone{EVIL}"
    assert main(["scan", str(missing)]) == 2
    err = capsys.readouterr().err
    assert _raw_dangerous(err, allow_newline=True) == set()
    assert err.count("\n") == 1 and "gone\\x1b]0;pwned" in err
    assert main(["routes", str(missing)]) == 2
    assert "gone\\x1b]0;pwned" in capsys.readouterr().err
    assert main(["explain", f"NW{EVIL}"]) == 2
    assert _raw_dangerous(capsys.readouterr().err, allow_newline=True) == set()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_undecodable_file_name_is_reported_not_crashed_on(tmp_path: Path, fmt: str) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    try:  # a byte that is not UTF-8: Python names the file with a lone surrogate, x\udcff.js
        name = os.fsdecode(os.fsencode(str(root)) + b"/x\xff.js")
        Path(name).write_text('const password = "hunter2hunter";\n')
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses undecodable names")
    output = _scan(root, tmp_path, fmt)
    assert _raw_dangerous(output, allow_newline=True) == set()
    assert "internal error" not in output
    assert "x\\udcff.js" in output  # a visible escape, or the JSON escape of the surrogate


def test_in_colour_the_only_escape_sequences_are_rich_styles() -> None:
    output = text.render(_probe_report(), color=True)
    assert "\x1b[" in output  # styles are on
    unstyled = re.sub(r"\x1b\[[0-9;]*m", "", output)
    assert _raw_dangerous(unstyled, allow_newline=True) == set()
    assert not any(line.startswith("FORGED") for line in unstyled.splitlines())
