"""Server-side templates: where a view prints a variable without escaping, which template
file a `res.render("name")` call means, and the inline scripts a page carries (browser
code for the DOM XSS rule).

Unescaped output, by engine: EJS `<%- x %>`, Handlebars `{{{ x }}}`, Pug `!= x` and
`!{x}`, Nunjucks/Swig `{{ x | safe }}` (and every `{{ x }}` when autoescaping is off).
A name printed inside a loop is read as the element of the array it loops over
(template_loops).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nodeward.source.parse import SourceText
from nodeward.source.taint import template_loops
from nodeward.source.taint.delimited import Closers, Tag, blank_spans, end_of_last, find_tags
from nodeward.source.taint.pug_scripts import pug_script_spans
from nodeward.source.taint.template_context import (
    ContextMap,
    OutputContext,
    PugOutput,
    pug_outputs,
)
from nodeward.source.taint.template_loops import Alias

#: A Pug line up to its attributes `(...)`, which may run over several lines (_pug_lines)
_PUG_LINE_HEAD = re.compile(r"^[ \t]*+[\w.#:-]*+", re.M)
_PUG_LINE_TAIL = re.compile(r"!=[ \t]*(.+)$", re.M)
# The tags below read up to the next brace, possessively: no nested or lazy quantifier
# whose steps rescan a run of spaces. The expression is stripped afterwards (_tags).
#: `{{ x | safe }}`: the text up to the first `|` followed by `safe` and `}}` or `|`
_NUNJUCKS_SAFE = re.compile(
    r"\{\{\s*+((?:[^{}|]|\|(?!\s*+safe\s*+(?:\||\}\})))*+)\|\s*+safe\s*+(?:\|[^{}]*+)?\}\}"
)
_NUNJUCKS_ANY = re.compile(r"(?<!\{)\{\{(?![{#/!>^&~])([^{}]*+)\}\}")
#: the expression may end in the `~` of `~}}`, taken off by _handlebars_escaped
_HANDLEBARS_ESCAPED = re.compile(r"(?<!\{)\{\{~?(?![{#/!>^&~]|else\b)([^{}]*+)\}\}(?!\})")
_IDENTIFIER = re.compile(r"(?<![\w.$'\"])([A-Za-z_$][\w$]*)")
_KEYWORDS = frozenset({"true", "false", "null", "undefined", "this", "typeof", "new", "safe"})
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_SCRIPT_END = re.compile(r"</script>", re.I)
_TEMPLATE_TAGS = (Tag("<%", "%>"), Tag("{{", "}}"), Tag("{%", "%}"))

#: Finds the output tags of one kind: (offset, expression as written) of each.
Finder = Callable[[str], Iterator[tuple[int, str]]]


def _delimited(opener: str, closer: str, trim: str = "", single_line: bool = False) -> Finder:
    """Tags `opener ... closer` (one character of `trim` before the closer is part of the
    closer: `-%>`), without the quadratic rescans of a lazy regex (delimited)."""

    def find(text: str) -> Iterator[tuple[int, str]]:
        for span in find_tags(text, (Tag(opener, closer, single_line),)):
            body = text[span.body_start : span.body_end]
            yield span.start, body[:-1] if trim and body[-1:] in trim else body

    return find


def _matches(pattern: re.Pattern[str]) -> Finder:
    """Tags a regex finds; it must be linear (tests/test_regex_linear.py)."""
    return lambda text: ((m.start(), m.group(1)) for m in pattern.finditer(text))


def _pug_lines(text: str) -> Iterator[tuple[int, str]]:
    r"""`!= x` and `tag(attributes)!= x` lines: what the multi-line regex
    `^[ \t]*[\w.#:-]*(?:\([^)]*\))?!=[ \t]*(.+)$` finds, with each `)` searched for once
    rather than from every line that opens a parenthesis."""
    closers = Closers(text)
    position = 0
    while position <= len(text) and (head := _PUG_LINE_HEAD.search(text, position)):
        index = head.end()
        if text.startswith("(", index):
            close = closers.after(")", index + 1)
            index = close + 1 if close != -1 else -1
        tail = _PUG_LINE_TAIL.match(text, index) if index != -1 else None
        if tail is not None:
            yield head.start(), tail.group(1)
        position = tail.end() if tail is not None else head.start() + 1


def _handlebars_escaped(text: str) -> Iterator[tuple[int, str]]:
    for match in _HANDLEBARS_ESCAPED.finditer(text):
        expression = match.group(1).rstrip()
        yield match.start(), expression[:-1] if expression.endswith("~") else expression


_EJS = _delimited("<%-", "%>", "-")
_EJS_ESCAPED = _delimited("<%=", "%>", "-_")
_HANDLEBARS = _delimited("{{{", "}}}")
_PUG_INLINE = _delimited("!{", "}", single_line=True)

ENGINE_SUFFIXES = {
    ".ejs": "ejs",
    ".hbs": "handlebars",
    ".handlebars": "handlebars",
    ".pug": "pug",
    ".jade": "pug",
    ".njk": "nunjucks",
    ".html": "html",
}


@dataclass(frozen=True)
class TemplateOutput:
    line: int
    column: int
    expression: str
    variables: frozenset[str]  # the names the expression starts from
    syntax: str  # how it is written, for messages: "<%- %>", "{{{ }}}", ...
    #: the expression with loop variables replaced by what they stand for: `post.body`
    #: inside `<% posts.forEach(function (post) { %>` is `posts[0].body`
    resolved: str
    escaped: bool = False  # the tag escapes HTML (`<%= %>`, `{{ }}`, `#{}`)
    #: where the value lands in the page: HTML escaping only protects HTML text and plain
    #: attributes (template_context)
    context: OutputContext = OutputContext.HTML
    #: unescaped because a setting turned escaping off (`autoescape: false`, `noEscape`)
    by_setting: bool = False


class _Positions:
    """Line and column of offsets asked for in increasing order, counting each stretch of
    text once (counting from the start for every output would be quadratic)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset, self._line, self._line_start = 0, 1, 0

    def at(self, offset: int) -> tuple[int, int]:
        if offset < self._offset:
            self._offset, self._line, self._line_start = 0, 1, 0
        newlines = self._text.count("\n", self._offset, offset)
        if newlines:
            self._line += newlines
            self._line_start = self._text.rfind("\n", self._offset, offset) + 1
        self._offset = offset
        return self._line, offset - self._line_start + 1


