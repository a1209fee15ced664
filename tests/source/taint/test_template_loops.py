"""Template loops: a name printed inside a loop reads an element of the rendered array."""

from __future__ import annotations

import pytest

from nodeward.source.taint.templates import unescaped_outputs


@pytest.mark.parametrize(
    ("rel", "text", "expected"),
    [
        (
            "v.ejs",
            "<% posts.forEach(function (post) { %>\n<%- post.body %>\n<% }) %>\n<%- post %>",
            [(2, "posts[0].body"), (4, "post")],
        ),
        (
            "v.ejs",
            "<% posts.forEach((p) => { %><% p.tags.forEach(t => { %>\n"
            "<%- t.name %><% }) %><% }) %>",
            [(2, "posts[0].tags[0].name")],
        ),
        (
            "v.ejs",
            "<% for (const p of data.posts) { %>\n<%- p.body %>\n<% } %>",
            [(2, "data.posts[0].body")],
        ),
        (
            "v.ejs",
            "<% posts.forEach(({ body, title: t }) => { %>\n<%- body %><%- t %>\n<% }); %>",
            [(2, "posts[0].body"), (2, "posts[0].title")],
        ),
        # a loop that opens and closes in one scriptlet prints nothing
        ("v.ejs", "<% posts.forEach((p) => { n++; }) %>\n<%- p %>", [(2, "p")]),
        (
            "v.hbs",
            "{{#each posts}}\n{{{body}}} {{{this.body}}} {{{@index}}} {{{../title}}}\n{{/each}}\n"
            "{{{body}}}",
            [(2, "posts[0].body"), (2, "posts[0].body"), (2, "0"), (2, "title"), (4, "body")],
        ),
        (
            "v.hbs",
            "{{#each posts as |p i|}}{{#if p.ok}}\n{{{p.body}}} {{{markdown p.text}}}\n"
            "{{{../title}}}{{/if}}{{/each}}",
            [(2, "posts[0].body"), (2, "markdown posts[0].text"), (3, "title")],
        ),
        (
            "v.pug",
            "ul\n  each post, i in posts\n    li!= post.body\n  li!= post\n",
            [(3, "posts[0].body"), (4, "post")],
        ),
        (
            "v.njk",
            "{% for k, v in obj %}{% for c in v.comments %}\n{{ c.text | safe }}\n"
            "{% endfor %}{% endfor %}\n{{ c | safe }}",
            [(2, "obj[0].comments[0].text"), (4, "c")],
        ),
    ],
)
def test_loop_variables_read_the_rendered_array(
    rel: str, text: str, expected: list[tuple[int, str]]
) -> None:
    found = sorted((o.line, o.resolved) for o in unescaped_outputs(rel, text))
    assert found == sorted(expected)


def test_unclosed_or_malformed_loops_do_not_crash() -> None:
    for rel, text in [
        ("v.ejs", "<% }}} posts.forEach(function ( { %>\n<%- x %>"),
        ("v.hbs", "{{/each}}{{#each}}{{{this}}}{{#each a as ||}}{{{b}}}"),
        ("v.pug", "each in\n  li!= x"),
        ("v.njk", "{% endfor %}{% for x in %}{{ x | safe }}"),
    ]:
        assert [o.line for o in unescaped_outputs(rel, text)]
