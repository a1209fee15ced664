"""RuleMeta: everything a report, a doc page or the scorecard needs to know about a rule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from nodeward.findings import (
    Confidence,
    Evidence,
    Finding,
    FlowStep,
    Location,
    Severity,
)
from nodeward.practices import Practice


class Owasp(Enum):
    """OWASP Top 10 (2021) categories."""

    A01 = "A01:2021-Broken Access Control"
    A02 = "A02:2021-Cryptographic Failures"
    A03 = "A03:2021-Injection"
    A04 = "A04:2021-Insecure Design"
    A05 = "A05:2021-Security Misconfiguration"
    A06 = "A06:2021-Vulnerable and Outdated Components"
    A07 = "A07:2021-Identification and Authentication Failures"
    A08 = "A08:2021-Software and Data Integrity Failures"
    A09 = "A09:2021-Security Logging and Monitoring Failures"
    A10 = "A10:2021-Server-Side Request Forgery"

    @property
    def code(self) -> str:
        return self.value.split("-", 1)[0]

    @property
    def tag(self) -> str:
        """The form used in SARIF tags, e.g. `owasp-top10-2021-a05`."""
        return "owasp-top10-2021-" + self.name.lower()


@dataclass(frozen=True)
class RuleMeta:
    """A rule's identity and documentation (ruff's doc template)."""

    code: str
    name: str
    title: str
    cwe: tuple[int, ...]
    owasp: Owasp
    practices: tuple[Practice, ...]
    severity: Severity
    confidence: Confidence
    what: str
    why: str
    example: str
    use_instead: str
    fix: str
    references: tuple[str, ...]

    def finding(
        self,
        location: Location,
        message: str,
        *,
        fix: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        flow: tuple[FlowStep, ...] = (),
        evidence: tuple[Evidence, ...] = (),
        confirmed: bool = False,
        secrets: tuple[str, ...] = (),
    ) -> Finding:
        """Build a complete finding of this rule; defaults come from the rule."""
        return Finding(
            rule=self.code,
            message=message,
            location=location,
            severity=self.severity if severity is None else severity,
            confidence=self.confidence if confidence is None else confidence,
            fix=self.fix if fix is None else fix,
            flow=flow,
            evidence=evidence,
            confirmed=confirmed,
            secrets=secrets,
        )

    @property
    def cwe_labels(self) -> tuple[str, ...]:
        return tuple(f"CWE-{n}" for n in self.cwe)

    def markdown(self) -> str:
        """The rule's doc page, the single source of docs/rules/ and SARIF help."""
        practices = ", ".join(p.title for p in self.practices)
        refs = "\n".join(f"- {ref}" for ref in self.references)
        return (
            f"# {self.code} {self.name}\n\n"
            f"{self.title}\n\n"
            f"| | |\n|---|---|\n"
            f"| CWE | {', '.join(self.cwe_labels)} |\n"
            f"| OWASP | {self.owasp.value} |\n"
            f"| Practice | {practices} |\n"
            f"| Severity | {self.severity.label} |\n"
            f"| Confidence | {self.confidence.label} |\n\n"
            f"## What it does\n\n{self.what}\n\n"
            f"## Why is this bad?\n\n{self.why}\n\n"
            f"## Example\n\n```\n{self.example.strip()}\n```\n\n"
            f"Use instead:\n\n```\n{self.use_instead.strip()}\n```\n\n"
            f"## References\n\n{refs}\n"
        )
