"""Rules about nodeward's own input (NW0xx): its suppression comments."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.rulemeta import Owasp, RuleMeta

UNUSED_SUPPRESSION = RuleMeta(
    code="NW001",
    name="unused-suppression",
    title="A nodeward-ignore comment suppresses nothing",
    cwe=(1164,),
    owasp=Owasp.A05,
    practices=(),
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    what=(
        "Reports `nodeward-ignore` comments that no finding on their line or the next "
        "line matched, and comments naming unknown rule codes."
    ),
    why=(
        "A stale suppression hides the next real finding on that line and tells reviewers "
        "that a risk was accepted when there is none to accept."
    ),
    example="// nodeward-ignore NW801: legacy cookie name\nconst port = 3000;",
    use_instead="const port = 3000;",
    fix="Remove the comment, or move it next to the finding it is meant for",
    references=("Ruff RUF100 unused-noqa: https://docs.astral.sh/ruff/rules/unused-noqa/",),
)


RULES: tuple[RuleMeta, ...] = (UNUSED_SUPPRESSION,)
