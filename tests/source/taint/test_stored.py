"""Stored XSS (NW904): store names, and the flow from the write to the sink."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path
from nodeward.source.taint.stored import store_key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Comment", "comment"),
        ("comments", "comment"),
        ("CommentModel", "comment"),
        ("memosCol", "memo"),
        ("usersCollection", "user"),
        ("public.categories", "category"),
        ("address", "address"),
        ("protocol", "protocol"),
    ],
)
def test_model_collection_and_table_names_share_a_key(name: str, key: str) -> None:
    assert store_key(name) == key


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


_WRITER = """
const express = require("express");
const { Note } = require("./models");
const router = express.Router();
router.post("/notes", async (req, res) => {
  await Note.create({ text: req.body.text });
  res.redirect("/notes");
});
module.exports = router;
"""

_READER = """
const express = require("express");
const { Note, Tip } = require("./models");
const router = express.Router();
router.get("/notes", async (req, res) => {
  const notes = await Note.findAll();
  res.send("<p>" + notes[0].text + "</p>");
});
router.get("/tips", async (req, res) => {
  const tips = await Tip.findAll();
  res.send("<p>" + tips[0].text + "</p>");
});
module.exports = router;
"""


def test_flow_runs_from_the_write_through_the_read_to_the_sink(tmp_path: Path) -> None:
    _write(tmp_path, {"writer.js": _WRITER, "reader.js": _READER})
    report = scan_path(tmp_path, select=("NW904", "NW901"))
    [finding] = report.findings  # Tip is never written from requests; no NW901
    assert finding.rule == "NW904"
    assert isinstance(finding.location, SourceLocation)
    assert (finding.location.path, finding.location.line) == ("reader.js", 7)
    places = [
        (step.location.path, step.location.line)
        for step in finding.flow
        if isinstance(step.location, SourceLocation)
    ]
    assert places == [("writer.js", 6), ("writer.js", 6), ("reader.js", 6), ("reader.js", 7)]
    assert "stored from req.body.text by Note.create() at writer.js:6" in finding.message


def test_a_store_written_only_with_escaped_values_stays_quiet(tmp_path: Path) -> None:
    writer = _WRITER.replace("req.body.text", "escapeHtml(req.body.text)").replace(
        'const express = require("express");',
        'const express = require("express");\nconst escapeHtml = require("escape-html");',
    )
    _write(tmp_path, {"writer.js": writer, "reader.js": _READER})
    assert scan_path(tmp_path, select=("NW904",)).findings == ()
