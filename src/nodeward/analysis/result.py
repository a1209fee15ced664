"""The one interface of the scan's analyzers and what each of them returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from nodeward.findings import (
    AdvisoryData,
    Finding,
    InstalledPackage,
    KnownVulnerability,
    ProbeCoverage,
    Route,
    Skip,
    Unevaluated,
)

if TYPE_CHECKING:
    from nodeward.analysis.context import AnalysisContext


@dataclass(frozen=True)
class ReportSections:
    """What an analyzer adds to the report besides findings: the route table, the
    dependency inventory and the advisory data it was checked against, the probe's coverage.

    Typed fields rather than a free-form `extra`: the report has exactly these sections,
    and the scan folds every analyzer's sections into it the same way (`merged`), so it
    never needs to know which analyzer filled which."""

    routes: tuple[Route, ...] = ()
    packages: tuple[InstalledPackage, ...] = ()
    vulnerabilities: tuple[KnownVulnerability, ...] = ()
    advisories: AdvisoryData | None = None
    probe: ProbeCoverage | None = None

    def merged(self, other: ReportSections) -> ReportSections:
        """Both sections: sequences joined, single values taken from whichever has one."""
        return ReportSections(
            routes=(*self.routes, *other.routes),
            packages=(*self.packages, *other.packages),
            vulnerabilities=(*self.vulnerabilities, *other.vulnerabilities),
            advisories=other.advisories if other.advisories is not None else self.advisories,
            probe=other.probe if other.probe is not None else self.probe,
        )


@dataclass(frozen=True)
class AnalysisResult:
    """An analyzer's complete answer: nothing is reported through shared state."""

    findings: tuple[Finding, ...] = ()
    #: What could not be analysed (an unparsable Dockerfile, a dynamic require, a flow cut
    #: short): every report format shows it.
    skips: tuple[Skip, ...] = ()
    #: Rules that had nothing to evaluate: the scorecard says "not checked", not "pass".
    unevaluated: tuple[Unevaluated, ...] = ()
    #: The rules it evaluated (`Report.rules_run`).
    rules_run: frozenset[str] = frozenset()
    sections: ReportSections = ReportSections()


class Analyzer(Protocol):
    """One part of a scan: the checkers, the dependency audit, the route table, the probe."""

    @property
    def standalone(self) -> bool:
        """It reads only the parsed project and shares nothing it computes with another
        analyzer (no app model, no taint run), so a two-process scan may run it in the
        forked child (parallel.py) while the others run in the parent."""
        ...

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult: ...
