"""Precision of the taint engine on three constructs: a read sees only the assignments
that can reach it (variable_writes.py), text without line feeds is no log injection
(line_breaks.py), and counts and flags of server answers are no DOM XSS
(fetched_fields.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tree import write_file

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path
from nodeward.source.taint.fetched_fields import is_scalar_field
from nodeward.source.taint.line_breaks import matches_every


def _lines(root: Path, files: dict[str, str], rule: str) -> list[int]:
    for rel, text in files.items():
        write_file(root, rel, text)
    return sorted(
        f.location.line
        for f in scan_path(root).findings
        if f.rule == rule and isinstance(f.location, SourceLocation)
    )


_HANDLER = """const express = require("express");
const app = express();
app.get("/t", (req, res) => {
  let result;
  if (req.headers.authorization) {
    result = req.headers.authorization;
  } else {
    result = { error: "Token required" };
    res.status(401).send(result);
  }
  res.send(result);
});
"""


def test_a_branch_answers_with_its_own_assignment(tmp_path: Path) -> None:
    # line 9 sends the literal of its branch; line 11 may send either
    assert _lines(tmp_path, {"app.js": _HANDLER}, "NW901") == [11]


def test_a_later_plain_assignment_replaces_the_value(tmp_path: Path) -> None:
    handler = (
        'const app = require("express")();\n'
        'app.get("/t", (req, res) => {\n'
        "  let shown = req.query.name;\n"
        '  shown = "anonymous";\n'
        "  res.send(shown);\n"
        "  let kept = req.query.name;\n"
        "  req.query.list.forEach((x) => { kept = 'x'; });\n"
        "  res.send(kept);\n"
        "});\n"
    )
    assert _lines(tmp_path, {"app.js": handler}, "NW901") == [8]


def test_pieces_of_lines_are_no_log_injection(tmp_path: Path) -> None:
    handler = (
        'const app = require("express")();\n'
        'app.post("/t", (req, res) => {\n'
        '  for (const line of req.body.text.split("\\n")) console.log("got " + line);\n'
        '  console.log("got " + req.body.text.split(",")[0]);\n'
        '  console.log("got " + req.body.text.replace(/\\n$/, ""));\n'
        "  res.end();\n"
        "});\n"
    )
    assert _lines(tmp_path, {"app.js": handler}, "NW107") == [4, 5]


def test_counts_of_server_answers_are_no_dom_xss(tmp_path: Path) -> None:
    page = (
        "fetch('/api/stats').then((r) => r.json()).then((s) => {\n"
        "  document.getElementById('n').innerHTML = s.count + ' of ' + s.totalCount;\n"
        "  document.getElementById('t').innerHTML = s.title;\n"
        "});\n"
    )
    assert _lines(tmp_path, {"public/app.js": page}, "NW903") == [3]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\n", True),
        (r"\r?\n", True),
        (r"[\r\n]", True),
        (r"[\r\n]+", True),
        (r"\n|\r", True),
        (r"\r\n|\n", True),
        (r"(\r\n|\n)", True),
        (r"\s+", True),
        (r"\r\n", False),  # a lone \n is left
        (r"\n$", False),  # the last one only
        (r"^\n", False),
        (r"[^\n]", False),
        (r"x*|\n", False),  # an empty match steps over the line feed
        (r"\\n", False),  # a backslash and an n
        (r"[\\n]", False),
    ],
)
def test_patterns_that_match_every_line_feed(pattern: str, expected: bool) -> None:
    assert matches_every(pattern, r"\n") is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [(r"[\r\n]", True), (r"\r\n|\n|\r", True), (r"\s", True), (r"\r?\n", False), (r"\n", False)],
)
def test_patterns_that_match_every_carriage_return(pattern: str, expected: bool) -> None:
    assert matches_every(pattern, r"\r") is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("count", True),
        ("itemCount", True),
        ("total_count", True),
        ("numPages", True),
        ("ok", True),
        ("status", True),
        ("pageSize", True),
        ("account", False),
        ("discount", False),
        ("number", False),
        ("countLabel", False),
        ("title", False),
    ],
)
def test_scalar_field_names(name: str, expected: bool) -> None:
    assert is_scalar_field(name) is expected
