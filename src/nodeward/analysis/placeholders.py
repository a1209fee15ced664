"""Analyzers that stand in for heavy ones when those have nothing to do, so a scan never
loads the probe without a URL, nor the checkers for an empty folder, yet reports the same
rules as run or unevaluated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.analysis.result import AnalysisResult
from nodeward.catalog import PROBE_ONLY_RULES, static_rules
from nodeward.findings import Unevaluated

if TYPE_CHECKING:
    from nodeward.analysis.context import AnalysisContext


def needs_live_target(enabled: frozenset[str]) -> tuple[Unevaluated, ...]:
    """The probe's own rules, which a static scan cannot evaluate."""
    return tuple(
        Unevaluated(rule.code, "checked only on a running app (scan --url URL, or probe URL)")
        for rule in PROBE_ONLY_RULES
        if rule.code in enabled
    )


@dataclass(frozen=True)
class NoLiveTarget:
    """The live probe of a scan without --url: its rules are listed as unevaluated."""

    standalone: bool = False

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        return AnalysisResult(unevaluated=needs_live_target(ctx.enabled))


@dataclass(frozen=True)
class NothingToCheck:
    """The checkers of a project with no file to analyse: every static rule ran and found
    nothing (as the checkers themselves would report), without loading one of them."""

    standalone: bool = False

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        declared = frozenset(rule.code for rule in static_rules())
        return AnalysisResult(rules_run=declared & ctx.enabled)
