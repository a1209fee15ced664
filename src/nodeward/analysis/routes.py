"""The route table as an analyzer: the report's routes, and what the app model could not
resolve (dynamic requires, computed methods, circular mounts) as skips."""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.analysis.context import AnalysisContext
from nodeward.analysis.result import AnalysisResult, ReportSections
from nodeward.source.appmodel import report_routes


@dataclass(frozen=True)
class RouteTable:
    standalone: bool = False  # it builds the app model the project checks share

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        model = ctx.app_model
        return AnalysisResult(
            skips=model.unresolved, sections=ReportSections(routes=report_routes(model))
        )
