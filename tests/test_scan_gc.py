"""run_scan runs its analyzers with SCAN_GC_THRESHOLDS and gives the caller's garbage
collector thresholds back afterwards, also when an analyzer fails."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

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
