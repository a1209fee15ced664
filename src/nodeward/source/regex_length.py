"""The shortest text a JavaScript regular expression matches, read from its pattern in one
pass: what a password rule such as `/^.{1,20}$/` lets through."""

from __future__ import annotations

import re

_BRACES = re.compile(r"\{(\d{1,6})(,\d{0,6})?\}")
#: escapes that match no character: word boundaries and back-references
_ZERO_WIDTH_ESCAPES = frozenset("bB123456789k")


def min_length(pattern: str) -> int | None:
    """The length of the shortest match of `pattern`, or None when it cannot be read.
    Lookarounds, anchors and back-references count as zero; alternatives take the
    shortest branch; a quantifier multiplies by its lower bound."""
    reader = _Reader(pattern)
    try:
        length = reader.alternatives()
    except (IndexError, ValueError):  # an unclosed group, class or escape
        return None
    return length if reader.at == len(pattern) else None


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0

    def alternatives(self) -> int:
        shortest = self.sequence()
        while self.at < len(self.pattern) and self.pattern[self.at] == "|":
            self.at += 1
            shortest = min(shortest, self.sequence())
        return shortest

    def sequence(self) -> int:
        total = 0
        while self.at < len(self.pattern) and self.pattern[self.at] not in "|)":
            atom = self.atom()
            total += atom * self.lower_bound()
        return total

    def atom(self) -> int:
        char = self.pattern[self.at]
        self.at += 1
        if char in "^$":
            return 0
        if char == "\\":
            escaped = self.pattern[self.at]
            self.at += 1
            self.skip_escape_operand(escaped)
            return 0 if escaped in _ZERO_WIDTH_ESCAPES else 1
        if char == "[":
            self.skip_class()
            return 1
        if char == "(":
            lookaround = self.pattern.startswith(("?=", "?!", "?<=", "?<!"), self.at)
            if self.pattern.startswith("?", self.at):
                self.skip_group_prefix()
            inner = self.alternatives()
            if self.pattern[self.at] != ")":
                raise IndexError("unclosed group")
            self.at += 1
            return 0 if lookaround else inner
        return 1

    def skip_escape_operand(self, escaped: str) -> None:
        """The rest of `\\k<name>`, `\\p{...}`, `\\u{...}`, `\\u0041`, `\\x41` and `\\cA`."""
        if escaped in "kpPu" and self.pattern.startswith(("<", "{"), self.at):
            self.at = self.pattern.index(">" if escaped == "k" else "}", self.at) + 1
        elif escaped in "ux":
            self.at += 4 if escaped == "u" else 2
        elif escaped == "c":
            self.at += 1

    def skip_class(self) -> None:
        while self.pattern[self.at] != "]":
            self.at += 2 if self.pattern[self.at] == "\\" else 1
        self.at += 1

    def skip_group_prefix(self) -> None:
        """`?:`, `?=`, `?!`, `?<=`, `?<!` or a named group `?<name>`."""
        if self.pattern.startswith(("?<=", "?<!"), self.at):
            self.at += 3
        elif self.pattern.startswith("?<", self.at):
            self.at = self.pattern.index(">", self.at) + 1
        else:
            self.at += 2

    def lower_bound(self) -> int:
        if self.at >= len(self.pattern):
            return 1
        char = self.pattern[self.at]
        if char in "*?":
            bound = 0
            self.at += 1
        elif char == "+":
            bound = 1
            self.at += 1
        else:
            braces = _BRACES.match(self.pattern, self.at)
            if braces is None:
                return 1
            bound = int(braces.group(1))
            self.at = braces.end()
        if self.at < len(self.pattern) and self.pattern[self.at] == "?":
            self.at += 1  # lazy
        return bound
