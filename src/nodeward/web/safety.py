"""What the probe may send: which requests change state, and the user's URL filters.

A request is state-changing when its method is not GET, HEAD or OPTIONS, or when a word of
its path or of its query (names and values) is one of `DESTRUCTIVE_WORDS`. Words, not
substrings: `/drop-table`, `/deleteUser` and `?action=delete` change state; `/dropdown` and
`/deleted-items` do not. Passive mode sends no state-changing request; active mode sends them
only to URLs an `--allow-unsafe` pattern matches, and DELETE/PUT/PATCH only with
`--allow-methods`. Every refusal carries its reason for the report's coverage table.

Patterns (`--allow-unsafe`, `--include`, `--exclude`) are globs (`*` matches anything,
`/` included) matched against the URL's path, or its path and query; a pattern containing
`://` is matched against the whole URL; a pattern written `re:EXPR` is a regular expression
searched in the path and query."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from itertools import pairwise
from urllib.parse import parse_qsl, unquote, urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Methods sent only when the user names them with --allow-methods.
GUARDED_METHODS = frozenset({"DELETE", "PUT", "PATCH"})

#: Words in a path or a query that name an action with lasting effects. Matched as whole
#: words (camelCase, `-`, `_`, `.` and `/` separate words), so "dropdown" or "deleted" (a
#: listing of deleted items) do not match.
DESTRUCTIVE_WORDS = frozenset(
    {
        *("logout", "logoff", "signout", "signoff", "delete", "del", "remove", "rm"),
        *("drop", "reset", "destroy", "quit", "exit", "shutdown", "kill", "reboot"),
        *("restart", "terminate", "transfer", "pay", "purchase", "buy", "checkout"),
        *("withdraw", "refund", "unsubscribe", "truncate", "wipe", "purge", "erase"),
        *("flush", "clear", "revoke", "deactivate", "disable", "suspend", "ban"),
        *("cancel", "uninstall", "rollback", "overwrite", "approve", "execute", "deploy"),
        *("migrate",),
    }
)
#: Two-word spellings of the same actions (`/log-out`, `/sign_out`).
DESTRUCTIVE_PAIRS = frozenset({"logout", "logoff", "signout", "signoff", "shutdown"})

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def words(text: str) -> list[str]:
    """`/admin/dropTable_now` -> ["admin", "drop", "table", "now"]."""
    return [w.lower() for w in _WORD.findall(text)]


def destructive_word(text: str) -> str | None:
    found = words(text)
    for word in found:
        if word in DESTRUCTIVE_WORDS:
            return word
    for first, second in pairwise(found):
        if first + second in DESTRUCTIVE_PAIRS:
            return first + second
    return None


def state_change_reason(method: str, url: str) -> str | None:
    """Why this request may change state on the server, or None when it looks read-only."""
    method = method.upper()
    if method not in SAFE_METHODS:
        return f"method {method}"
    parts = urlsplit(url)
    # Servers route on the decoded path: /users%2Fremove is /users/remove to them.
    word = destructive_word(unquote(parts.path))
    if word is not None:
        return f"path word {word!r}"
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        word = destructive_word(name) or destructive_word(value[:100])
        if word is not None:
            return f"parameter {name!r} says {word!r}"
    return None


def split_patterns(values: Iterable[str]) -> tuple[str, ...]:
    """Repeatable flags that also take comma-separated lists; `re:` patterns keep commas."""
    out: list[str] = []
    for value in values:
        pieces = [value] if value.startswith("re:") else value.split(",")
        out += [p.strip() for p in pieces if p.strip()]
    return tuple(out)


@dataclass(frozen=True)
class UrlPattern:
    text: str

    def __post_init__(self) -> None:
        if self.text.startswith("re:"):
            try:
                re.compile(self.text[3:])
            except re.error as error:
                raise ValueError(f"{self.text!r}: invalid regular expression: {error}") from None

    def matches(self, url: str) -> bool:
        parts = urlsplit(url)
        path = parts.path or "/"
        with_query = f"{path}?{parts.query}" if parts.query else path
        if self.text.startswith("re:"):
            return re.search(self.text[3:], with_query) is not None
        if "://" in self.text:
            return fnmatchcase(url, self.text)
        return fnmatchcase(path, self.text) or fnmatchcase(with_query, self.text)


def _spellings(url: str) -> tuple[str, str]:
    """The URL as sent and with its path percent-decoded: a server reads `/admin%2Fx` as
    `/admin/x`, so a pattern must judge both."""
    parts = urlsplit(url)
    return url, parts._replace(path=unquote(parts.path)).geturl()


def _first_match(patterns: Iterable[UrlPattern], url: str) -> UrlPattern | None:
    """The first pattern matching either spelling of `url` (for --exclude: when in doubt,
    leave it out)."""
    spellings = _spellings(url)
    return next((p for p in patterns if any(p.matches(u) for u in spellings)), None)


def _first_full_match(patterns: Iterable[UrlPattern], url: str) -> UrlPattern | None:
    """The first pattern matching both spellings of `url` (for --include and --allow-unsafe:
    an encoded path must not slip a request past what the user allowed)."""
    spellings = _spellings(url)
    return next((p for p in patterns if all(p.matches(u) for u in spellings)), None)


@dataclass(frozen=True)
class SafetyPolicy:
    active: bool = False
    allow_unsafe: tuple[UrlPattern, ...] = ()
    allow_methods: frozenset[str] = frozenset()
    include: tuple[UrlPattern, ...] = ()
    exclude: tuple[UrlPattern, ...] = ()
    trusted: frozenset[str] = frozenset()
    """URLs the user named for a state-changing request themselves (--login-url)."""

    @classmethod
    def build(
        cls,
        *,
        active: bool,
        allow_unsafe: Iterable[str] = (),
        allow_methods: Iterable[str] = (),
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        trusted: Iterable[str] = (),
    ) -> SafetyPolicy:
        """Raises ValueError for an invalid pattern."""

        def patterns(values: Iterable[str]) -> tuple[UrlPattern, ...]:
            return tuple(UrlPattern(p) for p in split_patterns(values))

        return cls(
            active=active,
            allow_unsafe=patterns(allow_unsafe),
            allow_methods=frozenset(m.upper() for m in split_patterns(allow_methods)),
            include=patterns(include),
            exclude=patterns(exclude),
            trusted=frozenset(trusted),
        )

    def refusal(self, method: str, url: str) -> str | None:
        """Why the probe must not send this request, or None when it may."""
        if url in self.trusted:
            return None
        excluded = _first_match(self.exclude, url)
        if excluded is not None:
            return f"excluded by --exclude {excluded.text}"
        if self.include and _first_full_match(self.include, url) is None:
            return "not matched by any --include pattern"
        reason = state_change_reason(method, url)
        if reason is None:
            return None
        if not self.active:
            return f"state-changing ({reason}); passive mode sends none"
        if method.upper() in GUARDED_METHODS and method.upper() not in self.allow_methods:
            return f"method {method.upper()} is sent only with --allow-methods {method.upper()}"
        if _first_full_match(self.allow_unsafe, url) is None:
            return f"state-changing ({reason}); not allowed by --allow-unsafe"
        return None

    def explain(self) -> Iterator[str]:
        yield "active" if self.active else "passive"
        for pattern in self.allow_unsafe:
            yield f"--allow-unsafe {pattern.text}"
        for method in sorted(self.allow_methods):
            yield f"--allow-methods {method}"


def is_state_changing(method: str, url: str) -> bool:
    """Whether a payload request must never be sent by the injection checks on their own:
    DELETE, PUT and PATCH, or a URL whose path or query names a destructive action. (POST
    forms are state-changing too, but the client's policy decides those, by --allow-unsafe.)"""
    if method.upper() in GUARDED_METHODS:
        return True
    return state_change_reason("GET", url) is not None
