"""Masks secrets before a report shows them (unless the user passes --show-secrets).

A report is shared (CI artifacts, tickets, PR annotations), so it must not hand its readers
the credentials it found. Two kinds of text are masked:

- the credentials a finding quotes (`Finding.secrets`: a hard-coded password, API key or
  session secret) wherever they appear in its message, snippets and evidence, down to their
  first and last characters (`AKIA****MPLE`), so a reader can still tell which key to rotate;
- live-probe evidence, which must not carry the session cookie or bearer token the probe
  used or received: the values of credential headers, `token`/`password`/`secret`-like
  query parameters and JSON or form fields, bearer/basic credentials and anything shaped
  like a JWT become [redacted].
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

MASK = "[redacted]"

SECRET_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
    "x-csrf-token",
    "x-xsrf-token",
)
_CREDENTIAL_KEY = r"[\w-]*(?:token|passw(?:or)?d|secret|api[_-]?key|session|sid|auth)[\w-]*"

_HEADER = re.compile(
    rf"^(?P<name>(?:{'|'.join(re.escape(h) for h in SECRET_HEADERS)}))[ \t]*:[ \t]*(?P<value>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
#: `?token=...&` in URLs and form bodies.
_PARAM = re.compile(rf"(?P<key>[?&;]?\b{_CREDENTIAL_KEY}=)(?P<value>[^&;\s#\"']+)", re.IGNORECASE)
#: `"password": "..."` in JSON bodies.
_JSON = re.compile(
    rf'(?P<key>"{_CREDENTIAL_KEY}"\s*:\s*)"(?P<value>(?:[^"\\]|\\.)*)"', re.IGNORECASE
)
_BEARER = re.compile(r"\b(?P<scheme>Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    """`text` with credential values replaced by [redacted]; names are kept so a reader
    still sees which header or field was present."""
    text = _HEADER.sub(lambda m: f"{m['name']}: {_header_mask(m['name'], m['value'])}", text)
    text = _JSON.sub(lambda m: f'{m["key"]}"{MASK}"', text)
    text = _PARAM.sub(lambda m: f"{m['key']}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m['scheme']} {MASK}", text)
    return _JWT.sub(MASK, text)


def _header_mask(name: str, value: str) -> str:
    """Cookie headers keep cookie names and attributes (Secure, HttpOnly, SameSite are what
    the cookie rules are about); only the values go."""
    lowered = name.lower()
    if lowered == "cookie":
        return "; ".join(_mask_pair(part) for part in value.split(";"))
    if lowered == "set-cookie":
        first, _, attributes = value.partition(";")
        return _mask_pair(first) + (";" + attributes if attributes else "")
    return MASK


def _mask_pair(pair: str) -> str:
    name, sep, _ = pair.strip().partition("=")
    return f"{name}={MASK}" if sep else MASK


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
