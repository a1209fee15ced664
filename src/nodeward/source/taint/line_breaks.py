"""String operations that leave no line break in their result, and the one that adds them.

A log line is forged with a line break (CWE-117). What `text.split("\\n")` gives, piece by
piece, cannot hold one, nor can `text.replace(/[\\r\\n]/g, "")`: request data that went
through them is no log or header injection any more, whatever is done with it after
(`line.split(",")[1]` still holds no line break). Joining the pieces back with a line
break (`lines.join("\\n")`) gives an attacker lines again.

Only forms whose effect is certain count: a `replace` without the `g` flag or with an
anchored pattern (`/\\n$/`) removes one line break, not all, and a `"\\r\\n"` separator
leaves a lone `\\n` in the pieces.
"""

from __future__ import annotations

from dataclasses import replace

from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.values import Taint

#: What a line break lets request data do.
BROKEN_BY_LINES = frozenset({SinkKind.LOG, SinkKind.HEADER})
#: One alternative of a pattern that matches every line feed wherever it stands.
_EVERY_LINE_FEED = frozenset({r"\n", r"\r?\n", r"\s", r"[\n]", r"[\s]"})
_QUANTIFIERS = ("+", "*", "?", "}")


def strips_line_breaks(method: str | None, args: list[Node]) -> bool:
    """`replace(/[\\r\\n]/g, "")`, `replaceAll("\\n", " ")`, `split(/\\r?\\n/)`: no line feed
    of the receiver is left in the result (the result's elements, for `split`)."""
    if not args or method not in ("replace", "replaceAll", "split"):
        return False
    pattern = syntax.unwrap(args[0])
    if pattern is None:
        return False
    if pattern.type == "regex":
        flags = syntax.text(pattern.child_by_field_name("flags"))
        if method == "replace" and "g" not in flags:
            return False  # the first line break only
        return matches_every_line_feed(syntax.text(pattern.child_by_field_name("pattern")))
    return method != "replace" and syntax.string_value(pattern) == "\n"


def joins_lines(method: str | None, args: list[Node]) -> bool:
    """`lines.join("\\n")`: the pieces become lines again."""
    if method != "join" or not args:
        return False
    separator = syntax.string_value(syntax.unwrap(args[0]))
    return separator is not None and ("\n" in separator or "\r" in separator)


def without_line_breaks(taint: Taint) -> Taint:
    return frozenset(t.clear(BROKEN_BY_LINES) for t in taint)


def with_line_breaks(taint: Taint) -> Taint:
    """The taint of values joined with line breaks: whatever cleared them of line breaks
    no longer holds."""
    return frozenset(replace(t, cleared=t.cleared - BROKEN_BY_LINES) for t in taint)


def matches_every_line_feed(pattern: str) -> bool:
    """A regex source one of whose top-level alternatives matches any `\\n` and none of
    which matches the empty string (an empty match at a line feed would step over it)."""
    if pattern.startswith("(") and pattern.endswith(")"):
        pattern = pattern.removeprefix("(?:").removeprefix("(")[:-1]
    if any(c in pattern for c in "()^$") or "\\|" in pattern or "\\\\" in pattern:
        return False  # groups, anchors, an escaped bar or backslash: not read here
    branches = pattern.split("|")
    if any(not b or b.endswith(_QUANTIFIERS[1:]) for b in branches):
        return False
    return any(_matches_line_feed(b.removesuffix("+")) for b in branches)


def _matches_line_feed(branch: str) -> bool:
    if branch in _EVERY_LINE_FEED:
        return True
    if not (branch.startswith("[") and branch.endswith("]")) or branch.startswith("[^"):
        return False
    members = branch[1:-1]
    return "[" not in members and "]" not in members and (r"\n" in members or r"\s" in members)
