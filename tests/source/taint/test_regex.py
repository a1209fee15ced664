"""The ReDoS check (taint/regex.py over source/regex_syntax.py): which patterns backtrack
exponentially, and that reading and judging a hostile pattern stays fast."""

from __future__ import annotations

import pytest
from hang import hang_guard

from nodeward.source.regex_syntax import Alternation, Chars, Repeat, Sequence, parse
from nodeward.source.taint.regex import is_catastrophic

_URL = r"^(https?:\/\/)?([\w.-]+)+(:\d+)?(\/[\w.-]*)*$"
_EMAIL = r"^([a-z0-9])(([\-.]|[_]+)?([a-z0-9]+))*@[a-z0-9]+[.]([a-z]{2,3}|[a-z]{2,3}[.][a-z]{2,3})$"


@pytest.mark.parametrize(
    "pattern",
    [
        _URL,
        _EMAIL,
        r"^((\w+\.)*\w+)*$",
        r"^\w+([.-]?\w+)*@\w+([.-]?\w+)*(\.\w{2,3})+$",
        r"^([a-z0-9]+[._-]?)+@[a-z]+\.[a-z]+$",
        r"^(\w+\s?)*$",
        r"([0-9]+)+#",
        r"^(a|a)*$",
        r"(\w|\d)+$",
        r"(.|\s)*x",
        r"^(?:[a-z]+|\d)*!",
        r"^(\w+){1,30}$",
        r"^(?<word>[a-z]*)*$",
    ],
)
def test_exponential_patterns(pattern: str) -> None:
    assert is_catastrophic(pattern) is True


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[a-z0-9.-]+$",
        r"^https?:\/\/[^\s/$.?#].[^\s]*$",
        r"^[\w.+-]+@[\w-]+\.[\w.-]+$",
        r"^(\/[\w.-]*)*$",  # each iteration starts with the `/` the inner part cannot match
        r"^[\w\s]{1,64}$",
        r"^\d{3}-\d{4}$",
        r"^(foo|bar)+$",
        r"(\s*,\s*\w+)*$",
        r"^(a|b)*c",
        r"^(\w+){1,3}$",  # a small bound: a few ways to split, not exponentially many
        r"(a+)+",  # nothing after it can fail: the first split found is a match
        r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    ],
)
def test_unambiguous_patterns(pattern: str) -> None:
    assert is_catastrophic(pattern) is False


@pytest.mark.parametrize("pattern", ["(", "[a-z", "a{2", "\\", "*a", "(?<name", "a)"])
def test_malformed_patterns_are_not_judged(pattern: str) -> None:
    assert is_catastrophic(pattern) is False


def test_classes_and_escapes_read_as_character_sets() -> None:
    tree = parse(r"[^\d-]\x41\u{1F600}")
    assert isinstance(tree, Sequence)
    negated, letter, emoji = tree.items
    assert isinstance(negated, Chars) and isinstance(letter, Chars) and isinstance(emoji, Chars)
    assert letter.chars.ranges == ((0x41, 0x41),)
    assert emoji.chars.ranges == ((0x1F600, 0x1F600),)
    assert not negated.chars.overlaps(parse("[0-9]").chars)  # type: ignore[union-attr]
    assert negated.chars.overlaps(letter.chars)


def test_quantifiers_and_alternatives() -> None:
    tree = parse(r"(?:a|b){2,}c?")
    assert isinstance(tree, Sequence)
    repeat, optional = tree.items
    assert isinstance(repeat, Repeat) and (repeat.low, repeat.high) == (2, -1)
    assert isinstance(repeat.body, Alternation)
    assert isinstance(optional, Repeat) and (optional.low, optional.high) == (0, 1)


@pytest.mark.parametrize(
    "hostile",
    [
        "(" * 3000 + "a" + ")" * 3000,
        "(a|" * 1500 + "b" + ")" * 1500,
        "(a+)+" * 800,
        "[" + "a-" * 2000 + "]",
        "a+" * 2000 + "$",
        "(" + "|".join(f"\\u{c:04x}" for c in range(600)) + ")*$",
        "((" * 30 + "a+" + ")+)*" * 30 + "$",
        "x" * 100_000,
    ],
)
def test_hostile_patterns_are_judged_quickly(hostile: str) -> None:
    # a hang guard, not a speed test: the walk is linear in the pattern (bounded depth)
    with hang_guard(5.0, hostile[:40]):
        is_catastrophic(hostile)
