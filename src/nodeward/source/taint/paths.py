"""The access-path language of the library models, after CodeQL's:
`Member[createConnection].ReturnValue.Member[query].Argument[0]`.

`Member[a,b]` is either member, `ReturnValue` and `Instance` are a call or `new`, and the
last token of a sink or sanitizer row says which value it is about: `Argument[0]`,
`Argument[1..]` (that one and every later one), `Argument[0..1]`, `Argument[last]` or `ReturnValue`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

CALL = "()"
_TOKEN = re.compile(r"(Member|Argument)\[([^\]]+)\]|(ReturnValue|Instance)")


class AccessPathError(ValueError):
    """A model row whose access path cannot be read."""


@dataclass(frozen=True)
class ArgumentSpec:
    """Which arguments of a call a row is about."""

    first: int
    to_end: bool = False
    last: bool = False
    until: int | None = None  # `Argument[0..1]`: the last index, inclusive

    def select(self, count: int) -> range:
        if self.last:
            return range(count - 1, count) if count else range(0)
        if self.to_end:
            end = count if self.until is None else min(count, self.until + 1)
            return range(self.first, end)
        return range(self.first, self.first + 1) if self.first < count else range(0)


@dataclass(frozen=True)
class CallPath:
    """A parsed row: every callee path it names (alternatives expanded) and the argument."""

    callees: tuple[tuple[str, ...], ...]
    argument: ArgumentSpec | None  # None: the row is about the call's return value


def parse_access_path(text: str) -> CallPath:
    tokens = text.split(".") if text else []
    # Member names never contain dots; rejoin what split inside brackets.
    parts: list[str] = []
    for token in tokens:
        if parts and parts[-1].count("[") > parts[-1].count("]"):
            parts[-1] += "." + token
        else:
            parts.append(token)
    steps: list[tuple[str, ...]] = []
    argument: ArgumentSpec | None = None
    for index, part in enumerate(parts):
        match = _TOKEN.fullmatch(part)
        if match is None:
            raise AccessPathError(f"unknown access path token {part!r} in {text!r}")
        kind, value, call = match.groups()
        is_last = index == len(parts) - 1
        if call is not None:
            if is_last:
                argument = None
                break
            steps.append((CALL,))
        elif kind == "Member":
            steps.append(tuple(v.strip() for v in value.split(",")))
        else:
            if not is_last:
                raise AccessPathError(f"Argument[...] must end the path: {text!r}")
            argument = _argument(value, text)
    callees = tuple(itertools.product(*steps)) if steps else ((),)
    return CallPath(callees=callees, argument=argument)


def _argument(value: str, text: str) -> ArgumentSpec:
    value = value.strip()
    if value == "last":
        return ArgumentSpec(0, last=True)
    number, dots, until = value.partition("..")
    if not number.isdigit() or (until and not until.isdigit()):
        raise AccessPathError(f"bad argument index {value!r} in {text!r}")
    return ArgumentSpec(int(number), to_end=bool(dots), until=int(until) if until else None)
