"""Progress on stderr covers every phase of a scan, with counts, and stays off the results."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from nodeward import progress
from nodeward.scan import scan_path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _drawn(stream: io.StringIO) -> str:
    """What the terminal showed, one redraw a line, with the columns' padding collapsed."""
    return re.sub(" +", " ", ANSI.sub("", stream.getvalue()).replace("\r", "\n"))


def _express_app(root: Path) -> Path:
    root.mkdir()
    (root / "package.json").write_text('{"name": "a", "dependencies": {"express": "4.0.0"}}\n')
    (root / "server.js").write_text(
        'const express = require("express");\n'
        "const app = express();\n"
        'app.get("/u", (req, res) => res.send(req.query.name));\n'
        "app.listen(3000);\n"
    )
    return root


def test_every_scan_phase_is_shown_with_its_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = _Tty()
    monkeypatch.setattr(sys, "stderr", stderr)
    report = scan_path(_express_app(tmp_path / "app"), offline=True)
    assert report.findings  # the scan itself is unchanged
    drawn = _drawn(stderr)
    for phase in (
        "parse: 0/1 files",  # the scripts; package.json is read before
        "app model: 0/1 files",
        "taint: 0/1 files",
        "rules: 0/",
        "dependencies: 0/4 steps",
    ):
        assert phase in drawn, phase


def test_nothing_is_drawn_when_quiet_silenced_or_piped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _express_app(tmp_path / "app")
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    scan_path(app, offline=True)
    assert piped.getvalue() == ""
    stderr = _Tty()
    monkeypatch.setattr(sys, "stderr", stderr)
    scan_path(app, offline=True, quiet=True)
    with progress.silenced():
        scan_path(app, offline=True)
    assert stderr.getvalue() == ""


def test_nested_phases_share_one_display() -> None:
    """The taint phase runs inside the rules phase: one terminal holds one live display,
    so the inner phase is a second line of the outer one's display, then goes away."""
    stream = _Tty()
    with progress.task("rules", 10, unit="checks", quiet=False, stream=stream) as outer:
        with progress.task("taint", 450, unit="files", quiet=False, stream=stream) as inner:
            inner(120)
        outer(1)
    drawn = _drawn(stream)
    assert "rules: 0/10 checks" in drawn
    assert "taint: 0/450 files" in drawn
    assert progress._display is None  # the display is stopped with its outer phase


def test_unknown_total_shows_no_count_before_the_first_step() -> None:
    stream = _Tty()
    with progress.task(
        "rules", None, unit="per file, in a second process", quiet=False, stream=stream
    ):
        pass
    assert "rules: per file, in a second process" in _drawn(stream)
