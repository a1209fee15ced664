"""The terminal report: findings worst first (grouped by severity, then by file and line),
each with its code, a snippet cut to SNIPPET_WIDTH around the flagged column, and its fix
once; then the skips, the scorecard and a summary.

Every string from the scanned project or a probed server (paths, snippets, messages, skip
targets and reasons) goes through `neutralize.terminal_line` and reaches rich as a `Text`,
never as markup: a file named `[bold]x.js` or holding `ESC [ 2 J` prints as it is spelled.
"""

from __future__ import annotations

import io
from collections import defaultdict

from rich.console import Console
from rich.text import Text

from nodeward.catalog import all_rules
from nodeward.findings import Finding, ProbeCoverage, Report, Severity, SourceLocation
from nodeward.report.common import (
    coverage_summary,
    location_label,
    message_without_fix,
    severity_counts,
    severity_order,
    shorten_snippet,
)
from nodeward.report.conceal import conceal
from nodeward.report.neutralize import terminal_line as shown
from nodeward.scorecard import Status, scorecard

STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(
    report: Report, *, color: bool = False, width: int = 100, show_secrets: bool = False
) -> str:
    if not show_secrets:
        report = conceal(report)
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
    if report.advisories is not None:
        console.print(Text(f"Advisories: {shown(report.advisories.line)}", style="dim"))
    groups: dict[Severity, list[Finding]] = defaultdict(list)
    for finding in sorted(report.findings, key=severity_order):
        groups[finding.severity].append(finding)
    for severity, items in groups.items():
        title = f"{severity.label.capitalize()} ({len(items)})"
        console.print(Text(f"\n{title}", style="bold underline"))
        for finding in items:
            _finding(console, report, finding)
    if report.skips:
        console.print(Text(f"\nSkipped ({len(report.skips)})", style="bold underline"))
        for skip in report.skips:
            console.print(Text(f"  {shown(skip.target)}: {shown(skip.reason)}"))
    if report.probe is not None:
        _coverage(console, report.probe)
    _scorecard(console, report)
    _summary(console, report)
    return buffer.getvalue()


def _finding(console: Console, report: Report, finding: Finding) -> None:
    rule = report.rule(finding.rule)
    line = Text("  ")
    line.append(f" {finding.severity.label.upper()} ", style=STYLES[finding.severity])
    line.append(f" {finding.rule} ", style="bold")
    line.append(rule.name, style="dim")
    line.append(f"  {shown(location_label(finding.location))}")
    if finding.confirmed:
        line.append("  confirmed live", style="bold green")
    console.print(line)
    console.print(Text(f"    {shown(message_without_fix(finding))}"))
    loc = finding.location
    if isinstance(loc, SourceLocation) and loc.snippet:
        snippet = shown(shorten_snippet(loc.snippet, loc.column))
        console.print(Text(f"    {loc.line:>5} | {snippet}", "dim"))
    for number, step in enumerate(finding.flow, start=1):
        where = shown(f"{step.location.path}:{step.location.line}")
        console.print(Text(f"      {number}. {where}  {shown(step.description)}", "dim"))
    for evidence in finding.evidence:
        console.print(Text(f"    evidence: {shown(evidence.description)}", "dim"))
    console.print(Text(f"    fix: {shown(finding.fix)}", style="green"))


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
    if report.ignored_count:
        extras.append(f"{report.ignored_count} ignored by an ignore entry")
    if report.skips:
        extras.append(f"{len(report.skips)} skipped")
    if extras:
        console.print(Text("; ".join(extras)))


#: Coverage rows of each kind the text report prints; the other formats list them all.
TEXT_ROWS = 100


def _coverage(console: Console, coverage: ProbeCoverage) -> None:
    """The probe's coverage table: what was requested, with what, and what was not sent."""
    console.print(Text("\nProbe coverage", style="bold underline"))
    console.print(Text(f"  {shown(coverage_summary(coverage))}"))
    for row in coverage.urls[:TEXT_ROWS]:
        inputs = ", ".join(row.inputs) or "-"
        console.print(
            Text(
                f"  {shown(row.url)}  {'/'.join(row.methods)}  inputs: {shown(inputs)}  "
                f"checks: {', '.join(row.checks)}  with session: {row.with_session}/{row.requests}"
            )
        )
    for skipped in coverage.not_sent[:TEXT_ROWS]:
        line = f"  not sent: {skipped.method} {skipped.url}: {skipped.reason}"
        console.print(Text(shown(line)))
    hidden = max(0, len(coverage.urls) - TEXT_ROWS) + max(0, len(coverage.not_sent) - TEXT_ROWS)
    if hidden:
        console.print(Text(f"  ... and {hidden} more rows (--format json or html lists them all)"))


SCORE_STYLES = {Status.FAILED: "bold red", Status.PASSED: "bold green", Status.NOT_CHECKED: "dim"}


def _scorecard(console: Console, report: Report) -> None:
    """One line per practice and risk: the status, the title, and why."""
    console.print(Text("\nScorecard", style="bold underline"))
    rows = scorecard(report, all_rules())
    width = max(12, *(len(row.label) + 2 for row in rows))  # "pass (3 baselined)" fits
    for row in rows:
        line = Text("  ")
        status = row.status.label.upper() + row.label[len(row.status.label) :]
        line.append(f"{status:<{width}}", style=SCORE_STYLES[row.status])
        line.append(f"{row.practice.title:<42}")
        line.append(row.why, style="dim")
        console.print(line)
