"""JavaScript regular expressions read into a small syntax tree in one pass: the character
sets each atom matches, sequences, alternatives, quantifiers and zero-width assertions.
What the ReDoS check (taint/regex.py) reasons about; the reader never backtracks and gives
up (None) on a pattern that is too long, too deeply nested or malformed."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: longer patterns are not read (the check is linear, but a minified bundle's 100 KB
#: pattern is no hand-written validation rule)
MAX_PATTERN = 4096
MAX_DEPTH = 64
UNBOUNDED = -1
_LAST = 0x10FFFF

Ranges = tuple[tuple[int, int], ...]


def _normal(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _complement(ranges: Ranges) -> Ranges:
    found: list[tuple[int, int]] = []
    start = 0
    for lo, hi in ranges:
        if lo > start:
            found.append((start, lo - 1))
        start = hi + 1
    if start <= _LAST:
        found.append((start, _LAST))
    return tuple(found)


@dataclass(frozen=True)
class CharSet:
    """The characters one atom matches, as sorted disjoint code point ranges."""

    ranges: Ranges

    def overlaps(self, other: CharSet) -> bool:
        i = j = 0
        while i < len(self.ranges) and j < len(other.ranges):
            (a_lo, a_hi), (b_lo, b_hi) = self.ranges[i], other.ranges[j]
            if a_lo <= b_hi and b_lo <= a_hi:
                return True
            if a_hi < b_hi:
                i += 1
            else:
                j += 1
        return False

    def union(self, other: CharSet) -> CharSet:
        return CharSet(_normal([*self.ranges, *other.ranges]))

    @property
    def empty(self) -> bool:
        return not self.ranges


NOTHING = CharSet(())
_DIGIT: Ranges = ((0x30, 0x39),)
_WORD: Ranges = _normal([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
_SPACE: Ranges = _normal(
    [
        *((0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A)),
        *((0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)),
        (0xFEFF, 0xFEFF),
    ]
)
_CLASS_ESCAPES: dict[str, Ranges] = {
    "d": _DIGIT,
    "D": _complement(_DIGIT),
    "w": _WORD,
    "W": _complement(_WORD),
    "s": _SPACE,
    "S": _complement(_SPACE),
}
_DOT = CharSet(_complement(((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))))
_ANY = CharSet(((0, _LAST),))
_CONTROL = {"n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B, "f": 0x0C, "0": 0x00}
_BRACES = re.compile(r"\{(\d{1,6})(?:(,)(\d{0,6}))?\}")


@dataclass(frozen=True)
class Chars:
    chars: CharSet


@dataclass(frozen=True)
class Assertion:
    """`^`, `$`, `\\b`, a lookaround: matches no character and may fail."""


@dataclass(frozen=True)
class Empty:
    """What matches the empty string and never fails (an empty group, a back-reference
    read as nothing)."""


@dataclass(frozen=True)
class Sequence:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alternation:
    branches: tuple[Node, ...]


@dataclass(frozen=True)
class Repeat:
    body: Node
    low: int
    high: int  # UNBOUNDED for `*`, `+`, `{n,}`


Node = Chars | Assertion | Empty | Sequence | Alternation | Repeat


class _Malformed(Exception):
    pass


def parse(pattern: str) -> Node | None:
    """The syntax tree of a JavaScript pattern (the text between the slashes), or None."""
    if len(pattern) > MAX_PATTERN:
        return None
    reader = _Reader(pattern)
    try:
        tree = reader.alternation(0)
    except (_Malformed, IndexError, ValueError):
        return None
    return tree if reader.at == len(pattern) else None


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0

    def peek(self, text: str) -> bool:
        return self.pattern.startswith(text, self.at)

    def alternation(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _Malformed("nested too deeply")
        branches = [self.sequence(depth)]
        while self.peek("|"):
            self.at += 1
            branches.append(self.sequence(depth))
        return branches[0] if len(branches) == 1 else Alternation(tuple(branches))

    def sequence(self, depth: int) -> Node:
        items: list[Node] = []
        while self.at < len(self.pattern) and self.pattern[self.at] not in "|)":
            items.append(self.quantified(self.atom(depth)))
        return items[0] if len(items) == 1 else Sequence(tuple(items))

    def quantified(self, atom: Node) -> Node:
        if self.at >= len(self.pattern):
            return atom
        char = self.pattern[self.at]
        if char in "*+?":
            self.at += 1
            low, high = {"*": (0, UNBOUNDED), "+": (1, UNBOUNDED), "?": (0, 1)}[char]
        else:
            braces = _BRACES.match(self.pattern, self.at)
            if braces is None:
                return atom
            self.at = braces.end()
            low = int(braces.group(1))
            if braces.group(2) is None:
                high = low
            else:
                high = int(braces.group(3)) if braces.group(3) else UNBOUNDED
        if self.peek("?"):
            self.at += 1  # lazy: the same ambiguity, tried in another order
        if isinstance(atom, Assertion | Empty):
            return atom
        return Repeat(atom, low, high)

    def atom(self, depth: int) -> Node:
        char = self.pattern[self.at]
        self.at += 1
        if char in "^$":
            return Assertion()
        if char == ".":
            return Chars(_DOT)
        if char == "\\":
            return self.escape()
        if char == "[":
            return Chars(self.char_class())
        if char == "(":
            return self.group(depth)
        if char in "*+?":
            raise _Malformed("nothing to repeat")
        return Chars(CharSet(((ord(char), ord(char)),)))

    def group(self, depth: int) -> Node:
        lookaround = self.peek("?=") or self.peek("?!") or self.peek("?<=") or self.peek("?<!")
        if self.peek("?<=") or self.peek("?<!"):
            self.at += 3
        elif self.peek("?<"):
            self.at = self.pattern.index(">", self.at) + 1
        elif self.peek("?"):
            self.at += 2
        inner = self.alternation(depth + 1)
        if not self.peek(")"):
            raise _Malformed("unclosed group")
        self.at += 1
        if lookaround:
            return Assertion()
        return inner if not (isinstance(inner, Sequence) and not inner.items) else Empty()

    def escape(self) -> Node:
        char = self.pattern[self.at]
        self.at += 1
        if char in "bB":
            return Assertion()
        if char.isdigit() and char != "0":
            while self.at < len(self.pattern) and self.pattern[self.at].isdigit():
                self.at += 1
            return Empty()  # a back-reference: what the group matched, read as nothing
        if char == "k" and self.peek("<"):
            self.at = self.pattern.index(">", self.at) + 1
            return Empty()
        return Chars(self.escaped_set(char))

    def escaped_set(self, char: str) -> CharSet:
        """The characters of an escape after its backslash (inside or outside a class)."""
        if char in _CLASS_ESCAPES:
            return CharSet(_CLASS_ESCAPES[char])
        if char in "pP":
            if self.peek("{"):
                self.at = self.pattern.index("}", self.at) + 1
            return _ANY  # a Unicode property: any character, as far as overlap goes
        code = self.escaped_code(char)
        return CharSet(((code, code),))

    def escaped_code(self, char: str) -> int:
        if char in _CONTROL:
            return _CONTROL[char]
        if char == "x":
            code = int(self.pattern[self.at : self.at + 2], 16)
            self.at += 2
            return code
        if char == "u":
            if self.peek("{"):
                end = self.pattern.index("}", self.at)
                code = int(self.pattern[self.at + 1 : end], 16)
                self.at = end + 1
                return min(code, _LAST)
            code = int(self.pattern[self.at : self.at + 4], 16)
            self.at += 4
            return code
        if char == "c":
            self.at += 1
            return ord(self.pattern[self.at - 1]) % 32
        return ord(char)

    def char_class(self) -> CharSet:
        negated = self.peek("^")
        if negated:
            self.at += 1
        ranges: list[tuple[int, int]] = []
        while not self.peek("]"):
            first = self.class_atom()
            if self.peek("-") and not self.pattern.startswith("-]", self.at) and len(first) == 1:
                self.at += 1
                last = self.class_atom()
                if len(last) == 1 and first[0][0] <= last[0][0]:
                    ranges.append((first[0][0], last[0][0]))
                    continue
                ranges += [*first, (ord("-"), ord("-")), *last]
                continue
            ranges += first
        self.at += 1
        found = _normal(ranges)
        return CharSet(_complement(found) if negated else found)

    def class_atom(self) -> Ranges:
        char = self.pattern[self.at]
        self.at += 1
        if char != "\\":
            return ((ord(char), ord(char)),)
        escaped = self.pattern[self.at]
        self.at += 1
        if escaped == "b":
            return ((0x08, 0x08),)  # a backspace inside a class
        return self.escaped_set(escaped).ranges
