"""The shortest match of a JavaScript pattern, which NW222 compares with 8 characters."""

from __future__ import annotations

import pytest

from nodeward.source.regex_length import min_length


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"^.{1,20}$", 1),
        (r"^(?=.*\d)(?=.*[a-z])(?=.*[A-Z]).{8,}$", 8),  # lookaheads match no text
        (r"^[\w!@#$%^&*]{4,64}$", 4),
        (r"^(?:[A-Za-z\d]){6,}?$", 6),  # lazy quantifier, non-capturing group
        (r"^(ab|c)+$", 1),  # the shortest branch, at least once
        (r"^(ab|c)*x?$", 0),
        (r"^[a-z\]]{3}$", 3),  # an escaped bracket inside a class
        (r"^\x41\u0042\u{43}\cA$", 4),  # escapes with operands are one character each
        (r"^(?<word>ab)\k<word>\b$", 2),  # back-references and boundaries are zero-width
        (r"^a{2}b{0,3}c$", 3),
    ],
)
def test_min_length(pattern: str, expected: int) -> None:
    assert min_length(pattern) == expected


@pytest.mark.parametrize("pattern", ["(ab", "[abc", "ab)", "a\\", r"(?<name"])
def test_unreadable_patterns_give_none(pattern: str) -> None:
    assert min_length(pattern) is None
