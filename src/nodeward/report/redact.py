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
from collections.abc import Callable
from dataclasses import replace

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


def _hide_one(text: str, secret: str) -> str:
    """Every occurrence of `secret` masked. Where it stands as a token of its own (not
    inside a longer word), only those places: a short secret `cat` must not garble the word
    `concatenate` in the same snippet. Where it appears only inside words, everywhere."""
    if secret not in text:
        return text
    masked = mask_secret(secret)
    bounded, count = re.subn(rf"(?<!\w){re.escape(secret)}(?!\w)", masked, text)
    return bounded if count else text.replace(secret, masked)


def _hider(secrets: tuple[str, ...]) -> Callable[[str], str]:
    ordered = sorted(set(secrets), key=len, reverse=True)  # a longer piece before its parts

    def hide(text: str) -> str:
        for secret in ordered:
            text = _hide_one(text, secret)
        return text

    return hide


def _location(location: Location, clean: Callable[[str], str]) -> Location:
    match location:
        case SourceLocation():
            return replace(location, snippet=clean(location.snippet))
        case HttpLocation():
            parameter = location.parameter
            return replace(
                location,
                url=clean(location.url),
                parameter=clean(parameter) if parameter is not None else None,
            )
        case _:
            return location


def _evidence(evidence: Evidence, hide: Callable[[str], str]) -> Evidence:
    """Evidence may be a recorded HTTP exchange: it also loses credential values."""

    def clean(text: str) -> str:
        return redact(hide(text))

    return Evidence(
        location=_location(evidence.location, clean),
        description=clean(evidence.description),
        request=clean(evidence.request) if evidence.request is not None else None,
        response=clean(evidence.response) if evidence.response is not None else None,
    )


def conceal_finding(finding: Finding) -> Finding:
    """`finding` as a shared report may show it; its fingerprint is kept, so baselines
    match whether or not secrets are shown."""
    if not finding.secrets and not finding.evidence:
        return finding
    hide = _hider(finding.secrets)
    return replace(
        finding,
        secrets=(),
        message=hide(finding.message),
        location=_location(finding.location, hide),
        flow=tuple(
            FlowStep(
                replace(step.location, snippet=hide(step.location.snippet)), hide(step.description)
            )
            for step in finding.flow
        ),
        evidence=tuple(_evidence(e, hide) for e in finding.evidence),
        fix=hide(finding.fix),
    )


def conceal(report: Report) -> Report:
    """The report with every finding's secrets masked (see the module doc)."""
    return replace(report, findings=tuple(conceal_finding(f) for f in report.findings))
