"""Where in the page a template prints a value: HTML escaping (`<%= x %>`, `{{ x }}`,
`#{x}`) protects element text and plain attributes, not JavaScript, URLs or CSS.

A small scanner over the template source, with the template's own tags blanked out so
that their `<`, `>` and quotes do not count as markup: it finds comments, `<script>` and
`<style>` elements and start tags with their attributes, and tells for an offset whether
it sits in script code or a script string, an event-handler attribute, at the start of a
URL attribute, or in CSS. Pug writes markup differently (indentation, `a(href=url)`), see
`pug_outputs`.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import assert_never

from nodeward.source.taint.delimited import (
    Closers,
    IndentedLines,
    Tag,
    blank_spans,
    end_of_last,
    find_tags,
)


class OutputContext(Enum):
    HTML = "html"  # element text or a plain attribute: HTML escaping is enough
    SCRIPT = "script"  # JavaScript code of a <script> block (or a `${}` template string)
    SCRIPT_STRING = "script-string"  # a quoted string literal in a <script> block
    EVENT_HANDLER = "event-handler"  # an on* attribute: entities are decoded, then run
    URL = "url"  # the start of an href/src/action value: `javascript:` needs no markup
    STYLE = "style"  # a <style> block or a style attribute
    INERT = "inert"  # an HTML comment or a data block (<script type="application/json">)


#: Attributes whose value the browser follows as a URL, `javascript:` included.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "codebase", "srcdoc"}
)
_JS_TYPES = ("", "text/javascript", "application/javascript", "module", "text/ecmascript")

#: `<% %>`, `{{{ }}}`, `{{ }}`, `{% %}`, `{# #}` (delimited: no rescans), and Pug's `#{}`
_TEMPLATE_TAGS = (
    Tag("<%", "%>"),
    Tag("{{{", "}}}"),
    Tag("{{", "}}"),
    Tag("{%", "%}"),
    Tag("{#", "#}"),
)
_PUG_TAG = re.compile(r"[#!]\{[^{}\n]*+\}")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_RAW_OPEN = re.compile(r"<(script|style)\b([^>]*+)>", re.I)
_RAW_CLOSE = {
    "script": re.compile(r"</script\s*+>", re.I),
    "style": re.compile(r"</style\s*+>", re.I),
}
_TAG_NAME = re.compile(r"<[A-Za-z][\w:-]*+")
_TAG_STOP = re.compile(r"[>\"']")
_ATTRIBUTE = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?", re.S)
_TYPE = re.compile(r"\btype\s*=\s*[\"']?([^\"'\s>]*)", re.I)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    context: OutputContext
    #: SCRIPT: the script's text from its start, to tell code from strings;
    #: URL: where the attribute value starts
    origin: int = 0


def blank_tags(text: str) -> str:
    """`text` with each template tag replaced by underscores (newlines kept), so that
    offsets stay and the markup scanner sees neither `<%` nor the tag's quotes."""
    return blank_spans(text, find_tags(text, _TEMPLATE_TAGS, _PUG_TAG), "_")


@dataclass(frozen=True)
class _RawElement:
    start: int
    end: int
    name: str  # as written: script, STYLE, ...
    attributes: str
    body_start: int
    body_end: int


def _raw_elements(masked: str) -> Iterator[_RawElement]:
    """`<script>` and `<style>` elements, each running to its end tag or the end of the
    text; the open tag ends at its first `>` (one search past the last `>` at most)."""
    position = 0
    endpos = end_of_last(">", masked)
    while (opened := _RAW_OPEN.search(masked, position, endpos)) is not None:
        closed = _RAW_CLOSE[opened.group(1).lower()].search(masked, opened.end())
        end = closed.end() if closed is not None else len(masked)
        body_end = closed.start() if closed is not None else len(masked)
        yield _RawElement(
            opened.start(), end, opened.group(1), opened.group(2), opened.end(), body_end
        )
        position = max(end, opened.start() + 1)


