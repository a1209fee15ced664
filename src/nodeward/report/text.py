"""The terminal report: findings grouped by practice, worst first, with the code and a fix."""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from nodeward.findings import Finding, ProbeCoverage, Report, Severity, SourceLocation
from nodeward.practices import Practice
from nodeward.report.common import (
    coverage_summary,
    location_label,
    primary_practice,
    rule_of,
    severity_counts,
)
from nodeward.rules import all_rules
from nodeward.scorecard import Status, scorecard

STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(report: Report, *, color: bool = False, width: int = 100) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )
    groups: dict[Practice | None, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        groups[primary_practice(finding)].append(finding)
    order = [*Practice, None]
    for practice in order:
        items = groups.get(practice)
        if not items:
            continue
        title = practice.title if practice is not None else "Other"
        console.print(Text(f"\n{title} ({len(items)})", style="bold underline"))
        for finding in sorted(items, key=lambda f: (-f.severity, f.sort_key)):
            _finding(console, finding)
    if report.skips:
        console.print(Text(f"\nSkipped ({len(report.skips)})", style="bold underline"))
        for skip in report.skips:
            console.print(f"  {escape(skip.target)}: {escape(skip.reason)}")
    if report.probe is not None:
        _coverage(console, report.probe)
    _scorecard(console, report)
    _summary(console, report)
    return buffer.getvalue()


def _finding(console: Console, finding: Finding) -> None:
    rule = rule_of(finding)
    line = Text("  ")
    line.append(f" {finding.severity.label.upper()} ", style=STYLES[finding.severity])
    line.append(f" {finding.rule} ", style="bold")
    line.append(rule.name, style="dim")
    line.append(f"  {location_label(finding.location)}")
    if finding.confirmed:
        line.append("  confirmed live", style="bold green")
    console.print(line)
    console.print(Text(f"    {finding.message}"))
    if isinstance(finding.location, SourceLocation) and finding.location.snippet:
        console.print(Text(f"    {finding.location.line:>5} | {finding.location.snippet}", "dim"))
    for number, step in enumerate(finding.flow, start=1):
        loc = step.location
        console.print(Text(f"      {number}. {loc.path}:{loc.line}  {step.description}", "dim"))
    for evidence in finding.evidence:
        console.print(Text(f"    evidence: {evidence.description}", "dim"))
    console.print(Text(f"    fix: {finding.fix}", style="green"))


def _summary(console: Console, report: Report) -> None:
    counts = severity_counts(report)
    parts = [f"{n} {label}" for label, n in counts.items() if n]
    total = len(report.findings)
    noun = "finding" if total == 1 else "findings"
    detail = f" ({', '.join(parts)})" if parts else ""
    console.print(
        Text(
            f"\n{total} {noun}{detail} in {report.files_scanned} files "
            f"in {report.duration_seconds:.2f}s",
            style="bold",
        )
    )
    extras = []
    if report.suppressed:
        extras.append(f"{report.suppressed} suppressed inline")
    if report.baseline_matched:
        extras.append(f"{report.baseline_matched} already in the baseline")
    if report.skips:
        extras.append(f"{len(report.skips)} skipped")
    if extras:
        console.print("; ".join(extras))


#: Coverage rows of each kind the text report prints; the other formats list them all.
TEXT_ROWS = 100


def _coverage(console: Console, coverage: ProbeCoverage) -> None:
    """The probe's coverage table: what was requested, with what, and what was not sent."""
    console.print(Text("\nProbe coverage", style="bold underline"))
    console.print(f"  {escape(coverage_summary(coverage))}")
    for row in coverage.urls[:TEXT_ROWS]:
        inputs = ", ".join(row.inputs) or "-"
        console.print(
            f"  {escape(row.url)}  {'/'.join(row.methods)}  inputs: {escape(inputs)}  "
            f"checks: {', '.join(row.checks)}"
        )
    for skipped in coverage.not_sent[:TEXT_ROWS]:
        console.print(
            f"  not sent: {skipped.method} {escape(skipped.url)}: {escape(skipped.reason)}"
        )
    hidden = max(0, len(coverage.urls) - TEXT_ROWS) + max(0, len(coverage.not_sent) - TEXT_ROWS)
    if hidden:
        console.print(f"  ... and {hidden} more rows (--format json or html lists them all)")


SCORE_STYLES = {Status.FAILED: "bold red", Status.PASSED: "bold green", Status.NOT_CHECKED: "dim"}


def _scorecard(console: Console, report: Report) -> None:
    """One line per practice and risk: the status, the title, and why."""
    console.print(Text("\nScorecard", style="bold underline"))
    for row in scorecard(report, all_rules()):
        line = Text("  ")
        line.append(f"{row.status.label.upper():<12}", style=SCORE_STYLES[row.status])
        line.append(f"{row.practice.title:<42}")
        line.append(row.why, style="dim")
        console.print(line)