def _roots(expression: str) -> frozenset[str]:
    names = _IDENTIFIER.findall(expression)
    return frozenset(n for n in names[:1] + names[1:] if n not in _KEYWORDS)


#: How an output is written when a setting, not the tag, turned its escaping off: such
#: outputs are one finding at the setting (rules/flows.py), not one per line.
AUTOESCAPE_OFF = "{{ }} with autoescape off"
NO_ESCAPE = "{{ }} with noEscape"
SETTING_TAGS = frozenset({AUTOESCAPE_OFF, NO_ESCAPE})


def engine_of(rel: str) -> str | None:
    return ENGINE_SUFFIXES.get(posixpath.splitext(rel.lower())[1])


def _patterns(engine: str, autoescape_off: bool) -> list[tuple[Finder, str, bool]]:
    """(tag finder, how it is written, whether it escapes HTML), unescaped tags first so
    that a `{{ x | safe }}` is not also read as an escaped `{{ x }}`."""
    match engine:
        case "ejs":
            return [(_EJS, "<%- %>", False), (_EJS_ESCAPED, "<%= %>", True)]
        case "handlebars":
            if autoescape_off:  # `noEscape: true`
                return [(_HANDLEBARS, "{{{ }}}", False), (_handlebars_escaped, NO_ESCAPE, False)]
            return [(_HANDLEBARS, "{{{ }}}", False), (_handlebars_escaped, "{{ }}", True)]
        case "pug":
            return [(_pug_lines, "!=", False), (_PUG_INLINE, "!{}", False)]
        case "nunjucks" | "html":
            patterns = [(_matches(_NUNJUCKS_SAFE), "| safe", False)]
            if autoescape_off:
                patterns.append((_matches(_NUNJUCKS_ANY), AUTOESCAPE_OFF, False))
            else:
                patterns.append((_matches(_NUNJUCKS_ANY), "{{ }}", True))
            if engine == "html":
                patterns += [(_EJS, "<%- %>", False), (_EJS_ESCAPED, "<%= %>", True)]
            return patterns
        case _:
            return []


def _tags(
    engine: str, text: str, autoescape_off: bool, pug: list[PugOutput]
) -> Iterator[tuple[int, str, str, bool]]:
    """(offset, expression, how it is written, escapes HTML) of each output tag."""
    seen: set[int] = set()
    for find, written, escaped in _patterns(engine, autoescape_off):
        for offset, expression in find(text):
            if offset not in seen:
                seen.add(offset)
                yield offset, expression.strip(), written, escaped
    if engine == "pug":  # attribute values and `#{}` in script blocks
        for output in pug:
            if output.offset not in seen:
                seen.add(output.offset)
                written = "#{}" if output.escaped else "!{}"
                if not output.expression.startswith(("#{", "!{")) and output.context in (
                    OutputContext.URL,
                    OutputContext.EVENT_HANDLER,
                    OutputContext.STYLE,
                ):
                    written = "attribute =" if output.escaped else "attribute !="
                yield output.offset, output.expression, written, output.escaped


def _context_of(engine: str, text: str, pug: list[PugOutput]) -> Callable[[int], OutputContext]:
    if engine == "pug":
        contexts = {o.offset: o.context for o in pug}
        return lambda offset: contexts.get(offset, OutputContext.HTML)
    return ContextMap(text).at


