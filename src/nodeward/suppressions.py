"""Inline suppressions: `// nodeward-ignore NW101: reason` on the line or the line above."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nodeward.findings import Finding, SourceLocation, Suppression
from nodeward.rulemeta import RuleMeta
from nodeward.source.parse import SourceText

_PATTERN = re.compile(
    r"(?://|#|/\*|<!--|\{\{!--|\{#)\s*nodeward-ignore\b\s*"
    r"(?P<codes>[A-Za-z]+\d+(?:\s*,\s*[A-Za-z]+\d+)*)?\s*(?::\s*(?P<reason>.*?))?\s*"
    r"(?:\*/|-->|--\}\}|#\})?\s*$"
)


def find_suppressions(text: SourceText) -> list[Suppression]:
    if b"nodeward-ignore" not in text.source:  # the lines' bytes: most files have none
        return []
    found = []
    for number, line in enumerate(text.lines, start=1):
        if "nodeward-ignore" not in line:
            continue
        match = _PATTERN.search(line)
        if match is None:
            continue
        codes = tuple(
            c.strip().upper() for c in (match.group("codes") or "").split(",") if c.strip()
        )
        found.append(
            Suppression(
                location=SourceLocation(path=text.rel, line=number, snippet=line.strip()),
                codes=codes,
                reason=(match.group("reason") or "").strip(),
            )
        )
    return found


@dataclass(frozen=True)
class SuppressionResult:
    kept: list[Finding]
    suppressed: int
    unused: list[Finding]


def apply_suppressions(
    findings: Iterable[Finding],
    suppressions: list[Suppression],
    known_codes: set[str],
    unused_rule: RuleMeta,
) -> SuppressionResult:
    """Drop findings a suppression covers; report suppressions that covered nothing."""
    index: dict[tuple[str, int], list[Suppression]] = {}
    for suppression in suppressions:
        loc = suppression.location
        for line in (loc.line, loc.line + 1):
            index.setdefault((loc.path, line), []).append(suppression)
    used: set[Suppression] = set()
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        matched = None
        if isinstance(finding.location, SourceLocation):
            where = (finding.location.path, finding.location.line)
            for candidate in index.get(where, []):
                if not candidate.codes or finding.rule in candidate.codes:
                    matched = candidate
                    break
        if matched is None:
            kept.append(finding)
        else:
            used.add(matched)
            suppressed += 1
    unused = []
    for suppression in suppressions:
        if suppression in used:
            continue
        unknown = [c for c in suppression.codes if c not in known_codes]
        what = (
            f"names unknown rule code(s) {', '.join(unknown)}"
            if unknown
            else "matches no finding on its line or the next"
        )
        codes = ", ".join(suppression.codes) or "(all rules)"
        unused.append(
            unused_rule.finding(
                suppression.location,
                f"Suppression `nodeward-ignore {codes}` {what}; remove it or move it "
                "next to the finding it is meant for",
            )
        )
    return SuppressionResult(kept=kept, suppressed=suppressed, unused=unused)
