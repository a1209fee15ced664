"""Where a template prints a value (template_context) and which escaped outputs can still
run script there."""

from __future__ import annotations

import pytest

from nodeward.source.taint.template_context import (
    ContextMap,
    OutputContext,
    can_run_script,
    pug_outputs,
    script_state,
)
from nodeward.source.taint.templates import template_outputs

C = OutputContext


def _contexts(rel: str, text: str) -> list[tuple[int, str, bool, OutputContext]]:
    return [(o.line, o.expression, o.escaped, o.context) for o in template_outputs(rel, text)]


def test_ejs_contexts_by_position() -> None:
    text = (
        "<script>\n"
        "var q = '<%= q %>'; var n = <%= n %>; var t = `<%= t %>`;\n"
        "// it's a comment <%= c %>\n"
        "</script>\n"
        '<a href="<%= url %>" onclick="go(\'<%= x %>\')" title="<%= title %>">'
        "<%= body %></a>\n"
        '<a href="/u/<%= id %>">u</a><!-- <%= hidden %> -->\n'
        '<div style="color: <%= color %>"></div>\n'
        '<script type="application/json"><%= data %></script>\n'
    )
    assert _contexts("v.ejs", text) == [
        (2, "q", True, C.SCRIPT_STRING),
        (2, "n", True, C.SCRIPT),
        (2, "t", True, C.SCRIPT),  # a template string: `${}` needs no escaping to run
        (3, "c", True, C.INERT),  # a JavaScript comment
        (5, "url", True, C.URL),
        (5, "x", True, C.EVENT_HANDLER),
        (5, "title", True, C.HTML),
        (5, "body", True, C.HTML),
        (6, "id", True, C.HTML),  # a fixed prefix decides the scheme
        (6, "hidden", True, C.INERT),
        (7, "color", True, C.STYLE),
        (8, "data", True, C.INERT),
    ]


def test_template_tags_inside_markup_do_not_confuse_the_scanner() -> None:
    text = '<% if (a > 1) { %><img src="<%= img %>" alt="<%= "it\'s" %>"><% } %><p><%= p %></p>'
    found = [(o.expression, o.context) for o in template_outputs("v.ejs", text)]
    assert found == [("img", C.URL), ('"it\'s"', C.HTML), ("p", C.HTML)]


def test_handlebars_and_nunjucks_escaped_tags() -> None:
    hbs = '<a href="{{url}}">{{{raw}}}</a>{{#if x}}<b onclick="f({{id}})">{{name}}</b>{{/if}}'
    assert _contexts("v.hbs", hbs) == [
        (1, "url", True, C.URL),
        (1, "raw", False, C.HTML),
        (1, "id", True, C.EVENT_HANDLER),
        (1, "name", True, C.HTML),
    ]
    njk = '<script>var r = {{ r | dump | safe }};</script><a href="{{ u }}">{{ x }}</a>'
    assert _contexts("v.njk", njk) == [
        (1, "r | dump", False, C.SCRIPT),
        (1, "u", True, C.URL),
        (1, "x", True, C.HTML),
    ]


def test_nunjucks_with_autoescape_off_has_no_escaped_tags() -> None:
    found = list(template_outputs("v.njk", '<a href="{{ u }}">', autoescape_off=True))
    assert [(o.escaped, o.context) for o in found] == [(False, C.URL)]


def test_pug_attributes_and_script_blocks() -> None:
    text = (
        "html\n"
        "  body\n"
        '    a(href=url, class="x") link\n'
        '    a(href="/u/" + id) user\n'
        '    button(onclick="go(\'" + x + "\')", type="button") go\n'
        "    p= body\n"
        "    script.\n"
        "      var q = '#{q}';\n"
        "      var d = !{JSON.stringify(d)};\n"
        "    p #{after}\n"
    )
    found = [(o.line, o.expression, o.escaped, o.context) for o in template_outputs("v.pug", text)]
    assert found == [
        (3, "url", True, C.URL),
        (5, '"go(\'" + x + "\')"', True, C.EVENT_HANDLER),
        (8, "q", True, C.SCRIPT_STRING),
        (9, "JSON.stringify(d)", False, C.SCRIPT),
    ]


def test_script_state_skips_comments_and_escapes() -> None:
    assert script_state("var a = 'x\\'") is C.SCRIPT_STRING
    assert script_state("var a = 'x'; // it's\n") is C.SCRIPT
    assert script_state("/* 'a */ var b = \"") is C.SCRIPT_STRING
    assert script_state("var b = 1; /* note ") is C.INERT
    assert script_state("var b = 1; // note ") is C.INERT
    assert script_state("var s = 'a\\\\'; var n = ") is C.SCRIPT  # an escaped backslash


@pytest.mark.parametrize(
    ("context", "expression", "escaped", "runs"),
    [
        (C.HTML, "x", True, False),
        (C.INERT, "x", True, False),
        (C.SCRIPT, "x", True, True),
        (C.SCRIPT, "JSON.stringify(x)", True, False),
        (C.SCRIPT, "JSON.stringify(x)", False, True),  # `</script>` closes the block
        (C.SCRIPT, "serialize(x, { isJSON: true })", False, False),
        (C.SCRIPT_STRING, "x", True, True),
        (C.EVENT_HANDLER, "x", True, True),
        (C.URL, "x", True, True),
        (C.URL, "encodeURIComponent(x)", True, False),
        (C.URL, "u | urlencode", True, False),
        (C.STYLE, "x", True, True),
        (C.HTML, "x", False, True),
    ],
)
def test_can_run_script(context: OutputContext, expression: str, escaped: bool, runs: bool) -> None:
    assert can_run_script(context, expression, escaped) is runs


@pytest.mark.parametrize(
    "text",
    [
        "<script>var a = '<%= a %>",  # never closed
        '<a href="<%= u %>',
        "<!-- <%= x %>",
        "<<<>>>\"'<%= x %>",
        "",
    ],
)
def test_broken_markup_never_raises(text: str) -> None:
    list(template_outputs("v.ejs", text))
    ContextMap(text).at(len(text))


def test_broken_pug_never_raises() -> None:
    assert list(pug_outputs("a(href=\nscript.\n  var a = '#{")) is not None
