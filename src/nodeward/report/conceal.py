"""What a shared report may show of a finding: the credentials findings quote are masked
(unless the user passes --show-secrets).

A report is shared (CI artifacts, tickets, PR annotations), so it must not hand its readers
the credentials it found. `Finding.secrets` holds them as written in the source; `conceal`
masks them down to their first and last characters (`AKIA****MPLE`, so a reader can still
tell which key to rotate) in the messages, snippets and evidence of every finding that shows
a line of their file, and runs `redact.redact` over evidence, which may be a recorded HTTP
exchange carrying a session cookie or bearer token. Every report format calls `conceal`
unless asked to show secrets; the raw values stay in the findings so that it can.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from nodeward.findings import (
    Evidence,
    Finding,
    FlowStep,
    HttpLocation,
    Location,
    Report,
    SourceLocation,
)
from nodeward.report.redact import redact

#: A fixed run of stars, so the mask does not tell the secret's length.
STARS = "****"


def mask_secret(secret: str) -> str:
    """The first and last characters of a secret around a fixed `****`: 4 of each for 16
    characters or more, fewer for shorter ones, never more than half of the secret (a
    secret under 4 characters shows nothing)."""
    keep = min(4, len(secret) // 4)
    return secret[:keep] + STARS + secret[len(secret) - keep :] if keep else STARS


#: Secrets shorter than this (`secret`, `cat`) are masked only in code and exchanges, and
#: there only where they stand as a literal (`"cat"`) or a URL password (`:cat@`), so they do
#: not garble the words `secret` or `concat` elsewhere in the line or in a message. Longer
#: ones are masked wherever they appear.
_SHORT_SECRET = 8


@dataclass(frozen=True)
class _Masker:
    """Masks a set of secrets: `text` in prose (messages, descriptions, fixes), `code` in
    snippets and recorded exchanges."""

    long: re.Pattern[str] | None
    short: re.Pattern[str] | None

    @classmethod
    def of(cls, secrets: frozenset[str]) -> _Masker:
        ordered = sorted(secrets, key=lambda s: (-len(s), s))
        long = [re.escape(s) for s in ordered if len(s) >= _SHORT_SECRET]
        short = [re.escape(s) for s in ordered if len(s) < _SHORT_SECRET]
        return cls(
            re.compile("|".join(long)) if long else None,
            re.compile(f"(?<=[\"'`:])(?:{'|'.join(short)})(?=[\"'`@])") if short else None,
        )

    def text(self, text: str) -> str:
        return self.long.sub(_masked, text) if self.long is not None else text

    def code(self, text: str) -> str:
        text = self.text(text)
        return self.short.sub(_masked, text) if self.short is not None else text


def _masked(match: re.Match[str]) -> str:
    return mask_secret(match.group(0))


def _location(location: Location, code: Callable[[str], str]) -> Location:
    match location:
        case SourceLocation():
            return replace(location, snippet=code(location.snippet))
        case HttpLocation():
            parameter = location.parameter
            return replace(
                location,
                url=code(location.url),
                parameter=code(parameter) if parameter is not None else None,
            )
        case _:
            return location


def _evidence(evidence: Evidence, masker: _Masker) -> Evidence:
    """Evidence may be a recorded HTTP exchange: it also loses credential values."""

    def code(text: str) -> str:
        return redact(masker.code(text))

    return Evidence(
        location=_location(evidence.location, code),
        description=redact(masker.text(evidence.description)),
        request=code(evidence.request) if evidence.request is not None else None,
        response=code(evidence.response) if evidence.response is not None else None,
    )


def _conceal_finding(finding: Finding, masker: _Masker) -> Finding:
    """`finding` as a shared report may show it; its fingerprint is kept, so baselines
    match whether or not secrets are shown."""
    return replace(
        finding,
        secrets=(),
        message=masker.text(finding.message),
        location=_location(finding.location, masker.code),
        flow=tuple(
            FlowStep(
                replace(step.location, snippet=masker.code(step.location.snippet)),
                masker.text(step.description),
            )
            for step in finding.flow
        ),
        evidence=tuple(_evidence(e, masker) for e in finding.evidence),
        fix=masker.text(finding.fix),
    )


def _files(finding: Finding) -> set[str]:
    """The files whose lines a finding shows (its location, flow steps and evidence)."""
    locations = [
        finding.location,
        *(step.location for step in finding.flow),
        *(e.location for e in finding.evidence),
    ]
    return {loc.path for loc in locations if isinstance(loc, SourceLocation)}


def conceal(report: Report) -> Report:
    """The report with secrets masked (see the module doc). A credential is masked in every
    finding that shows a line of its file, not only in the finding that reported it: the
    line with `jwt.sign(payload, "key")` is also the snippet of the missing-expiry finding."""
    by_file: dict[str, set[str]] = defaultdict(set)
    for finding in report.findings:
        for path in _files(finding):
            by_file[path].update(finding.secrets)
    maskers: dict[frozenset[str], _Masker] = {}
    findings = []
    for finding in report.findings:
        known = frozenset(finding.secrets).union(*(by_file[path] for path in _files(finding)))
        if not known and not finding.evidence:
            findings.append(finding)
            continue
        if known not in maskers:
            maskers[known] = _Masker.of(known)
        findings.append(_conceal_finding(finding, maskers[known]))
    return replace(report, findings=tuple(findings))
