"""Committed dotenv files (`.env`, `.env.production`): the credentials they hold (NW601) and
the database URLs with a password (NW603). A committed `.env` is the value the app runs
with, so even a placeholder-looking `secret` is reported, as a weak secret.

The file is untrusted input: discovery applies the size limit and symlink rules, reading it
gives a Skip for binary content, and no value is ever quoted: reports name the variable, the
value's first characters (for values of 8 or more) and its length. The findings carry no
`secrets` to mask, since neither message nor snippet holds the value (a mask of a value such
as `password` would garble the variable's name)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from nodeward.catalog.exposure import CONNECTION_STRING_PASSWORD, HARDCODED_SECRET
from nodeward.discover import FileKind
from nodeward.findings import Confidence, Finding, Severity, Skip, SourceLocation
from nodeward.manifests.files import texts
from nodeward.project import Project

#: `KEY=value`, `export KEY = "value"`; the value is parsed by _value.
_ASSIGNMENT = re.compile(
    r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,127})\s*=(?P<rest>.*)$"
)
#: A value that is a reference to another variable (`${DB_PASS}`, `$SECRET`), not a secret.
_REFERENCE = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}?$")
#: Strings that stand for "fill me in" rather than a value (`<your-key>`, `{{ secret }}`).
_UNFILLED = re.compile(r"^<[^<>]*>$|^\{\{[^{}]*\}\}$|^%\([^()]*\)s$")
#: Secrets that tutorials, generators and defaults put in every app: guessed first.
_KNOWN_WEAK = frozenset(
    {
        "secret",
        "secretkey",
        "mysecret",
        "supersecret",
        "topsecret",
        "jwtsecret",
        "sessionsecret",
        "changeme",
        "changeit",
        "keyboardcat",
        "password",
        "passw0rd",
        "p@ssw0rd",
        "admin",
        "root",
        "test",
        "default",
        "qwerty",
        "letmein",
        "123456",
        "12345678",
        "1234567890",
        "shhhhh",
        "s3cr3t",
    }
)
#: A value of only letters and separators reads as a word or phrase: a dictionary guess.
_WORDS_ONLY = re.compile(r"^[A-Za-z]+(?:[ _.-][A-Za-z]+){0,4}$")
_WORDS_LENGTH = 24
_STRONG_LENGTH = 16


@dataclass(frozen=True)
class EnvEntry:
    key: str
    value: str
    line: int


def entries(lines: Sequence[str]) -> Iterator[EnvEntry]:
    """The `KEY=value` lines of a dotenv file, values unquoted. A double-quoted value that
    spans lines yields its first line only (enough to tell that a secret is there)."""
    for number, line in enumerate(lines, start=1):
        match = _ASSIGNMENT.match(line)
        if match is not None:
            yield EnvEntry(match.group("key"), _value(match.group("rest")), number)


def _value(rest: str) -> str:
    rest = rest.strip()
    if rest[:1] in ("'", '"', "`"):
        end = rest.find(rest[0], 1)
        return rest[1:end] if end > 0 else rest[1:]
    # unquoted: ` #` starts a comment
    comment = re.search(r"\s#", rest)
    return (rest[: comment.start()] if comment else rest).strip()


def weakness(value: str) -> str | None:
    """Why a secret is guessable, or None."""
    folded = re.sub(r"[\s_-]", "", value.lower())
    if folded in _KNOWN_WEAK:
        return "a well-known default that attackers try first"
    if len(value) <= _WORDS_LENGTH and _WORDS_ONLY.match(value):
        return "only dictionary words"
    if len(value) < _STRONG_LENGTH:
        return f"shorter than {_STRONG_LENGTH} characters"
    return None


def hint(value: str) -> str:
    """What a report may say of a secret: its length, and for 8 characters or more its
    first two (enough to tell which value to rotate, too little to use)."""
    shown = f"`{value[:2]}…`, " if len(value) >= 8 else ""
    return f"{shown}{len(value)} characters"


def committed_secrets(
    project: Project, is_secret_name: Callable[[str], bool], connection_url: re.Pattern[str]
) -> Iterator[Finding | Skip]:
    """NW601 for each credential variable of a committed dotenv file, NW603 for each
    database or broker URL with a password in one. `is_secret_name` and `connection_url`
    are the source rules' own, so a name or URL means the same in code and in `.env`."""
    read = texts(project, FileKind.ENV_FILE)
    yield from read.skips
    for text in read.items:
        for entry in entries(text.lines):
            value = entry.value
            if is_unset(value):
                continue
            location = SourceLocation(
                path=text.rel, line=entry.line, snippet=f"{entry.key}=<redacted>"
            )
            url = connection_url.search(value) if "://" in value else None
            if url is not None and not url.group("password").startswith("$"):
                yield url_finding(location, text.rel, entry.key, url)
            elif url is None and is_secret_name(entry.key):
                yield secret_finding(location, text.rel, entry.key, value)


def is_unset(value: str) -> bool:
    """Empty, a reference to another variable, or a "fill me in" marker."""
    return not value or bool(_REFERENCE.match(value) or _UNFILLED.match(value))


def secret_finding(location: SourceLocation, rel: str, key: str, value: str) -> Finding:
    weak = weakness(value)
    if weak is None:
        return HARDCODED_SECRET.finding(
            location,
            f"`{key}` ({hint(value)}) is committed in {rel}: everyone with the repository "
            "has it; remove the file from version control (add it to .gitignore), rotate the "
            "secret and set it in the deployment's environment or a secret manager",
        )
    return HARDCODED_SECRET.finding(
        location,
        f"`{key}` in the committed {rel} is a weak secret ({hint(value)}, {weak}): anyone "
        "who guesses it or reads the repository holds the credential; generate a random one "
        "(`openssl rand -hex 32`), keep it out of version control and set it in the "
        "deployment's environment",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
    )


def url_finding(location: SourceLocation, rel: str, key: str, url: re.Match[str]) -> Finding:
    host = url.group("host").lower()
    local = host in ("localhost", "127.0.0.1", "host.docker.internal", "[::1]")
    return CONNECTION_STRING_PASSWORD.finding(
        location,
        f"`{key}` ({url.group('scheme')}:// URL for {host or 'the server'}) in the committed "
        f"{rel} embeds the password of user {url.group('user') or '(default)'!r}; keep the "
        "file out of version control and rotate the password",
        confidence=Confidence.LOW if local else None,
        severity=Severity.MEDIUM if local else None,
    )
