"""SourceText.lines from read_text: split on first use, as tree-sitter counts rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.findings import Skip
from nodeward.source.parse import SourceLines, read_text, split_lines
from nodeward.suppressions import find_suppressions


def test_lines_are_split_at_newlines_only(tmp_path: Path) -> None:
    path = tmp_path / "a.js"
    path.write_bytes("a();\r\n// \u2028 b\fc\nlast".encode())
    text = read_text(path, "a.js")
    assert not isinstance(text, Skip)
    assert isinstance(text.lines, SourceLines)
    assert list(text.lines) == ["a();", "// \u2028 b\fc", "last"]
    assert len(text.lines) == 3
    assert text.line(2) == "// \u2028 b\fc"
    assert text.line(4) == ""
    assert text.lines == ("a();", "// \u2028 b\fc", "last")


def test_undecodable_bytes_are_replaced_in_the_lines_too(tmp_path: Path) -> None:
    path = tmp_path / "b.js"
    path.write_bytes(b"const s = '\xe9t\xe9';\n")
    text = read_text(path, "b.js")
    assert not isinstance(text, Skip)
    assert text.undecodable
    assert text.line(1) == "const s = '\ufffdt\ufffd';"
    assert text.source.decode("utf-8") == text.line(1) + "\n"


def test_suppressions_are_found_in_lazily_split_files(tmp_path: Path) -> None:
    path = tmp_path / "c.js"
    path.write_bytes(b"x();\n// nodeward-ignore NW101: reviewed\ny();\n")
    text = read_text(path, "c.js")
    assert not isinstance(text, Skip)
    [found] = find_suppressions(text)
    assert (found.location.line, found.codes, found.reason) == (2, ("NW101",), "reviewed")
    other = tmp_path / "d.js"
    other.write_bytes(b"x();\n")
    plain = read_text(other, "d.js")
    assert not isinstance(plain, Skip)
    assert find_suppressions(plain) == []


@pytest.mark.parametrize(
    "source",
    [b"", b"a", b"a\n", b"a\n\n", b"\n", b"a\r\nb\r\n", b"x\ny", "\u00e9\n\u00fc\r\n".encode()],
)
def test_one_line_is_read_without_splitting_the_file(source: bytes) -> None:
    """A finding quotes one line: its offsets give it (and the count), and the file is
    not kept as a tuple of every line; the lines are those split_lines() gives."""
    expected = split_lines(source.decode("utf-8"))
    lines = SourceLines(source)
    assert len(lines) == len(expected)
    assert [lines[i] for i in range(-len(expected), len(expected))] == [
        *expected,
        *expected,
    ]
    with pytest.raises(IndexError):
        lines[len(expected)]
    assert lines._lines is None
    assert tuple(lines) == expected
