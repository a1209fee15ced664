"""The template scanners read a view in one pass: unbalanced delimiters cost one scan, and
the one-pass scanners find exactly what the lazy regexes they replace found."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hang import hang_guard
from hypothesis import given
from hypothesis import strategies as st

from nodeward.report import redact
from nodeward.source.parse import SourceText
from nodeward.source.taint import template_loops, templates
from nodeward.source.taint.delimited import Tag, find_tags
from nodeward.source.taint.template_context import ContextMap, blank_tags

_MB2 = 2_000_000
_BUDGET = 5.0  # a hang guard: each view takes well under a second


def _within_budget(call: Callable[[], object], what: str) -> None:
    with hang_guard(_BUDGET, what):
        call()


_REAL = "<p><%- bio %> {{{ bio }}} {{ bio | safe }}</p>\np!= bio\np !{bio}\n"


@pytest.mark.parametrize(
    ("rel", "unit"),
    [
        ("view.ejs", "<%\n"),
        ("view.ejs", "<%="),
        ("view.hbs", "{{\n"),
        ("view.hbs", "{{{"),
        ("view.pug", "#{"),
        ("view.njk", "{%"),
        ("view.html", "<%\n"),
        ("view.html", "{{{"),
    ],
)
def test_two_megabytes_of_unclosed_delimiters(rel: str, unit: str) -> None:
    """The real output before the run is still found, and the view costs one pass."""
    text = _REAL + unit * (_MB2 // len(unit))
    found: list[templates.TemplateOutput] = []
    _within_budget(lambda: found.extend(templates.template_outputs(rel, text)), rel)
    assert found
    assert all(o.line <= 3 and o.expression.startswith("bio") for o in found)
    page = SourceText(rel=rel, source=("<script>x</script>" + text).encode(), lines=())
    _within_budget(lambda: templates.inline_scripts(page), f"inline scripts of {rel}")
    _within_budget(lambda: ContextMap(text), f"contexts of {rel}")


def test_unclosed_markup_is_read_once() -> None:
    for unit in ("<a '", "<a", "<script", '<a "x" \'', "a(x=(\n", "script(\n"):
        text = unit * (_MB2 // 4 // len(unit))
        _within_budget(lambda text=text: ContextMap(text), repr(unit))  # type: ignore[misc]
        pug = templates.template_outputs("v.pug", text)
        _within_budget(lambda pug=pug: list(pug), f"pug {unit!r}")  # type: ignore[misc]


# -- the one-pass scanners find what the lazy regexes found ---------------------------

_TEMPLATE_TEXT = st.text(alphabet="<%>{}#!=-_~ \nab|", max_size=60)


@given(_TEMPLATE_TEXT)
def test_find_tags_is_the_lazy_regex(text: str) -> None:
    tags = (Tag("<%", "%>"), Tag("{{{", "}}}"), Tag("{{", "}}"), Tag("{%", "%}"))
    lazy = re.compile(r"<%.*?%>|\{\{\{.*?\}\}\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
    assert [(s.start, s.end) for s in find_tags(text, tags)] == [
        m.span() for m in lazy.finditer(text)
    ]


@given(_TEMPLATE_TEXT)
def test_blank_tags_is_the_lazy_regex(text: str) -> None:
    lazy = re.compile(
        r"<%.*?%>|\{\{\{.*?\}\}\}|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|[#!]\{[^{}\n]*\}", re.S
    )
    expected = lazy.sub(lambda m: re.sub(r"[^\n]", "_", m.group(0)), text)
    assert blank_tags(text) == expected


@given(_TEMPLATE_TEXT)
def test_ejs_and_handlebars_outputs_are_the_lazy_regexes(text: str) -> None:
    ejs = [(m.start(), m.group(1).strip()) for m in re.finditer(r"<%-(.*?)-?%>", text, re.S)]
    assert [(o, e.strip()) for o, e in templates._EJS(text)] == ejs
    escaped = [(m.start(), m.group(1).strip()) for m in re.finditer(r"<%=(.*?)[-_]?%>", text, re.S)]
    assert [(o, e.strip()) for o, e in templates._EJS_ESCAPED(text)] == escaped
    raw = re.finditer(r"\{\{\{\s*(.*?)\s*\}\}\}", text, re.S)
    assert [(o, e.strip()) for o, e in templates._HANDLEBARS(text)] == [
        (m.start(), m.group(1).strip()) for m in raw
    ]
    old = r"(?<!\{)\{\{~?(?![{#/!>^&~]|else\b)\s*([^{}]*?)\s*~?\}\}(?!\})"
    assert [(o, e.strip()) for o, e in templates._handlebars_escaped(text)] == [
        (m.start(), m.group(1).strip()) for m in re.finditer(old, text)
    ]
    old_any = r"(?<!\{)\{\{(?![{#/!>^&~])\s*([^{}]*?)\s*\}\}"
    assert [(m.start(), m.group(1).strip()) for m in templates._NUNJUCKS_ANY.finditer(text)] == [
        (m.start(), m.group(1).strip()) for m in re.finditer(old_any, text)
    ]
    old_safe = r"\{\{\s*([^{}]*?)\|\s*safe\s*(?:\|[^{}]*)?\}\}"
    assert [(m.start(), m.group(1).strip()) for m in templates._NUNJUCKS_SAFE.finditer(text)] == [
        (m.start(), m.group(1).strip()) for m in re.finditer(old_safe, text)
    ]


@given(_TEMPLATE_TEXT)
def test_scriptlets_are_the_lazy_regex(text: str) -> None:
    old = re.compile(r"<%_?(?![=\-#%_])(.*?)[-_]?%>", re.S)
    assert list(template_loops._scriptlets(text)) == [
        (m.start(), m.end(), m.group(1)) for m in old.finditer(text)
    ]


@given(st.text(alphabet="ab.( )\n!=p#:", max_size=50))
def test_pug_lines_are_the_multiline_regex(text: str) -> None:
    old = re.compile(r"^[ \t]*[\w.#:-]*(?:\([^)]*\))?!=[ \t]*(.+)$", re.M)
    assert list(templates._pug_lines(text)) == [(m.start(), m.group(1)) for m in old.finditer(text)]


@given(st.text(alphabet="a.b[]0 ?forEach(function)x{}=", max_size=60))
def test_iteration_heads_are_the_backtracking_regex(text: str) -> None:
    name = r"[A-Za-z_$][\w$]*"
    pattern = rf"\{{[^{{}}]*\}}|{name}"
    old = re.compile(
        rf"({name}(?:\s*\??\.\s*{name}|\[[^\]\[]*\])*)\s*\??\.\s*"
        rf"(?:forEach|map|filter|flatMap|some|every|find)\s*\(\s*(?:async\s+)?"
        rf"(?:function\s*(?:{name})?\s*)?\(?\s*({pattern})"
    )
    assert list(template_loops._iterations(text)) == [
        (m.group(2), m.group(1)) for m in old.finditer(text)
    ]


@given(st.text(alphabet="?&;=a-tokenpassw_x\"' #", max_size=60))
def test_redacted_parameters_are_those_of_the_old_pattern(text: str) -> None:
    key = r"[\w-]*(?:token|passw(?:or)?d|secret|api[_-]?key|session|sid|auth)[\w-]*"
    old = re.compile(rf"(?P<key>[?&;]?\b{key}=)(?P<value>[^&;\s#\"']+)", re.IGNORECASE)
    masked = old.sub(lambda m: f"{m['key']}{redact.MASK}", text)
    assert redact._PARAM.sub(lambda m: f"{m['key']}{redact.MASK}", text) == masked


@pytest.mark.parametrize(
    ("rel", "unit", "resolved"),
    [
        ("view.hbs", "{{#each a}}{{{x}}}{{/each}}\n", "a[0].x"),
        ("view.ejs", "<% a.forEach(function (x) { %><%- x %><% }) %>\n", "a[0]"),
        ("view.ejs", "<% a.forEach(function (x) { %><%- x %>\n", "a[0]"),  # never closed
        ("view.njk", "{% for x in a %}{{ x | safe }}{% endfor %}\n", "a[0]"),
        ("view.pug", "each x in a\n  p!= x\n", "a[0]"),
    ],
)
def test_many_loops_are_resolved_in_one_pass(rel: str, unit: str, resolved: str) -> None:
    """Every output is resolved against the loops open where it stands, and positioned,
    without reading all loops or all the text before it again."""
    text = unit * (500_000 // len(unit))
    found: list[templates.TemplateOutput] = []
    _within_budget(lambda: found.extend(templates.template_outputs(rel, text)), rel)
    units = 500_000 // len(unit)
    assert len(found) == units
    assert {o.resolved for o in found} == {resolved}
    assert found[-1].line == units * unit.count("\n")  # each output is on its unit's last line


def test_outputs_in_one_long_url_attribute_are_placed_once() -> None:
    """Only the first output of an href can start the URL; telling so reads the value once,
    not the text before each output again."""
    text = '<a href="' + "{{{a}}}" * 300_000 + '">x</a>'
    offsets = [9 + 7 * n for n in range(300_000)]
    contexts = ContextMap(text)
    found: list[str] = []
    _within_budget(lambda: found.extend(contexts.at(o).value for o in offsets), "href")
    assert found[:2] == ["url", "html"]
    assert set(found[1:]) == {"html"}


@pytest.mark.parametrize(
    ("rel", "unit", "root"),
    [
        ("view.ejs", "<% a.forEach(function (a) { %><%- a %>\n", "a"),
        ("view.njk", "{% for a in a %}{{ a | safe }}\n", "a"),
        ("view.hbs", "{{#each a}}{{{x}}}\n", "a"),
        ("view.hbs", "{{#with a}}{{{x}}}\n", "a"),
    ],
)
def test_loops_nested_thousands_deep_keep_paths_bounded(rel: str, unit: str, root: str) -> None:
    """`each a` inside `each a` ... prints paths that would grow with every level (and the
    work with them): past a bound only the root is kept, so the taint still reaches it."""
    text = unit * 20_000
    found: list[templates.TemplateOutput] = []
    _within_budget(lambda: found.extend(templates.template_outputs(rel, text)), rel)
    assert len(found) == 20_000
    assert found[1].resolved in ("a[0][0]", "a[0].a[0].x", "a.a.x")
    assert max(len(o.resolved) for o in found) < 300
    assert all(o.variables == {root} for o in found)
