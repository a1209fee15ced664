"""The recognizable credential formats NW602 looks for, loaded from data/secret_patterns.toml
and validated on load (a broken row fails at import, not silently at scan time)."""

from __future__ import annotations

import re
import tomllib
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
        patterns.append(SecretPattern(row["id"], row["provider"], regex, row["rotate"]))
    ids = [p.id for p in patterns]
    if len(set(ids)) != len(ids):
        raise PatternDataError("secret_patterns.toml: duplicate ids")
    return tuple(patterns)
