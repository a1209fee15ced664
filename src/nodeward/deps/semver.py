"""npm's semver semantics (node-semver 7), the subset a dependency audit needs.

Written here rather than taken from PyPI: the Python ports of node-semver there are
untyped and unmaintained, and an audit needs exactly two operations -- precedence and
`satisfies(version, range, includePrerelease)` -- which fit in one tested module. The
expected values in tests/deps/semver_cases.json were produced by node-semver itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, total_ordering

_NUM = r"0|[1-9]\d*+"
# Possessive runs: `\s*[v=\s]*` would split a run of spaces in every way, and a number
# given back digit by digit to the prerelease would make a long version quadratic.
_VERSION = re.compile(
    rf"^[v=\s]*+({_NUM})\.({_NUM})\.({_NUM})"
    r"(?:-?([0-9A-Za-z-]++(?:\.[0-9A-Za-z-]++)*+))?(?:\+([0-9A-Za-z.-]++))?\s*+$"
)
_PARTIAL = re.compile(
    r"^[v=\s]*+(\d++|[xX*])(?:\.(\d++|[xX*])(?:\.(\d++|[xX*])"
    r"(?:-?([0-9A-Za-z-]++(?:\.[0-9A-Za-z-]++)*+))?(?:\+[0-9A-Za-z.-]++)?)?)?$"
)
_COMPARATOR = re.compile(r"^(<=|>=|<|>|=|~>|~|\^)?\s*(.*)$")
_HYPHEN = re.compile(r"^\s*(\S+)\s+-\s+(\S+)\s*$")


class InvalidVersion(ValueError):
    """Text that is not a semantic version."""


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return core + ("-" + ".".join(str(p) for p in self.prerelease) if self.prerelease else "")

    def _key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        if self._key() != other._key():
            return self._key() < other._key()
        return _prerelease_less(self.prerelease, other.prerelease)


def _prerelease_less(a: tuple[int | str, ...], b: tuple[int | str, ...]) -> bool:
    if not a or not b:
        return bool(a) and not b  # a release sorts after its prereleases
    for left, right in zip(a, b, strict=False):
        if left == right:
            continue
        if isinstance(left, int) and isinstance(right, int):
            return left < right
        if isinstance(left, int) != isinstance(right, int):
            return isinstance(left, int)  # numeric identifiers sort first
        return str(left) < str(right)
    return len(a) < len(b)


def _identifiers(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in text.split("."))


@cache
def parse(text: str) -> Version:
    """A full version (`1.2.3`, `v1.2.3-beta.1`, `=1.2.3+build`); build metadata is dropped."""
    match = _VERSION.match(text)
    if match is None:
        raise InvalidVersion(f"not a semantic version: {text!r}")
    major, minor, patch, pre, _build = match.groups()
    return Version(int(major), int(minor), int(patch), _identifiers(pre))


def try_parse(text: str) -> Version | None:
    try:
        return parse(text)
    except InvalidVersion:
        return None


def compare(a: str, b: str) -> int:
    va, vb = parse(a), parse(b)
    return (va > vb) - (va < vb)


# -- ranges ---------------------------------------------------------------------------

Comparator = tuple[str, Version]  # operator ("<", "<=", ">", ">=", "=") and version
ComparatorSet = tuple[Comparator, ...]
_ZERO = Version(0, 0, 0, (0,))  # `-0`: the lowest version with this core


@dataclass(frozen=True)
class _Partial:
    major: int | None
    minor: int | None
    patch: int | None
    prerelease: tuple[int | str, ...]


def _partial(text: str) -> _Partial:
    match = _PARTIAL.match(text.strip())
    if match is None:
        raise InvalidVersion(f"not a version or x-range: {text!r}")
    parts = [None if p is None or p in "xX*" else int(p) for p in match.groups()[:3]]
    # A wildcard makes every later part a wildcard too (1.x.3 is 1.x).
    for i in range(1, 3):
        if parts[i - 1] is None:
            parts[i] = None
    return _Partial(parts[0], parts[1], parts[2], _identifiers(match.group(4)))


def _lower(p: _Partial) -> Version:
    return Version(p.major or 0, p.minor or 0, p.patch or 0, p.prerelease)


def _expand(op: str, p: _Partial, z: tuple[int, ...]) -> list[Comparator]:
    """Desugar one comparator the way node-semver's replace* functions do. `z` is the
    prerelease (`-0`) node-semver gives lower bounds of partial versions when prereleases
    are included."""
    ma, mi, pa = p.major, p.minor, p.patch
    if op in ("~", "~>"):
        if ma is None:
            return []
        if mi is None:
            return [(">=", Version(ma, 0, 0, z)), ("<", Version(ma + 1, 0, 0, (0,)))]
        if pa is None:
            return [(">=", Version(ma, mi, 0, z)), ("<", Version(ma, mi + 1, 0, (0,)))]
        return [(">=", _lower(p)), ("<", Version(ma, mi + 1, 0, (0,)))]
    if op == "^":
        if ma is None:
            return []
        if mi is None:
            return [(">=", Version(ma, 0, 0, z)), ("<", Version(ma + 1, 0, 0, (0,)))]
        if pa is None:
            upper = Version(ma + 1, 0, 0, (0,)) if ma else Version(0, mi + 1, 0, (0,))
            return [(">=", Version(ma, mi, 0, z)), ("<", upper)]
        if ma:
            upper = Version(ma + 1, 0, 0, (0,))
        elif mi:
            upper = Version(0, mi + 1, 0, (0,))
        else:
            upper = Version(0, 0, pa + 1, (0,))
        return [(">=", _lower(p)), ("<", upper)]
    if ma is None:  # `*`, `x`, `>=*`: anything (but `<*` and `>*` match nothing)
        return [("<", _ZERO)] if op in ("<", ">") else []
    if mi is None or pa is None:
        bump = Version(ma + 1, 0, 0, (0,)) if mi is None else Version(ma, mi + 1, 0, (0,))
        low = Version(ma, mi or 0, 0, z)
        match op:
            case "" | "=":
                return [(">=", low), ("<", bump)]
            case ">":
                return [(">=", Version(bump.major, bump.minor, 0, z))]
            case ">=":
                return [(">=", low)]
            case "<":
                return [("<", Version(ma, mi or 0, 0, (0,)))]
            case "<=":
                return [("<", bump)]
    return [(op or "=", _lower(p))]


def _hyphen(low_text: str, high_text: str, z: tuple[int, ...]) -> list[Comparator]:
    low, high = _partial(low_text), _partial(high_text)
    start = _lower(low)
    if not low.prerelease:
        start = Version(start.major, start.minor, start.patch, z)
    lower: list[Comparator] = [] if low.major is None else [(">=", start)]
    if high.major is None:
        return lower
    if high.minor is None:
        return [*lower, ("<", Version(high.major + 1, 0, 0, (0,)))]
    if high.patch is None:
        return [*lower, ("<", Version(high.major, high.minor + 1, 0, (0,)))]
    return [*lower, ("<=", _lower(high))]


def _comparator_set(text: str, z: tuple[int, ...]) -> ComparatorSet:
    text = text.strip()
    hyphen = _HYPHEN.match(text)
    if hyphen is not None:
        return tuple(_hyphen(hyphen.group(1), hyphen.group(2), z))
    # Operators may be separated from their version by spaces: `>= 1.2.3`.
    text = re.sub(r"(<=|>=|<|>|=|~>|~|\^)\s+", r"\1", text)
    comparators: list[Comparator] = []
    for token in text.split():
        match = _COMPARATOR.match(token)
        if match is None:  # cannot happen: the pattern accepts every string
            raise InvalidVersion(f"not a comparator: {token!r}")
        op, rest = match.group(1) or "", match.group(2)
        comparators += _expand(op, _partial(rest), z)
    return tuple(comparators)


@cache
def parse_range(text: str, include_prerelease: bool = False) -> tuple[ComparatorSet, ...]:
    """A range as a union of comparator sets; raises InvalidVersion when malformed."""
    z: tuple[int, ...] = (0,) if include_prerelease else ()
    sets = tuple(_comparator_set(part, z) for part in text.split("||"))
    return sets or ((),)


def _test(op: str, left: Version, right: Version) -> bool:
    match op:
        case "<":
            return left < right
        case "<=":
            return left <= right
        case ">":
            return left > right
        case ">=":
            return left >= right
        case _:
            return left == right


def _set_allows(version: Version, comparators: ComparatorSet, include_prerelease: bool) -> bool:
    if not all(_test(op, version, bound) for op, bound in comparators):
        return False
    if not version.prerelease or include_prerelease:
        return True
    # Without includePrerelease a prerelease matches only when some comparator names a
    # prerelease of the same major.minor.patch (npm's "opt-in" rule).
    return any(bound.prerelease and bound._key() == version._key() for _op, bound in comparators)


def satisfies(version: str, range_text: str, *, include_prerelease: bool = False) -> bool:
    """node-semver's `satisfies`; an invalid version or range satisfies nothing."""
    try:
        parsed = parse(version)
        sets = parse_range(range_text, include_prerelease)
    except InvalidVersion:
        return False
    return any(_set_allows(parsed, s, include_prerelease) for s in sets)


def valid_range(range_text: str) -> bool:
    try:
        parse_range(range_text)
    except InvalidVersion:
        return False
    return True
