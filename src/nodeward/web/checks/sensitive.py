"""Sensitive data in responses: password hashes, JWTs, API keys, bulk personal data."""

from __future__ import annotations

import json
import re

from nodeward.web.checks.context import route_key
from nodeward.web.exchange import Exchange
from nodeward.web.results import Results

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a bcrypt password hash", re.compile(r"\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}")),
    ("an argon2 password hash", re.compile(r"\$argon2(?:id|i|d)\$v=\d+\$")),
    (
        "a crypt(3) SHA password hash",
        re.compile(r"\$[56]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}"),
    ),
    ("a PBKDF2 password hash", re.compile(r"pbkdf2_sha(?:1|256|512)\$\d+\$")),
    ("a JSON Web Token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    ("a Stripe secret key", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{10,}")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b")),
    ("a Slack token", re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
)
_PERSONAL_KEYS = ("email", "phone", "address", "ssn", "dob", "birth", "iban")
_BULK = 3


def check(exchange: Exchange, results: Results) -> None:
    response = exchange.response
    if response.status >= 400 or not (response.is_json or response.content_type == "text/plain"):
        return
    text = response.text
    path = route_key(exchange.request.url)
    for label, pattern in _PATTERNS:
        match = pattern.search(text)
        if match:
            results.add(
                "NW630",
                exchange,
                f"{exchange.request.method} {path} returns {label}; send the client only the "
                "fields it needs (select or map them before res.json)",
                key=path,
                around=match.group(0)[:12],
            )
            return
    if response.is_json:
        people = _personal_records(text)
        if people:
            results.add(
                "NW630",
                exchange,
                f"{exchange.request.method} {path} returns {people} records with personal data "
                "(e-mail, phone, ...) in one answer; paginate and return only what the page shows",
                key=path,
            )


def _personal_records(text: str) -> int:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # a server's answer: anything at all
        return 0
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), [])
    if not isinstance(data, list):
        return 0
    count = sum(
        1
        for row in data
        if isinstance(row, dict)
        and any(any(k in str(key).lower() for k in _PERSONAL_KEYS) for key in row)
    )
    return count if count >= _BULK else 0
