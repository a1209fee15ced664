"""`--baseline report.json`: keep only findings an earlier JSON report did not have."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from nodeward.findings import Finding


class BaselineError(Exception):
    pass


def load_fingerprints(path: Path) -> Counter[str]:
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


def new_findings(findings: Iterable[Finding], baseline: Counter[str]) -> tuple[list[Finding], int]:
    """Findings beyond those the baseline had, matched by fingerprint as a multiset so that a
    second copy of a known weakness in the same file is still new."""
    remaining = Counter(baseline)
    fresh: list[Finding] = []
    matched = 0
    for finding in findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            matched += 1
        else:
            fresh.append(finding)
    return fresh, matched
