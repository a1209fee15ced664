"""Masks secrets in recorded HTTP exchanges before a report shows them.

A report is shared (CI artifacts, tickets), so live-probe evidence must not carry the
session cookie or bearer token the probe used or received. Redacted: the values of
credential headers, `token`/`password`/`secret`-like query parameters and JSON or form
fields, bearer/basic credentials and anything shaped like a JWT.
"""

from __future__ import annotations

import re

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
#: a `[\w-]` run that names a credential: the lookahead finds the word, the run is then
#: taken whole (possessive), so a long run is read a bounded number of times
_CREDENTIAL_KEY = r"(?=[\w-]*?(?:token|passw(?:or)?d|secret|api[_-]?key|session|sid|auth))[\w-]*+"

_HEADER = re.compile(
    rf"^(?P<name>(?:{'|'.join(re.escape(h) for h in SECRET_HEADERS)}))[ \t]*:[ \t]*(?P<value>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
#: `?token=...&` in URLs and form bodies.
#: The key starts where its `[\w-]` run starts, not at every word boundary inside it.
_PARAM = re.compile(
    rf"(?P<key>[?&;]?(?<![\w-]){_CREDENTIAL_KEY}=)(?P<value>[^&;\s#\"']+)", re.IGNORECASE
)
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
