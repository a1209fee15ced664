"""Helpers shared by the report formats."""

from __future__ import annotations

from collections import Counter
from typing import Any

from nodeward.findings import (
    AdvisoryData,
    Finding,
    HttpLocation,
    Location,
    PackageLocation,
    ProbeCoverage,
    Report,
    Severity,
    SourceLocation,
)
from nodeward.practices import Practice
from nodeward.rulemeta import RuleMeta


def primary_practice(report: Report, finding: Finding) -> Practice | None:
    practices = report.rule(finding.rule).practices
    return practices[0] if practices else None


def severity_counts(report: Report) -> dict[str, int]:
    counts = Counter(f.severity for f in report.findings)
    return {s.label: counts.get(s, 0) for s in sorted(Severity, reverse=True)}


def location_label(location: Location) -> str:
    match location:
        case SourceLocation():
            return f"{location.path}:{location.line}:{location.column}"
        case PackageLocation():
            where = f"{location.manifest}:{location.line}" if location.line else location.manifest
            return f"{where} {location.package}@{location.version}"
        case HttpLocation():
            param = f" [{location.parameter}]" if location.parameter else ""
            return f"{location.method} {location.url}{param}"


def rules_in(report: Report) -> list[RuleMeta]:
    """The rules that ran, or produced a finding, in code order."""
    codes = set(report.rules_run) | {f.rule for f in report.findings}
    return [rule for rule in report.rules if rule.code in codes]


def message_without_fix(finding: Finding) -> str:
    """The message as the reports that show the fix on its own line print it: without the
    fix when the message ends with it (flow rules build "... flows into X; <fix>"), so the
    fix is shown once. JSON and SARIF keep the message as built."""
    message = finding.message
    fix = finding.fix.strip()
    if not fix:
        return message
    for ending in (f"; {fix}", f"; {fix[:1].lower()}{fix[1:]}"):
        if message.endswith(ending) and len(message) > len(ending):
            return message[: -len(ending)]
    return message


#: The longest snippet the text report prints; a minified line is cut around its column.
SNIPPET_WIDTH = 120
ELLIPSIS = "…"


def shorten_snippet(snippet: str, column: int, width: int = SNIPPET_WIDTH) -> str:
    """`snippet` cut to `width` characters around `column` (1-based), with `…` on each cut
    side. Snippets are the flagged line without its indentation, so the column is centred
    in the window: an indented line's true position, a little to its left, stays in view."""
    if len(snippet) <= width:
        return snippet
    position = min(max(column - 1, 0), len(snippet) - 1)
    start = max(0, min(position - width // 2, len(snippet) - width))
    end = start + width
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(snippet) else ""
    return head + snippet[start + len(head) : end - len(tail)] + tail


def severity_order(finding: Finding) -> tuple[int, str, int, int, str]:
    """Worst first, then by file and line: the order people read findings in."""
    return (-finding.severity, *finding.sort_key)


def coverage_dict(coverage: ProbeCoverage) -> dict[str, Any]:
    """The live probe's coverage table as JSON (the JSON report and SARIF run properties)."""
    return {
        "target": coverage.target,
        "mode": coverage.mode,
        "requests": coverage.requests,
        "seconds": coverage.seconds,
        "stopped": coverage.stopped,
        "checks": list(coverage.checks),
        "urls": [
            {
                "url": row.url,
                "methods": list(row.methods),
                "inputs": list(row.inputs),
                "checks": list(row.checks),
                "requests": row.requests,
                "with_session": row.with_session,
            }
            for row in coverage.urls
        ],
        "not_sent": [
            {"method": n.method, "url": n.url, "reason": n.reason} for n in coverage.not_sent
        ],
    }


def coverage_summary(coverage: ProbeCoverage) -> str:
    """One line: how much the probe covered, what it left alone, and why it stopped."""
    inputs = len({name for row in coverage.urls for name in row.inputs})
    text = (
        f"Probe of {coverage.target} ({coverage.mode}): {coverage.requests} requests to "
        f"{len(coverage.urls)} URLs, {inputs} input{'s' if inputs != 1 else ''}, "
        f"checks: {', '.join(coverage.checks) or '-'}"
        f"; {len(coverage.not_sent)} requests not sent as state-changing or excluded"
    )
    if coverage.stopped:
        text += f"; {coverage.stopped}"
    return text


def advisories_dict(data: AdvisoryData) -> dict[str, Any]:
    """The JSON form of the advisory data used, shared with SARIF's run properties."""
    return {
        "source": data.source,
        "newest_record": data.newest_record,
        "imported_at": data.imported_at,
        "records": data.records,
        "queried_at": data.queried_at,
    }
