"""The practices scorecard: one row per practice or risk, pass / fail / not checked, and why.

Semantics (documented in docs/json-report.md and the README):

- A practice's rules are the registered rules that list it in `RuleMeta.practices`.
- A rule was *checked* in a run when it was enabled (`Report.rules_run`) and its analyzer
  had something to evaluate (it is not in `Report.unevaluated`, e.g. DEP rules without a
  lockfile); a rule that produced a finding was checked, whatever else the report says.
- **fail**: at least one finding of the practice's rules is in the report (after inline
  suppressions and the baseline: the scorecard judges what the report shows).
- **pass**: no such finding, and at least one of its rules was checked. Rules that were not
  checked are still listed on the row, so a partial pass is visible. When `--baseline` left
  findings of its rules out as already known (`Report.baselined`), the row says so: its
  label reads "pass (N baselined)", and `baselined` counts them (a known weakness is not
  a passed practice, only an accepted one).
- **not checked**: no finding and none of its rules was checked: no rule implements the
  practice yet, every rule was deselected, or their analyzer had no input.
- The "Vulnerable npm dependencies" row, when the audit looked advisories up
  (`Report.advisories`), ends with the data's date: "checked against data from 2021-12-01"
  (the newest record of the local database) or "checked against live data (queried at
  ...)", so a pass on old data says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, assert_never

from nodeward.findings import AdvisoryData, Report, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import RuleMeta


class Status(Enum):
    PASSED = "pass"
    FAILED = "fail"
    NOT_CHECKED = "not-checked"

    @property
    def label(self) -> str:
        match self:
            case Status.PASSED:
                return "pass"
            case Status.FAILED:
                return "fail"
            case Status.NOT_CHECKED:
                return "not checked"
            case _:
                assert_never(self)


@dataclass(frozen=True)
class Unchecked:
    """A rule behind a practice that did not run, and why."""

    rule: str
    reason: str


@dataclass(frozen=True)
class ScoreRow:
    practice: Practice
    status: Status
    rules: tuple[str, ...]
    checked: tuple[str, ...]
    unchecked: tuple[Unchecked, ...]
    findings: int
    by_severity: tuple[tuple[Severity, int], ...]
    why: str
    baselined: int = 0  # findings of its rules that --baseline left out as already known
    ignored: int = 0  # findings of its rules an ignore entry left out (an accepted risk)

    @property
    def label(self) -> str:
        """The status as a person reads it: "pass", or "pass (3 baselined)"."""
        counts = [f"{self.baselined} baselined"] if self.baselined else []
        counts += [f"{self.ignored} ignored"] if self.ignored else []
        return f"{self.status.label} ({', '.join(counts)})" if counts else self.status.label


def scorecard(report: Report, registry: Iterable[RuleMeta]) -> tuple[ScoreRow, ...]:
    """One row per Practice member, in the enum's order."""
    rules = tuple(registry)
    enabled = set(report.rules_run)
    gaps = {gap.rule: gap.reason for gap in report.unevaluated}
    fired: dict[str, Counter[Severity]] = {}
    for finding in report.findings:
        fired.setdefault(finding.rule, Counter())[finding.severity] += 1
    known = {b.rule: b.count for b in report.baselined}
    accepted = {b.rule: b.count for b in report.ignored}
    rows = (
        _row(
            practice,
            [r for r in rules if practice in r.practices],
            enabled,
            gaps,
            fired,
            (known, accepted),
        )
        for practice in Practice
    )
    return tuple(_dated(row, report.advisories) for row in rows)


def _dated(row: ScoreRow, advisories: AdvisoryData | None) -> ScoreRow:
    """The vulnerable-dependencies row names the advisory data it was checked against."""
    if (
        advisories is None
        or row.practice is not Practice.VULNERABLE_DEPENDENCIES
        or row.status is Status.NOT_CHECKED
    ):
        return row
    return replace(row, why=f"{row.why}; {advisories.checked_against}")


def _row(
    practice: Practice,
    rules: list[RuleMeta],
    enabled: set[str],
    gaps: dict[str, str],
    fired: dict[str, Counter[Severity]],
    left_out: tuple[dict[str, int], dict[str, int]],
) -> ScoreRow:
    """`left_out`: findings per rule that --baseline and that ignore entries left out."""
    codes = tuple(sorted(r.code for r in rules))
    known = left_out[0] | dict.fromkeys(left_out[1], 1)
    baselined = sum(left_out[0].get(code, 0) for code in codes)
    ignored = sum(left_out[1].get(code, 0) for code in codes)
    checked: list[str] = []
    unchecked: list[Unchecked] = []
    for code in codes:
        if code in fired or code in known or (code in enabled and code not in gaps):
            checked.append(code)
        elif code in gaps:
            unchecked.append(Unchecked(code, gaps[code]))
        else:
            unchecked.append(Unchecked(code, "not selected in this run"))
    severities: Counter[Severity] = Counter()
    for code in codes:
        severities.update(fired.get(code, Counter()))
    count = sum(severities.values())
    by_severity = tuple((s, severities[s]) for s in sorted(Severity, reverse=True) if severities[s])
    if count:
        status = Status.FAILED
        failing = sorted(code for code in codes if code in fired)
        noun = "finding" if count == 1 else "findings"
        why = f"{count} {noun} from {', '.join(failing)}"
    elif checked:
        status = Status.PASSED
        why = f"no {'new ' if baselined or ignored else ''}findings from {', '.join(checked)}"
        if unchecked:
            why += f"; not checked: {', '.join(u.rule for u in unchecked)}"
    else:
        status = Status.NOT_CHECKED
        if not codes:
            why = "no rule implements this practice yet"
        else:
            reasons = sorted({u.reason for u in unchecked})
            why = f"{', '.join(codes)} did not run: {'; '.join(reasons)}"
    if baselined:  # a baselined rule counts as checked, so the row is pass or fail
        noun = "finding" if baselined == 1 else "findings"
        why += f"; {baselined} known {noun} left out by --baseline"
    if ignored:  # an accepted risk is not a pass that nobody was told about
        noun = "finding" if ignored == 1 else "findings"
        why += f"; {ignored} {noun} left out by an ignore entry"
    return ScoreRow(
        practice=practice,
        status=status,
        rules=codes,
        checked=tuple(checked),
        unchecked=tuple(unchecked),
        findings=count,
        by_severity=by_severity,
        why=why,
        baselined=baselined,
        ignored=ignored,
    )


def row_dict(row: ScoreRow) -> dict[str, Any]:
    """The JSON form, shared by the JSON report and SARIF run properties."""
    return {
        "practice": row.practice.slug,
        "title": row.practice.title,
        "kind": row.practice.kind,
        "status": row.status.value,
        "label": row.label,
        "rules": list(row.rules),
        "checked": list(row.checked),
        "unchecked": [{"rule": u.rule, "reason": u.reason} for u in row.unchecked],
        "findings": row.findings,
        "by_severity": {s.label: n for s, n in row.by_severity},
        "why": row.why,
        "baselined": row.baselined,
    }
