"""SecretPattern.finditer: the hint searched first rules texts out, never a match in."""

from __future__ import annotations

from nodeward.source.rules.secret_patterns import SecretPattern, parse_patterns, secret_patterns

_ROW = "[[pattern]]\nid = \"k\"\nprovider = \"P\"\nregex = '''{regex}'''\nrotate = \"r\"\n"
_KEY = "AKIA" + "ABCDEFGHIJKLMNOP"


def _pattern(regex: str) -> SecretPattern:
    (found,) = parse_patterns(_ROW.format(regex=regex))
    return found


def test_a_leading_word_boundary_is_left_out_of_the_hint() -> None:
    pattern = _pattern(r"\bAKIA[A-Z]{16}\b")
    assert pattern.hint.pattern == r"AKIA[A-Z]{16}\b"
    assert _pattern("-----BEGIN KEY-----").hint.pattern == "-----BEGIN KEY-----"


def test_finditer_finds_what_the_regex_finds() -> None:
    pattern = _pattern(r"\bAKIA[A-Z]{16}\b")
    text = f"const a = '{_KEY}';\nconst b = 'x{_KEY}';\nconst c = '{_KEY}'\n"
    assert [m.span() for m in pattern.finditer(text)] == [
        m.span() for m in pattern.regex.finditer(text)
    ]
    assert len(list(pattern.finditer(text))) == 2


def test_a_hint_match_is_not_a_finding() -> None:
    """`xAKIA...`: the hint matches, the pattern (a word boundary first) does not."""
    pattern = _pattern(r"\bAKIA[A-Z]{16}\b")
    text = f"const b = 'x{_KEY}';"
    assert pattern.hint.search(text) is not None
    assert list(pattern.finditer(text)) == []
    assert list(pattern.finditer("nothing here")) == []


def test_every_shipped_pattern_has_a_hint_without_a_leading_boundary() -> None:
    for pattern in secret_patterns():
        assert not pattern.hint.pattern.startswith(r"\b"), pattern.id
