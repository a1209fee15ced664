"""`--baseline report.json`: keep only findings an earlier JSON report did not have."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from nodeward.findings import BaselinedRule, Finding


class BaselineError(Exception):
    pass


def load_fingerprints(path: Path) -> Counter[str]:
    if path.exists() and not path.is_file():  # a FIFO or device would block or never end
        raise BaselineError(f"{path}: cannot read baseline report: not a regular file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BaselineError(f"{path}: cannot read baseline report: {error}") from None
    except RecursionError:
        raise BaselineError(f"{path}: cannot read baseline report: nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a nodeward JSON report (no findings list)")
    prints: Counter[str] = Counter()
    for item in data["findings"]:
        if isinstance(item, dict) and isinstance(item.get("fingerprint"), str):
            prints[item["fingerprint"]] += 1
    return prints


def new_findings(
    findings: Iterable[Finding], baseline: Counter[str]
) -> tuple[list[Finding], list[Finding]]:
    """The findings beyond those the baseline had, and the ones it had (`known`), matched by
    fingerprint as a multiset so that a second copy of a known weakness in the same file is
    still new."""
    remaining = Counter(baseline)
    fresh: list[Finding] = []
    known: list[Finding] = []
    for finding in findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            known.append(finding)
        else:
            fresh.append(finding)
    return fresh, known


def per_rule(known: Iterable[Finding]) -> tuple[BaselinedRule, ...]:
    """`Report.baselined`: how many known findings each rule had, in code order."""
    counts = Counter(finding.rule for finding in known)
    return tuple(BaselinedRule(rule, counts[rule]) for rule in sorted(counts))