def _start_tags(masked: str) -> Iterator[tuple[int, int, int]]:
    r"""(tag start, attributes start, attributes end) of each start tag `<name ...>`, its
    quoted values skipped over: what `<[A-Za-z][\w:-]*((?:[^>"']|"[^"]*"|'[^']*')*)>`
    finds, in linear time. A scan that fails (an unclosed quote, no `>`) marks the
    stretches it read outside quotes: a later tag that reaches one fails the same way."""
    doomed = bytearray(len(masked) + 1)
    position = 0
    while (name := _TAG_NAME.search(masked, position)) is not None:
        index, read = name.end(), []
        end = None
        while not doomed[index]:
            stop = _TAG_STOP.search(masked, index)
            read.append((index, stop.start() if stop else len(masked)))
            if stop is None:
                break
            if stop.group() == ">":
                end = stop.start()
                break
            close = masked.find(stop.group(), stop.end())
            if close == -1:
                break
            index = close + 1
        if end is not None:
            yield name.start(), name.end(), end
            position = end + 1
            continue
        for start, stop_at in read:
            doomed[start : stop_at + 1] = b"\x01" * (stop_at + 1 - start)
        position = name.start() + 1


def _spans(masked: str) -> list[_Span]:
    spans: list[_Span] = []
    taken: list[tuple[int, int]] = []  # comments and raw elements, sorted

    def free(start: int) -> bool:
        index = bisect_right(taken, (start, len(masked) + 1)) - 1
        return index < 0 or not taken[index][0] <= start < taken[index][1]

    for match in _COMMENT.finditer(masked):
        spans.append(_Span(match.start(), match.end(), OutputContext.INERT))
        insort(taken, match.span())
    for element in _raw_elements(masked):
        if not free(element.start):
            continue
        insort(taken, (element.start, element.end))
        start, end = element.body_start, element.body_end
        if element.name.lower() == "style":
            spans.append(_Span(start, end, OutputContext.STYLE))
            continue
        kind = _TYPE.search(element.attributes)
        is_js = kind is None or kind.group(1).lower() in _JS_TYPES
        context = OutputContext.SCRIPT if is_js else OutputContext.INERT
        spans.append(_Span(start, end, context, start))
        spans.extend(_attributes(masked, element.start, element.body_start))
    for tag_start, attributes_start, attributes_end in _start_tags(masked):
        if free(tag_start):
            spans.extend(_attributes(masked, attributes_start, attributes_end))
    return sorted(spans, key=lambda s: s.start)


def _attributes(masked: str, start: int, end: int) -> Iterator[_Span]:
    for attribute in _ATTRIBUTE.finditer(masked, start, end):
        name = attribute.group(1).lower().lstrip("_")
        group = next((g for g in (2, 3, 4) if attribute.group(g) is not None), None)
        if group is None:
            continue
        value_start, value_end = attribute.span(group)
        if name.startswith("on"):
            yield _Span(value_start, value_end, OutputContext.EVENT_HANDLER)
        elif name in URL_ATTRIBUTES:
            yield _Span(value_start, value_end, OutputContext.URL, value_start)
        elif name == "style":
            yield _Span(value_start, value_end, OutputContext.STYLE)


#: Strings and comments of JavaScript (no regex literals), each possibly left open.
_JS_TOKEN = re.compile(
    r"""'(?:\\.|[^'\\\n])*(?P<single>')?|"(?:\\.|[^"\\\n])*(?P<double>")?"""
    r"""|`(?:\\.|[^`\\])*(?P<back>`)?|//[^\n]*|/\*(?:.*?(?P<block>\*/)|.*)""",
    re.S,
)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    context: OutputContext
    closed: bool  # an open token runs to the end of the script


def _script_tokens(code: str) -> list[_Token]:
    tokens = []
    for match in _JS_TOKEN.finditer(code):
        opener = match.group(0)[0]
        if opener == "/":
            # printed inside a comment: nothing runs; a line comment runs to its newline
            context = OutputContext.INERT
            closed = match.group("block") is not None
        elif opener == "`":
            # a template string interpolates `${...}` whatever HTML escaping did
            context, closed = OutputContext.SCRIPT, match.group("back") is not None
        else:
            context = OutputContext.SCRIPT_STRING
            closed = (match.group("single") or match.group("double")) is not None
        tokens.append(_Token(match.start(), match.end(), context, closed))
    return tokens


def _token_context(tokens: list[_Token], starts: list[int], offset: int) -> OutputContext:
    index = bisect_right(starts, offset - 1) - 1
    if index >= 0:
        token = tokens[index]
        if token.start < offset < token.end or (offset == token.end and not token.closed):
            return token.context
    return OutputContext.SCRIPT


def script_state(code: str) -> OutputContext:
    """Whether the end of `code` (JavaScript) lies in code, a quoted string or a comment."""
    tokens = _script_tokens(code)
    return _token_context(tokens, [t.start for t in tokens], len(code))


