"""run_scan runs its analyzers with SCAN_GC_THRESHOLDS and gives the caller's garbage
collector thresholds back afterwards, also when an analyzer fails; a scan that ends the
process (cli.entry) leaves its heap frozen, any other leaves it to the collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from nodeward import cli
from nodeward.analysis.context import AnalysisContext
from nodeward.analysis.result import AnalysisResult
from nodeward.config import Config
from nodeward.scan import SCAN_GC_THRESHOLDS, run_scan


class _Recorder:
    standalone = False

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: tuple[int, int, int] | None = None

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        self.seen = gc.get_threshold()
        if self.fail:
            raise RuntimeError("analyzer failed")
        return AnalysisResult()


@pytest.fixture
def caller_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("caller_thresholds")
def test_the_analyzers_run_with_the_scan_thresholds_and_the_callers_come_back(
    tmp_path: Path,
) -> None:
    recorder = _Recorder()
    run_scan(Config(path=tmp_path), [[recorder]])
    assert recorder.seen == SCAN_GC_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.usefixtures("caller_thresholds")
def test_the_callers_thresholds_come_back_when_an_analyzer_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="analyzer failed"):
        run_scan(Config(path=tmp_path), [[_Recorder(fail=True)]])
    assert gc.get_threshold() == (700, 10, 10)


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # what a test froze goes back to the collector


@pytest.mark.usefixtures("thawed")
def test_a_scan_that_ends_the_process_freezes_its_heap(tmp_path: Path) -> None:
    run_scan(Config(path=tmp_path), [[_Recorder()]], ends_process=True)
    assert gc.get_freeze_count() > 0


@pytest.mark.usefixtures("thawed")
def test_a_scan_for_a_caller_that_goes_on_leaves_the_heap_to_the_collector(
    tmp_path: Path,
) -> None:
    run_scan(Config(path=tmp_path), [[_Recorder()]])
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("thawed")
def test_main_freezes_only_for_the_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["scan", str(tmp_path), "-q", "--offline", "--format", "json", "-o", str(tmp_path / "r")]
    assert cli.main(argv) == 0
    assert gc.get_freeze_count() == 0
    monkeypatch.setattr("sys.argv", ["nodeward", *argv])
    with pytest.raises(SystemExit) as stopped:
        cli.entry()
    assert stopped.value.code == 0
    assert gc.get_freeze_count() > 0
