"""The interface between the scan and the rule implementations."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nodeward.analysis.context import AnalysisContext
from nodeward.findings import Finding, Skip
from nodeward.rulemeta import RuleMeta
from nodeward.source.context import FileContext

FileCheck = Callable[[FileContext], Iterable[Finding]]
#: A project check reads the scan's shared state (module graph, app model, taint result)
#: from the context and yields its findings, and the skips for what it could not analyse.
ProjectCheck = Callable[[AnalysisContext], Iterable[Finding | Skip]]


@dataclass(frozen=True)
class Checker:
    """A group of rules implemented together: per parsed JS/TS file, per project, or both.

    A checker only emits findings of the rules it declares; the scan enforces that."""

    rules: tuple[RuleMeta, ...]
    check_file: FileCheck | None = None
    check_project: ProjectCheck | None = None
    #: The project check reads nothing of the context that the app model or the taint
    #: engine computes, so a two-process scan may run it next to the per-file checks
    #: (analysis/checkers.py split_checkers).
    standalone: bool = False
