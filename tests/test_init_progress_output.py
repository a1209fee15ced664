"""`nodeward init`, the progress helpers, and atomic report writing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nodeward.cli import main
from nodeward.config import Config, load_file
from nodeward.init import CONFIG_NAME, default_config_text
from nodeward.progress import task, track


def test_init_writes_the_defaults_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    written = tmp_path / CONFIG_NAME
    assert written.read_text() == default_config_text()
    assert written.read_text().count("\n# ") >= 8  # every key is explained
    values = load_file(written, "toml")
    defaults = Config()
    for key, value in values.items():
        assert getattr(defaults, key) == value, key
    written.write_text('fail-on = "low"\n')
    assert main(["init", str(tmp_path)]) == 2
    assert "already exists; use --force" in capsys.readouterr().err
    assert written.read_text() == 'fail-on = "low"\n'
    assert main(["init", str(tmp_path), "--force"]) == 0
    assert written.read_text() == default_config_text()


def test_init_into_a_missing_folder_is_exit_2(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "nope")]) == 2


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_quiet_or_not_a_terminal() -> None:
    items = list(range(100))
    for stream, quiet in ((io.StringIO(), False), (_Tty(), True)):
        assert list(track(items, "Parsing", quiet=quiet, stream=stream)) == items
        with task("Probing", 100, quiet=quiet, stream=stream) as advance:
            advance(5)
        assert stream.getvalue() == ""


def test_progress_draws_on_a_terminal() -> None:
    stream = _Tty()
    assert list(track(list(range(100)), "Parsing", quiet=False, stream=stream)) == list(range(100))
    assert "Parsing" in stream.getvalue()


def test_a_failed_run_leaves_an_existing_report_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "server.js").write_text('const s = require("express-session");\n')
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    report.write_text("previous report\n")
    bad_baseline = tmp_path / "baseline.json"
    bad_baseline.write_text("{ not json")
    code = main(
        ["scan", str(tmp_path), "-f", "json", "-o", str(report), "--baseline", str(bad_baseline)]
    )
    assert code == 2
    assert report.read_text() == "previous report\n"
    assert [p.name for p in report.parent.iterdir()] == ["report.json"]  # no temp file left
    assert main(["scan", str(tmp_path), "-f", "json", "-o", str(report)]) == 0
    assert report.read_text().startswith("{")
