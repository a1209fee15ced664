"""report/neutralize.py: no control, bidi or line-break character from the scanned project or
a probed server reaches an output raw, for any input (property-based), and printable text
passes unchanged."""

from __future__ import annotations

import json
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from nodeward.report.neutralize import (
    github_message,
    github_property,
    html_text,
    json_dumps,
    terminal_block,
    terminal_line,
    visible,
)

C0 = [chr(n) for n in range(0x20)]
C1 = [chr(n) for n in range(0x80, 0xA0)]
BIDI = [chr(n) for n in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x61C)]
OTHER_FORMAT = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0001", "\U0001d173"]
SEPARATORS = ["\u2028", "\u2029", "\u0085", "\u00a0"]
DANGEROUS = [*C0, "\x7f", *C1, *BIDI, *OTHER_FORMAT, *SEPARATORS]
SEQUENCES = [
    "\x1b]0;title\x07",  # set the window title
    "\x1b[2J",  # clear the screen
    "\x1b[1A\x1b[2K",  # erase the line above
    "\x9b31m",  # C1 CSI
    "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",  # hyperlink
    "\r\n",
    "\u202eevil\u202c",
    "[bold]x[/bold]",
]
#: Random text mixing ordinary unicode (no surrogates), every dangerous character and whole
#: escape sequences.
untrusted = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=8),
        st.sampled_from(DANGEROUS),
        st.sampled_from(SEQUENCES),
    ),
    max_size=12,
).map("".join)


def _dangerous(char: str) -> bool:
    return not char.isprintable()


def test_the_dangerous_set_is_what_the_brief_lists() -> None:
    assert all(_dangerous(c) for c in DANGEROUS)
    assert all(unicodedata.category(c) == "Cf" for c in [*BIDI, *OTHER_FORMAT])
    assert not any(_dangerous(c) for c in "az AZ09 é 日本 → …[]%:,\\")


@given(untrusted)
def test_a_terminal_line_holds_no_dangerous_character_and_no_line_break(text: str) -> None:
    shown = terminal_line(text)
    assert not any(_dangerous(c) for c in shown)
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown


@given(untrusted)
def test_a_terminal_block_keeps_its_lines_and_neutralises_each(text: str) -> None:
    shown = terminal_block(text)
    lines = shown.split("\n")
    assert len(lines) == text.replace("\r\n", "\n").count("\n") + 1
    assert all(not any(_dangerous(c) for c in line) for line in lines)
    assert html_text(text) == shown


@given(st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"))))
def test_printable_text_passes_unchanged(text: str) -> None:
    text = "".join(c for c in text if c.isprintable())
    assert terminal_line(text) == text
    assert terminal_block(text) == text


def test_escapes_are_visible_and_name_the_character() -> None:
    assert terminal_line("a\x1b[2Jb\x07\x9b\u202e\nc\td\x7f") == (
        "a\\x1b[2Jb\\x07\\x9b\\u202e\\nc\\td\\x7f"
    )
    assert visible("\U000e0001") == "\\U000e0001"
    assert terminal_line("\udcff") == "\\udcff"  # undecodable byte of a file name
    assert terminal_block("one\r\ntwo\x1b\nthree\r") == "one\ntwo\\x1b\nthree\\r"


def _runner_decode(value: str) -> str:
    """What the GitHub runner makes of an escaped value (actions/toolkit)."""
    table = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ",", "%25": "%"}
    return re.sub(r"%(?:0D|0A|3A|2C|25)", lambda m: table[m.group(0)], value)


@given(untrusted)
def test_a_github_message_has_no_raw_control_and_decodes_to_the_neutralised_text(
    text: str,
) -> None:
    escaped = github_message(text)
    assert not any(_dangerous(c) for c in escaped)
    assert _runner_decode(escaped) == terminal_block(text)


@given(untrusted)
def test_a_github_property_has_no_raw_control_colon_or_comma(text: str) -> None:
    escaped = github_property(text)
    assert not any(_dangerous(c) for c in escaped)
    assert ":" not in escaped and "," not in escaped
    assert _runner_decode(escaped) == terminal_line(text)


@given(untrusted | st.sampled_from(["\udcff", "a\ud800b"]))
def test_json_text_has_no_raw_dangerous_code_point_and_parses_to_the_original(
    text: str,
) -> None:
    value = {"name": text, "items": [text, 1, None], text: True}
    document = json_dumps(value)
    assert not any(_dangerous(c) for c in document.replace("\n", ""))
    assert json.loads(document) == value


def test_json_keeps_readable_unicode_and_escapes_c1_del_and_separators() -> None:
    assert json_dumps("é 日本 →", indent=None) == '"é 日本 →"'
    assert json_dumps("\x7f\x85\x9b\u2028\u202e\U000e0001", indent=None) == (
        '"\\u007f\\u0085\\u009b\\u2028\\u202e\\udb40\\udc01"'
    )
