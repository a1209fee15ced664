"""Untrusted text made inert for each kind of output.

File names, code, HTTP headers and bodies come from the scanned project or a probed server.
Written raw they could drive the reader's terminal (`ESC ] 0 ;` sets its title, `ESC [ 2 J`
clears the screen, `ESC [ 1 A` rewrites the line above, `\\x9b` is the one-byte CSI), forge
report lines or GitHub workflow commands with a newline, or reorder what a reviewer sees
with a bidi override (U+202E, "Trojan Source").

The dangerous set is every character Python does not call printable (`str.isprintable`, the
set `repr` escapes): C0 and C1 controls, DEL, format characters (category Cf: bidi
embeddings, overrides and isolates, U+200E/F, U+061C, zero-width characters, the BOM), the
line and paragraph separators U+2028/9, lone surrogates (undecodable file-name bytes), and
separators, private-use and unassigned code points. Each is shown as a visible escape
(`\\x1b`, `\\u202e`, `\\n`), so the reader still sees that it is there. Tabs are escaped too,
in code as well: a snippet is one stripped line, so a tab there only aligns a trailing
comment, and one rule ("nothing invisible reaches the output") is easier to trust.

Backslashes are not doubled: a name that spells `\\x1b` literally looks like one that holds
ESC, but both are harmless, and doubling would garble every regex in a code snippet.

Pure functions; nothing here knows about findings or analyzers.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Candidates for escaping; `_visible` keeps the printable ones. ASCII text skips the callback.
_NOT_PLAIN_ASCII = re.compile(r"[^\x20-\x7e]")
_NOT_PLAIN_ASCII_OR_NEWLINE = re.compile(r"[^\x20-\x7e\n]")
_LINE_BREAK = re.compile(r"\r?\n")


def visible(char: str) -> str:
    """One character as an escape a reader can see: `\\n`, `\\x1b`, `\\u202e`, `\\U000e0001`."""
    if char in _SHORT:
        return _SHORT[char]
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    if point < 0x10000:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def _escape_unprintable(match: re.Match[str]) -> str:
    char = match.group(0)
    return char if char.isprintable() else visible(char)


def terminal_line(text: str) -> str:
    """Names, messages and other one-line fields for a terminal or a plain-text file: no
    control, format or line-break character survives."""
    if text.isprintable():
        return text
    return _NOT_PLAIN_ASCII.sub(_escape_unprintable, text)


def error_line(text: str) -> str:
    """An error message for stderr: one line (its whitespace folded), inert on a terminal,
    as it can quote names from the scanned tree or a server."""
    return terminal_line(" ".join(text.split()))


def terminal_block(text: str) -> str:
    """Multi-line text (code, HTTP exchanges): keeps its line structure (LF, and CRLF read as
    LF) while each line is neutralised as by `terminal_line`."""
    if text.isprintable():
        return text
    return "\n".join(terminal_line(line) for line in _LINE_BREAK.split(text))


def _percent(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_message(text: str) -> str:
    """The message of a workflow command (`::error ...::MESSAGE`). Line breaks the report
    means (between message and fix) stay line breaks, percent-encoded as the runner wants;
    nothing else non-printable survives."""
    return _percent(terminal_block(text))


def github_property(text: str) -> str:
    """A property value of a workflow command (`file=...,title=...`): one line, with `:` and
    `,`, which would end the value, percent-encoded as well (actions/toolkit `command.ts`)."""
    return _percent(terminal_line(text)).replace(":", "%3A").replace(",", "%2C")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char.isprintable():
        return char
    point = ord(char)
    if point < 0x10000:
        return f"\\u{point:04x}"
    point -= 0x10000  # JSON escapes astral characters as a UTF-16 surrogate pair
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def json_text(document: str) -> str:
    """JSON text with every non-printable character inside its strings written as a
    `\\uXXXX` escape. The parsed value is unchanged (a consumer still gets the real file
    name); only the bytes a person might `cat` or view in a diff lose their raw controls and
    bidi overrides. Outside strings, JSON text holds only ASCII punctuation and whitespace,
    so the structural newlines of indentation are the only characters kept as they are."""
    return _NOT_PLAIN_ASCII_OR_NEWLINE.sub(_json_escape, document)


def json_dumps(value: Any, *, indent: int | None = 2) -> str:
    """`json.dumps` that keeps readable non-ASCII text (é, 日本) but no raw dangerous code
    point: C1 controls, DEL, U+2028/9 and format characters, which `ensure_ascii=False` would
    otherwise write raw."""
    return json_text(json.dumps(value, indent=indent, ensure_ascii=False))


def html_text(text: str) -> str:
    """Text for the HTML report, before Jinja's autoescaping handles markup: line breaks stay
    (code and HTTP exchanges sit in <pre>), and bidi overrides and every other invisible
    character become visible escapes, so a code view cannot be reordered on screen."""
    return terminal_block(text)