class ContextMap:
    """The context of any offset of one template (HTML-based engines)."""

    def __init__(self, text: str) -> None:
        self._masked = blank_tags(text)
        self._spans = _spans(self._masked)
        self._starts = [s.start for s in self._spans]
        #: script body start -> its tokens (and their starts), lexed once per script
        self._scripts: dict[int, tuple[list[_Token], list[int]]] = {}
        self._text_starts: dict[int, int] = {}  # URL value start -> its first non-space

    def at(self, offset: int) -> OutputContext:
        # the spans never overlap: comments, script and style bodies, attribute values
        index = bisect_right(self._starts, offset) - 1
        if index >= 0 and offset < self._spans[index].end:
            return self._refine(self._spans[index], offset)
        return OutputContext.HTML

    def _text_start(self, span: _Span) -> int:
        """Where a URL value's first non-space character is, found once per value (not
        once per output printed in it)."""
        if span.origin not in self._text_starts:
            value = self._masked[span.origin : span.end]
            self._text_starts[span.origin] = span.origin + len(value) - len(value.lstrip())
        return self._text_starts[span.origin]

    def _refine(self, span: _Span, offset: int) -> OutputContext:
        match span.context:
            case OutputContext.SCRIPT:
                if span.origin not in self._scripts:
                    tokens = _script_tokens(self._masked[span.origin : span.end])
                    self._scripts[span.origin] = (tokens, [t.start for t in tokens])
                tokens, starts = self._scripts[span.origin]
                return _token_context(tokens, starts, offset - span.origin)
            case OutputContext.URL:
                # only a value that starts with the output can be `javascript:`
                return OutputContext.URL if offset <= self._text_start(span) else OutputContext.HTML
            case _:
                return span.context


# -- Pug ------------------------------------------------------------------------------

_PUG_SCRIPT_HEAD = re.compile(r"^([ \t]*+)script\b", re.M)
_PUG_SCRIPT_TAIL = re.compile(r"(\.?)[ \t]?(.*)$", re.M)
_PUG_TAG_ATTRIBUTES = re.compile(r"^[ \t]*[\w.#:-]*\(", re.M)
#: starts at a name's first character only: a search never rescans a long word
_PUG_ATTRIBUTE = re.compile(r"(?<![\w:@-])([\w:@-]++)\s*+(!?=)\s*")
_PUG_INTERPOLATION = re.compile(r"([#!])\{([^{}\n]*)\}")


@dataclass(frozen=True)
class PugOutput:
    offset: int
    expression: str
    escaped: bool
    context: OutputContext


def pug_outputs(text: str) -> Iterator[PugOutput]:
    """Pug values printed into script blocks (`script.` and its indented lines, or
    `script var x = #{x}`) and into URL, event-handler and style attributes
    (`a(href=url)`); what Pug prints into element text is plain HTML."""
    lines = IndentedLines(text)
    for script in _pug_scripts(text):
        if script.attributes and _TYPE.search(script.attributes):
            kind = _TYPE.search(script.attributes)
            if kind is not None and kind.group(1).lower() not in _JS_TYPES:
                continue
        start, end = script.body_start, script.line_end
        if script.block:
            end = lines.block_end(script.line_end + 1, len(script.indent.expandtabs()))
        body = text[start:end]
        masked = _PUG_INTERPOLATION.sub(lambda m: "_" * len(m.group(0)), body)
        tokens = _script_tokens(masked)  # lexed once, not once per interpolation
        starts = [t.start for t in tokens]
        for found in _PUG_INTERPOLATION.finditer(body):
            context = _token_context(tokens, starts, found.start())
            yield PugOutput(
                start + found.start(), found.group(2).strip(), found.group(1) == "#", context
            )
    scanned = 0
    for match in _PUG_TAG_ATTRIBUTES.finditer(text):
        # a list inside a value that ran on over later lines (an unclosed bracket or
        # quote) was read as part of that value: reading it again would be quadratic
        if match.start() >= scanned:
            scanned = yield from _pug_attributes(text, match.end())


@dataclass(frozen=True)
class _PugScript:
    indent: str
    attributes: str | None  # `(type="...")`
    block: bool  # `script.`: the body is the indented lines below
    body_start: int  # the rest of the line
    line_end: int


