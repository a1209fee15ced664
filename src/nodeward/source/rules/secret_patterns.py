"""The recognizable credential formats NW602 looks for, loaded from data/secret_patterns.toml
and validated on load (a broken row fails at import, not silently at scan time)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

_FIELDS = ("id", "provider", "regex", "rotate")


class PatternDataError(ValueError):
    """data/secret_patterns.toml is malformed."""


@dataclass(frozen=True)
class SecretPattern:
    id: str
    provider: str
    regex: re.Pattern[str]
    rotate: str
    #: what every match of `regex` also matches, searched first to rule a file out (see
    #: _hint)
    hint: re.Pattern[str]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """regex.finditer(text), once a search of `hint` has not ruled the text out."""
        if self.hint.search(text) is None:
            return iter(())
        return self.regex.finditer(text)


@cache
def secret_patterns() -> tuple[SecretPattern, ...]:
    raw = resources.files(__package__).joinpath("data", "secret_patterns.toml").read_text("utf-8")
    return parse_patterns(raw)


def parse_patterns(raw: str) -> tuple[SecretPattern, ...]:
    try:
        rows = tomllib.loads(raw).get("pattern")
    except tomllib.TOMLDecodeError as error:
        raise PatternDataError(f"secret_patterns.toml: {error}") from None
    if not isinstance(rows, list) or not rows:
        raise PatternDataError("secret_patterns.toml: no [[pattern]] rows")
    patterns: list[SecretPattern] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise PatternDataError(f"secret_patterns.toml: row {number} is not a table")
        missing = [f for f in _FIELDS if not isinstance(row.get(f), str) or not row[f]]
        if missing:
            raise PatternDataError(f"secret_patterns.toml: row {number} lacks {missing}")
        try:
            regex = re.compile(row["regex"])
        except re.error as error:
            raise PatternDataError(f"secret_patterns.toml: {row['id']}: {error}") from None
        hint = _hint(regex)
        patterns.append(SecretPattern(row["id"], row["provider"], regex, row["rotate"], hint))
    ids = [p.id for p in patterns]
    if len(set(ids)) != len(ids):
        raise PatternDataError("secret_patterns.toml: duplicate ids")
    return tuple(patterns)


def _hint(regex: re.Pattern[str]) -> re.Pattern[str]:
    """`regex` without its leading word boundary: the rest matches wherever the whole
    does, and re searches it by its first characters, which a leading `\\b` prevents
    (scanning a file for a `\\b...` pattern costs about ten times more)."""
    if regex.pattern.startswith("\\b"):
        return re.compile(regex.pattern[2:], regex.flags)
    return regex
