"""word_starts.py and the prefilters built on it: a rule skips a node only when none of
the words its findings need starts inside it, so what the rule reported before it still
reports, escapes and non-ASCII spellings included."""

from __future__ import annotations

from pathlib import Path

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path
from nodeward.source.context import FileContext
from nodeward.source.parse import SourceLines, SourceText, parse
from nodeward.source.word_starts import starts_inside, word_starts


def _context(code: str) -> FileContext:
    source = code.encode()
    return FileContext(parse(SourceText("a.js", source, SourceLines(source))))


def test_word_starts_are_every_occurrence_in_order() -> None:
    assert word_starts(b"Date md5( Date", (b"Date", b"md5(")) == [0, 5, 10]
    assert word_starts(b"aaaa", (b"aa",)) == [0, 1, 2]  # overlapping occurrences too
    assert word_starts(b"none here", (b"Date",)) == []


def test_a_word_counts_only_when_it_starts_inside_the_node() -> None:
    ctx = _context("const a = 1; const b = Date.now();\n")
    first, second = ctx.nodes("variable_declarator")
    starts = word_starts(ctx.parsed.text.source, (b"Date",))
    assert not starts_inside(starts, first)
    assert starts_inside(starts, second)
    assert not starts_inside([], second)


def _codes_and_lines(root: Path, code: str) -> set[tuple[str, int]]:
    return {
        (f.rule, f.location.line)
        for f in scan_path(root).findings
        if f.rule == code and isinstance(f.location, SourceLocation)
    }


def test_an_escaped_password_key_is_still_compared_in_plaintext(tmp_path: Path) -> None:
    (tmp_path / "login.js").write_text(
        "function check(user, candidate) {\n"
        '  return user["p\\assword"] === candidate;\n'
        "}\n"
        "function other(a, b) {\n"
        "  return a.name === b.name;\n"
        "}\n"
    )
    assert _codes_and_lines(tmp_path, "NW211") == {("NW211", 2)}


def test_a_token_from_a_digest_inside_a_larger_value_is_still_predictable(
    tmp_path: Path,
) -> None:
    (tmp_path / "reset.js").write_text(
        "const crypto = require('crypto');\n"
        "function reset(user) {\n"
        "  const resetToken = crypto.createHash('md5').update(user.email).digest('hex');\n"
        "  const label = 'Date';\n"
        "  return { resetToken, label };\n"
        "}\n"
    )
    assert _codes_and_lines(tmp_path, "NW214") == {("NW214", 3)}