def _pug_scripts(text: str) -> Iterator[_PugScript]:
    r"""`script`, `script(attributes)` and `script.` lines: what the multi-line regex
    `^([ \t]*)script\b(\([^)]*\))?(\.?)[ \t]?(.*)$` finds, each `)` searched for once."""
    closers = Closers(text)
    position = 0
    while (head := _PUG_SCRIPT_HEAD.search(text, position)) is not None:
        index, attributes = head.end(), None
        if text.startswith("(", index) and (close := closers.after(")", index + 1)) != -1:
            index, attributes = close + 1, text[head.end() : close + 1]
        tail = _PUG_SCRIPT_TAIL.match(text, index)
        if tail is None:  # it matches any rest of a line
            return
        yield _PugScript(head.group(1), attributes, bool(tail.group(1)), tail.start(2), tail.end())
        position = max(tail.end(), head.start() + 1)


def _pug_attributes(text: str, start: int) -> Generator[PugOutput, None, int]:
    """`name=expression` pairs of one Pug attribute list, up to its closing parenthesis;
    returns where the list ends."""
    position = start
    while position < len(text):
        while position < len(text) and text[position] in " \t\n,":
            position += 1
        attribute = _PUG_ATTRIBUTE.match(text, position)
        if attribute is None:
            return position
        value_end = _expression_end(text, attribute.end())
        expression = text[attribute.end() : value_end].strip()
        name = attribute.group(1).lower()
        escaped = attribute.group(2) == "="
        context = None
        if name.startswith("on"):
            context = OutputContext.EVENT_HANDLER
        elif name in URL_ATTRIBUTES and not re.match(r"[\"'`][^\"'`$]", expression):
            context = OutputContext.URL  # a literal prefix (`"/u/" + id`) fixes the scheme
        elif name == "style":
            context = OutputContext.STYLE
        if context is not None:
            yield PugOutput(attribute.end(), expression, escaped, context)
        if value_end >= len(text) or text[value_end] == ")":
            return value_end
        position = value_end
    return position


def _ends_value(text: str, index: int) -> bool:
    char = text[index]
    return char in ",\n" or (char in " \t" and _PUG_ATTRIBUTE.match(text, index + 1) is not None)


def _expression_end(text: str, start: int) -> int:
    """Where a Pug attribute's JavaScript value ends: a comma or `)` at depth zero, or
    whitespace before the next `name=`."""
    depth = 0
    quote = ""
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return index
            depth -= 1
        elif depth == 0 and _ends_value(text, index):
            return index
        index += 1
    return index


# -- What escaping leaves open --------------------------------------------------------

#: Template-side encoders that make a value safe in a context, as written in templates:
#: serialize-javascript, jsesc, `JSON.stringify(x).replace(/</g, ...)`, a number.
_JS_ENCODED = re.compile(
    r"\b(?:serialize|serializeJavascript|serializeJs|jsesc|escapeJs|jsStringEscape|"
    r"JSON\.stringify|Number|parseInt|parseFloat|escapejs)\b|\\u003c|\|\s*(?:dump|int|float)\b"
)
#: Serializers whose output is safe to print raw inside a <script> block: they escape `<`,
#: so the value cannot close the element (plain JSON.stringify does not).
_SCRIPT_SERIALIZED = re.compile(
    r"\b(?:serialize|serializeJavascript|serializeJs|jsesc)\s*\(|\\u003c|\\x3c", re.I
)
_URL_ENCODED = re.compile(r"\bencodeURIComponent\b|\|\s*urlencode\b|^\s*[\"'`][^\"'`$]")
_CSS_ENCODED = re.compile(r"\b(?:cssesc|CSS\.escape|escapeCss|Number|parseInt|parseFloat)\b")


def can_run_script(context: OutputContext, expression: str, escaped: bool) -> bool:
    """Whether a value printed by a template tag in `context` can run script: unescaped
    output anywhere but a safe serializer in a script block; escaped output where HTML
    escaping falls short."""
    if escaped:
        return escaping_falls_short(context, expression)
    in_script = context in (OutputContext.SCRIPT, OutputContext.SCRIPT_STRING)
    return not (in_script and _SCRIPT_SERIALIZED.search(expression))


def escaping_falls_short(context: OutputContext, expression: str) -> bool:
    """Whether an HTML-escaped value printed in `context` can still run script, unless the
    expression encodes it for that context itself. JSON.stringify counts in escaped output:
    HTML escaping already keeps `</script>` out of it."""
    match context:
        case OutputContext.SCRIPT | OutputContext.SCRIPT_STRING | OutputContext.EVENT_HANDLER:
            return _JS_ENCODED.search(expression) is None
        case OutputContext.URL:
            return _URL_ENCODED.search(expression) is None
        case OutputContext.STYLE:
            return _CSS_ENCODED.search(expression) is None
        case OutputContext.HTML | OutputContext.INERT:
            return False
        case _:
            assert_never(context)
