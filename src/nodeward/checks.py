"""The interface between the scan and the rule implementations."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nodeward.findings import Finding
from nodeward.project import Project
from nodeward.rulemeta import RuleMeta
from nodeward.source.context import FileContext

FileCheck = Callable[[FileContext], Iterable[Finding]]
ProjectCheck = Callable[[Project], Iterable[Finding]]


@dataclass(frozen=True)
class Checker:
    """A group of rules implemented together: per parsed JS/TS file, per project, or both.

    A checker only emits findings of the rules it declares; the scan enforces that."""

    rules: tuple[RuleMeta, ...]
    check_file: FileCheck | None = None
    check_project: ProjectCheck | None = None
    #: The project check builds nothing the app model or the taint engine also needs, so a
    #: two-process scan may run it next to the per-file checks (scan.split_checkers).
    standalone: bool = False
