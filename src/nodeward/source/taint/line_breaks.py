"""String operations that leave no line break in their result, and the one that adds them.

A log line is forged with a line break (CWE-117). What `text.split("\\n")` gives, piece by
piece, cannot hold one, nor can `text.replace(/\\n/g, " ")`: request data that went
through them is no log injection any more, whatever is done with it after
(`line.split(",")[1]` still holds no line break), and no header injection either once the
carriage returns are gone too (`text.replace(/[\\r\\n]/g, "")`). Joining the pieces back with a line
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
_LOG = frozenset({SinkKind.LOG})
#: Per character escape, the alternatives of a pattern that match that character wherever
#: it stands (character classes holding it are read apart).
_EVERY = {
    r"\n": frozenset({r"\n", r"\r?\n", r"\s"}),
    r"\r": frozenset({r"\r", r"\r\n?", r"\s"}),
}
_QUANTIFIERS = ("*", "?", "}")


def cleared_by(method: str | None, args: list[Node]) -> frozenset[SinkKind]:
    """What `text.method(*args)` can no longer carry: no log injection when no line feed
    is left (`split("\n")`, `split(/\r?\n/)`, `replace(/\n/g, " ")`; the result's
    elements, for `split`), no header injection either when no carriage return is left
    (`replace(/[\r\n]/g, "")`)."""
    if not args or method not in ("replace", "replaceAll", "split"):
        return frozenset()
    pattern = syntax.unwrap(args[0])
    if pattern is None:
        return frozenset()
    if pattern.type == "regex":
        flags = syntax.text(pattern.child_by_field_name("flags"))
        if method == "replace" and "g" not in flags:
            return frozenset()  # the first line break only
        source = syntax.text(pattern.child_by_field_name("pattern"))
        if not matches_every(source, r"\n"):
            return frozenset()
        return BROKEN_BY_LINES if matches_every(source, r"\r") else _LOG
    if method != "replace" and syntax.string_value(pattern) == "\n":
        return _LOG
    return frozenset()


def joins_lines(method: str | None, args: list[Node]) -> bool:
    """`lines.join("\\n")`: the pieces become lines again."""
    if method != "join" or not args:
        return False
    separator = syntax.string_value(syntax.unwrap(args[0]))
    return separator is not None and ("\n" in separator or "\r" in separator)


def with_line_breaks(taint: Taint) -> Taint:
    """The taint of values joined with line breaks: whatever cleared them of line breaks
    no longer holds."""
    return frozenset(replace(t, cleared=t.cleared - BROKEN_BY_LINES) for t in taint)


def matches_every(pattern: str, escape: str) -> bool:
    """A regex source one of whose top-level alternatives matches any `escape` (`\\n`,
    `\\r`) and none of which matches the empty string (an empty match there would step
    over it)."""
    if pattern.startswith("(") and pattern.endswith(")"):
        pattern = pattern.removeprefix("(?:").removeprefix("(")[:-1]
    if any(c in pattern for c in "()^$") or "\\|" in pattern or "\\\\" in pattern:
        return False  # groups, anchors, an escaped bar or backslash: not read here
    branches = pattern.split("|")
    if any(not b or b.endswith(_QUANTIFIERS) for b in branches):
        return False
    return any(_matches(b.removesuffix("+"), escape) for b in branches)


def _matches(branch: str, escape: str) -> bool:
    if branch in _EVERY[escape]:
        return True
    if not (branch.startswith("[") and branch.endswith("]")) or branch.startswith("[^"):
        return False
    members = branch[1:-1]
    return "[" not in members and "]" not in members and (escape in members or r"\s" in members)
