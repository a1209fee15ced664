"""CVSS base scores from vector strings (v2, v3.0, v3.1 and v4.0), and severities.

The scores come from the `cvss` library (Red Hat Product Security's implementation of
FIRST's specifications), which, unlike a hand-written calculator, also reads the v4.0
vectors that advisories now carry.
"""

from __future__ import annotations

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from nodeward.findings import Severity


def base_score(vector: str) -> float | None:
    """The base score of a CVSS vector (`CVSS:4.0/...`, `CVSS:3.x/...`, or a v2 vector such
    as `AV:N/AC:L/Au:N/C:P/I:P/A:P`), or None when it is malformed or of no known version."""
    text = vector.strip().removeprefix("(").removesuffix(")")
    try:
        if text.startswith("CVSS:4."):
            return float(CVSS4(text).base_score)
        if text.startswith("CVSS:3."):
            return float(CVSS3(text).base_score)
        if text.startswith("CVSS:"):
            return None  # a version this module does not know
        return float(CVSS2(text).base_score)
    except (CVSSError, ValueError, ArithmeticError):
        # CVSSError covers malformed vectors; the rest guards the library's arithmetic
        # against input it did not expect (vectors come from advisory sources: untrusted).
        return None


def severity_of_score(score: float) -> Severity:
    """FIRST's qualitative rating, the same for v3.x and v4.0 (None, 0.0, is INFO); a v2
    score is rated on the same scale."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW if score > 0 else Severity.INFO


def severity_of_label(label: str) -> Severity | None:
    """GitHub's and npm's ratings (`moderate` is medium)."""
    match label.strip().lower():
        case "critical":
            return Severity.CRITICAL
        case "high":
            return Severity.HIGH
        case "moderate" | "medium":
            return Severity.MEDIUM
        case "low":
            return Severity.LOW
        case "info" | "none":
            return Severity.INFO
        case _:
            return None
