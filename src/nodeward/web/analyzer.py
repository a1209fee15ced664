"""The live probe as one of the scan's analyzers (`nodeward scan PATH --url URL`).

Without a URL it evaluates nothing and says so: its rules are listed as unevaluated
("checked only on a running app"). With one it runs the probe over the route table the
static analysis built; its live findings are folded into the static ones by the scan
(web/merge.py: one weakness, one finding)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.analysis.result import AnalysisResult, ReportSections
from nodeward.findings import Unevaluated
from nodeward.report.neutralize import terminal_line as shown
from nodeward.web.rules import PROBE_ONLY_RULES

if TYPE_CHECKING:
    from nodeward.analysis.context import AnalysisContext
    from nodeward.config import Config
    from nodeward.web.probe import ProbeOptions, ProbeResult


@dataclass(frozen=True)
class LiveProbe:
    standalone: bool = False  # it sends requests and reads the route table

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        needs = needs_live_target(ctx.enabled)
        if not ctx.config.url:
            return AnalysisResult(unevaluated=needs)
        # The probe (its checks, its HTTP client) loads only when a probe runs.
        from nodeward.source.appmodel import report_routes
        from nodeward.web.command import probe_options
        from nodeward.web.routes import static_routes

        routes = static_routes(report_routes(ctx.app_model), ctx.project.root)
        result = run_logged(probe_options(ctx.config, routes, scan=True), ctx.config)
        return AnalysisResult(
            findings=result.findings,
            skips=result.skips,
            unevaluated=(
                *(u for u in needs if u.rule not in result.rules_run),
                *result.unevaluated,
            ),
            rules_run=frozenset(result.rules_run),
            sections=ReportSections(probe=result.coverage),
        )


def needs_live_target(enabled: frozenset[str]) -> tuple[Unevaluated, ...]:
    """The probe's own rules, which a static scan cannot evaluate."""
    return tuple(
        Unevaluated(rule.code, "checked only on a running app (scan --url URL, or probe URL)")
        for rule in PROBE_ONLY_RULES
        if rule.code in enabled
    )


def run_logged(options: ProbeOptions, config: Config) -> ProbeResult:
    """Run the probe, saying on stderr what it probes and, at the end, how it went."""
    from nodeward.rules import selected
    from nodeward.web.probe import run_probe

    if not config.quiet:
        mode = "active" if options.active else "passive"
        print(f"nodeward: probing {shown(options.url)} ({mode})", file=sys.stderr)
    # SIGTERM arrives as nodeward.stopping.Terminated (the command line's handler), which
    # the probe catches like Ctrl-C: the partial report is still written, then the exit code
    # says the run was stopped.
    result = run_probe(
        options, lambda code: selected(code, config.select, config.ignore), quiet=config.quiet
    )
    if not config.quiet:
        rate = result.requests / result.seconds if result.seconds else 0.0
        print(
            f"nodeward: {result.requests} requests in {result.seconds:.1f} s "
            f"({rate:.0f}/s), {len(result.findings)} live findings",
            file=sys.stderr,
        )
    return result
