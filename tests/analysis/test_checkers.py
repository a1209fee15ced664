"""The checkers as analyzers (analysis/checkers.py): how they treat the heap they run over.

The rules only read the parsed project, the app model and the taint result, so the
garbage collector's full collections are kept off what existed before they ran
(gc.freeze) and the heap is handed back as it was found."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from appmodel_helpers import project_at

from nodeward.analysis.checkers import Checks
from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.headers import MISSING_SECURITY_HEADERS
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source.context import FileContext


def _recording_checks(seen: list[int]) -> Checks:
    """Checks whose one rule records, per file, how many objects the collector has set
    aside (gc.get_freeze_count())."""

    def check_file(ctx: FileContext) -> Iterator[Finding]:
        seen.append(gc.get_freeze_count())
        return iter(())

    return Checks((Checker(rules=(MISSING_SECURITY_HEADERS,), check_file=check_file),))


@pytest.fixture
def context(tmp_path: Path) -> AnalysisContext:
    (tmp_path / "app.js").write_text("const express = require('express');\n")
    return AnalysisContext(project_at(tmp_path), enabled=frozenset({MISSING_SECURITY_HEADERS.code}))


@pytest.fixture
def unfrozen_heap() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen_heap")
def test_the_rules_run_over_a_frozen_heap_which_is_then_unfrozen(
    context: AnalysisContext,
) -> None:
    seen: list[int] = []
    _recording_checks(seen).analyze(context)
    assert len(seen) == 1
    assert seen[0] > 0  # the objects made before the rules ran were set aside
    assert gc.get_freeze_count() == 0  # and handed back to the collector after


@pytest.mark.usefixtures("unfrozen_heap")
def test_a_heap_frozen_before_the_rules_stays_frozen(context: AnalysisContext) -> None:
    # the forked child of parallel.py runs the rules over the heap its parent froze:
    # unfreezing it there would let a collection write to every shared page
    gc.freeze()
    before = gc.get_freeze_count()
    seen: list[int] = []
    _recording_checks(seen).analyze(context)
    assert seen[0] >= before > 0
    assert gc.get_freeze_count() >= before
