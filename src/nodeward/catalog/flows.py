"""The one shape of the taint engine's rules (source/rules/flows.py): always high
confidence, the doc texts given together."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta


def flow_rule(
    code: str,
    name: str,
    title: str,
    cwe: tuple[int, ...],
    owasp: Owasp,
    practices: tuple[Practice, ...],
    severity: Severity,
    text: tuple[str, str, str, str, str],
    references: tuple[str, ...],
) -> RuleMeta:
    """`text` is (what, why, example, use_instead, fix)."""
    what, why, example, use_instead, fix = text
    return RuleMeta(
        code=code,
        name=name,
        title=title,
        cwe=cwe,
        owasp=owasp,
        practices=practices,
        severity=severity,
        confidence=Confidence.HIGH,
        what=what,
        why=why,
        example=example,
        use_instead=use_instead,
        fix=fix,
        references=references,
    )
