"""`util.format(fmt, ...args)`: which arguments reach the formatted string as they are.

`%s` (and a format string that is not a literal, and arguments beyond the placeholders)
copy a string unchanged, line breaks included: a log line built this way can be forged.
`%j`, `%o` and `%O` print JSON or `util.inspect` output, whose line breaks are escaped;
`%d`, `%i` and `%f` print a number and `%c` drops its argument."""

from __future__ import annotations

import re

from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.call_sites import EvaluatedCall
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.values import CLEAN, Taint, union

FORMAT_CALLS = frozenset({("util", ("format",)), ("util", ("formatWithOptions",))})
_DIRECTIVE = re.compile(r"%([sdifjoOc%])")
_ESCAPED = frozenset({"j", "o", "O"})
_DROPPED = frozenset({"d", "i", "f", "c"})
_LOG = frozenset({SinkKind.LOG})


def formatted(site: EvaluatedCall) -> Taint:
    """The taint of `util.format(...)`'s result (`formatWithOptions` takes the options
    first): every argument that is copied raw keeps its taint, an escaped one is cleared
    for log injection, a numeric or dropped one is clean."""
    offset = 1 if site.key == ("util", ("formatWithOptions",)) else 0
    args, taints = site.args[offset:], site.arg_taints[offset:]
    if not args:
        return CLEAN
    template = syntax.string_value(args[0])
    if template is None:  # the format string itself is data: nothing is known
        return union(*taints)
    directives = [d for d in _DIRECTIVE.findall(template) if d != "%"]
    parts: list[Taint] = []
    for index, taint in enumerate(taints[1:]):
        directive = directives[index] if index < len(directives) else "s"
        if directive in _ESCAPED:
            parts.append(frozenset(t.clear(_LOG).as_string() for t in taint))
        elif directive not in _DROPPED:
            parts.append(taint)
    return union(*parts)


def logged_arguments(args: list[Node], taints: list[Taint]) -> list[Taint]:
    """The arguments of a log call (`console.log("user %j", x)`, pino's and winston's
    printf-style messages) as the log line holds them: console formats its arguments with
    util.format when the first one is a string with directives."""
    template = syntax.string_value(args[0]) if args else None
    directives = [d for d in _DIRECTIVE.findall(template or "") if d != "%"]
    if not directives:
        return taints
    shown = list(taints[:1])
    for index, taint in enumerate(taints[1:]):
        directive = directives[index] if index < len(directives) else "s"
        if directive in _ESCAPED:
            shown.append(frozenset(t.clear(_LOG) for t in taint))
        else:
            shown.append(CLEAN if directive in _DROPPED else taint)
    return shown
