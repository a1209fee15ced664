"""CVSS v3.x base scores from vector strings (FIRST's specification, section 7)."""

from __future__ import annotations

import math

from nodeward.findings import Severity

_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def _roundup(value: float) -> float:
    scaled = round(value * 100000)
    return scaled / 100000.0 if scaled % 10000 == 0 else (math.floor(scaled / 10000) + 1) / 10.0


def base_score(vector: str) -> float | None:
    """The base score of a `CVSS:3.x/...` vector, or None when it is not one."""
    if not vector.startswith("CVSS:3"):
        return None
    metrics = dict(part.split(":", 1) for part in vector.split("/")[1:] if ":" in part)
    try:
        changed = metrics["S"] == "C"
        pr = {"N": 0.85, "L": 0.68 if changed else 0.62, "H": 0.5 if changed else 0.27}[
            metrics["PR"]
        ]
        av, ac, ui = (_WEIGHTS[k][metrics[k]] for k in ("AV", "AC", "UI"))
        c, i, a = (_WEIGHTS[k][metrics[k]] for k in ("C", "I", "A"))
    except KeyError:
        return None
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    exploitability = 8.22 * av * ac * pr * ui
    if impact <= 0:
        return 0.0
    total = 1.08 * (impact + exploitability) if changed else impact + exploitability
    return _roundup(min(total, 10.0))


def severity_of_score(score: float) -> Severity:
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
