"""Server-side templates: where a view prints a variable without escaping, which template
file a `res.render("name")` call means, and the inline scripts a page carries (browser
code for the DOM XSS rule).

Unescaped output, by engine: EJS `<%- x %>`, Handlebars `{{{ x }}}`, Pug `!= x` and
`!{x}`, Nunjucks/Swig `{{ x | safe }}` (and every `{{ x }}` when autoescaping is off).
A name printed inside a loop is read as the element of the array it loops over
(template_loops).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nodeward.source.parse import SourceText
from nodeward.source.taint import template_loops
from nodeward.source.taint.template_context import ContextMap, OutputContext, pug_outputs
from nodeward.source.taint.template_loops import Alias

_EJS = re.compile(r"<%-(.*?)-?%>", re.S)
_HANDLEBARS = re.compile(r"\{\{\{\s*(.*?)\s*\}\}\}", re.S)
_PUG_LINE = re.compile(r"^[ \t]*[\w.#:-]*(?:\([^)]*\))?!=[ \t]*(.+)$", re.M)
_PUG_INLINE = re.compile(r"!\{(.*?)\}")
_NUNJUCKS_SAFE = re.compile(r"\{\{\s*([^{}]*?)\|\s*safe\s*(?:\|[^{}]*)?\}\}")
_NUNJUCKS_ANY = re.compile(r"(?<!\{)\{\{(?![{#/!>^&~])\s*([^{}]*?)\s*\}\}")
_EJS_ESCAPED = re.compile(r"<%=(.*?)[-_]?%>", re.S)
_HANDLEBARS_ESCAPED = re.compile(r"(?<!\{)\{\{~?(?![{#/!>^&~]|else\b)\s*([^{}]*?)\s*~?\}\}(?!\})")
_IDENTIFIER = re.compile(r"(?<![\w.$'\"])([A-Za-z_$][\w$]*)")
_KEYWORDS = frozenset({"true", "false", "null", "undefined", "this", "typeof", "new", "safe"})
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_TEMPLATE_TAG = re.compile(r"<%.*?%>|\{\{.*?\}\}|\{%.*?%\}", re.S)

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


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


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


def _patterns(engine: str, autoescape_off: bool) -> list[tuple[re.Pattern[str], str, bool]]:
    """(tag pattern, how it is written, whether it escapes HTML), unescaped tags first so
    that a `{{ x | safe }}` is not also read as an escaped `{{ x }}`."""
    match engine:
        case "ejs":
            return [(_EJS, "<%- %>", False), (_EJS_ESCAPED, "<%= %>", True)]
        case "handlebars":
            if autoescape_off:  # `noEscape: true`
                return [(_HANDLEBARS, "{{{ }}}", False), (_HANDLEBARS_ESCAPED, NO_ESCAPE, False)]
            return [(_HANDLEBARS, "{{{ }}}", False), (_HANDLEBARS_ESCAPED, "{{ }}", True)]
        case "pug":
            return [(_PUG_LINE, "!=", False), (_PUG_INLINE, "!{}", False)]
        case "nunjucks" | "html":
            patterns = [(_NUNJUCKS_SAFE, "| safe", False)]
            if autoescape_off:
                patterns.append((_NUNJUCKS_ANY, AUTOESCAPE_OFF, False))
            else:
                patterns.append((_NUNJUCKS_ANY, "{{ }}", True))
            if engine == "html":
                patterns += [(_EJS, "<%- %>", False), (_EJS_ESCAPED, "<%= %>", True)]
            return patterns
        case _:
            return []


def _tags(engine: str, text: str, autoescape_off: bool) -> Iterator[tuple[int, str, str, bool]]:
    """(offset, expression, how it is written, escapes HTML) of each output tag."""
    seen: set[int] = set()
    for pattern, written, escaped in _patterns(engine, autoescape_off):
        for match in pattern.finditer(text):
            if match.start() not in seen:
                seen.add(match.start())
                yield match.start(), match.group(1).strip(), written, escaped
    if engine == "pug":  # attribute values and `#{}` in script blocks
        for output in pug_outputs(text):
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


def _context_of(engine: str, text: str) -> Callable[[int], OutputContext]:
    if engine == "pug":
        contexts = {o.offset: o.context for o in pug_outputs(text)}
        return lambda offset: contexts.get(offset, OutputContext.HTML)
    return ContextMap(text).at


def template_outputs(rel: str, text: str, autoescape_off: bool = False) -> Iterator[TemplateOutput]:
    """Every output tag of a template with the context it prints into, in text order."""
    engine = engine_of(rel)
    if engine is None:
        return
    tags = sorted(_tags(engine, text, autoescape_off))
    if not tags:
        return
    resolve = _loop_resolver(engine, text)
    context = _context_of(engine, text)
    for offset, expression, written, escaped in tags:
        resolved = resolve(expression, offset)
        line, column = _position(text, offset)
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
        spans = template_loops.handlebars_blocks(text)
        return lambda expression, offset: template_loops.handlebars_resolve(
            expression, spans, offset
        )
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
    return lambda expression, offset: template_loops.substitute(expression, aliases, offset)


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
    for match in _SCRIPT.finditer(decoded):
        attributes = match.group(1).lower()
        if "src=" in attributes or (
            "type=" in attributes and "javascript" not in attributes and "module" not in attributes
        ):
            continue
        keep.append(match.span(2))
    if not keep:
        return None
    chars = [c if c == "\n" else " " for c in decoded]
    for start, end in keep:
        chars[start:end] = decoded[start:end]
    masked = "".join(chars)
    masked = _TEMPLATE_TAG.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)
    return SourceText(rel=text.rel, source=masked.encode("utf-8"), lines=text.lines)