def template_outputs(rel: str, text: str, autoescape_off: bool = False) -> Iterator[TemplateOutput]:
    """Every output tag of a template with the context it prints into, in text order."""
    engine = engine_of(rel)
    if engine is None:
        return
    pug = list(pug_outputs(text)) if engine == "pug" else []  # read once, used twice
    tags = sorted(_tags(engine, text, autoescape_off, pug))
    if not tags:
        return
    resolve = _loop_resolver(engine, text)
    context = _context_of(engine, text, pug)
    positions = _Positions(text)
    for offset, expression, written, escaped in tags:
        resolved = resolve(expression, offset)
        line, column = positions.at(offset)
        yield TemplateOutput(
            line,
            column,
            expression,
            _roots(resolved),
            written,
            resolved,
            escaped,
            context(offset),
            written in SETTING_TAGS,
        )


def unescaped_outputs(
    rel: str, text: str, autoescape_off: bool = False
) -> Iterator[TemplateOutput]:
    return (o for o in template_outputs(rel, text, autoescape_off) if not o.escaped)


def _loop_resolver(engine: str, text: str) -> Callable[[str, int], str]:
    """How to read an expression printed at an offset, given the loops open there."""
    if engine == "handlebars":
        return template_loops.BlockScope(template_loops.handlebars_blocks(text)).resolve
    aliases: list[Alias] = []
    match engine:
        case "ejs":
            aliases = template_loops.ejs_aliases(text)
        case "pug":
            aliases = template_loops.pug_aliases(text)
        case "nunjucks":
            aliases = template_loops.nunjucks_aliases(text)
        case "html":  # Swig or Nunjucks views named .html, sometimes EJS
            aliases = template_loops.nunjucks_aliases(text) + template_loops.ejs_aliases(text)
    return template_loops.LoopScope(aliases).resolve  # outputs are resolved in text order


#: the most views one render whose name is built at run time (`'xss/' + level + '/index'`)
#: is matched against: enough for a folder per level or language, bounded for big trees
MAX_VIEWS_PER_PATTERN = 24


def find_views(view: str, templates: list[str], views_dirs: tuple[str, ...]) -> list[str]:
    """The template files `res.render(view)` may render. A view with `*` (a name built by
    concatenation, sinks.view_pattern) matches every view its constant parts allow, in
    the views folders (or folders named views), at most MAX_VIEWS_PER_PATTERN of them."""
    if "*" not in view:
        found = find_view(view, templates, views_dirs)
        return [found] if found is not None else []
    pattern = view.strip("/")
    folders = views_dirs or tuple(
        sorted({rel.rsplit("/views/", 1)[0] + "/views" for rel in templates if "/views/" in rel})
    )
    matched = []
    for rel in templates:
        folder = next((f for f in folders if rel.startswith(f + "/")), None)
        if folder is None and rel.startswith("views/"):
            folder = "views"
        if folder is None:
            continue
        name = rel[len(folder) + 1 :]
        stem = posixpath.splitext(name)[0]
        if fnmatch.fnmatchcase(stem, pattern) or fnmatch.fnmatchcase(name, pattern):
            matched.append(rel)
            if len(matched) == MAX_VIEWS_PER_PATTERN:
                break
    return matched


def find_view(view: str, templates: list[str], views_dirs: tuple[str, ...]) -> str | None:
    """The template file `res.render(view)` renders: `<views dir>/<view>.<ext>`, else any
    template whose path ends with `/<view>.<ext>` (prefer a folder named views)."""
    view = view.strip("/")
    has_suffix = posixpath.splitext(view)[1] in ENGINE_SUFFIXES
    candidates = []
    for rel in templates:
        stem = rel if has_suffix else posixpath.splitext(rel)[0]
        if stem == view or stem.endswith("/" + view):
            folder = stem[: -len(view)].rstrip("/")
            rank = 0 if folder in views_dirs else 1 if folder.endswith("views") else 2
            candidates.append((rank, len(rel), rel))
    return min(candidates)[2] if candidates else None


def inline_scripts(text: SourceText) -> SourceText | None:
    """The page's inline `<script>` bodies at their own line and column, everything else
    (markup and template tags) blanked, so that the result parses as JavaScript."""
    decoded = text.source.decode("utf-8", errors="replace")
    keep: list[tuple[int, int]] = []
    # no search runs past the last </script>: an unclosed <script> would rescan to the end
    for match in _SCRIPT.finditer(decoded, 0, end_of_last(_SCRIPT_END, decoded)):
        attributes = match.group(1).lower()
        if "src=" in attributes or (
            "type=" in attributes and "javascript" not in attributes and "module" not in attributes
        ):
            continue
        keep.append(match.span(2))
    if text.rel.endswith((".pug", ".jade")):
        keep.extend(pug_script_spans(decoded))
    if not keep:
        return None
    chars = [c if c == "\n" else " " for c in decoded]
    for start, end in keep:
        chars[start:end] = decoded[start:end]
    kept = "".join(chars)
    masked = blank_spans(kept, find_tags(kept, _TEMPLATE_TAGS), " ")
    return SourceText(rel=text.rel, source=masked.encode("utf-8"), lines=text.lines)
