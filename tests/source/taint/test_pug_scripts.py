"""Pug `script.` blocks are the inline scripts of a Pug view (taint/pug_scripts.py)."""

from __future__ import annotations

from nodeward.source.parse import SourceText
from nodeward.source.taint import templates
from nodeward.source.taint.pug_scripts import pug_script_spans

_VIEW = (
    "doctype html\n"
    "html\n"
    "  body\n"
    "    #term\n"
    "    script.\n"
    "      const q = location.hash;\n"
    "\n"
    "      el.innerHTML = q;\n"
    "    p done\n"
)


def _bodies(text: str) -> list[str]:
    return [text[start:end] for start, end in pug_script_spans(text)]


def test_a_script_block_is_the_lines_indented_under_it() -> None:
    assert _bodies(_VIEW) == ["      const q = location.hash;\n\n      el.innerHTML = q;\n"]


def test_only_javascript_blocks_count() -> None:
    text = (
        'script(src="/app.js").\n  ignored();\n'
        'script(type="text/template").\n  <b>{{name}}</b>\n'
        'script(type="module").\n  run();\n'
        "div.\n  not a script\n"
    )
    assert _bodies(text) == ["  run();\n"]


def test_a_tag_with_nothing_under_it_is_no_script() -> None:
    assert _bodies("script.\np after\n") == []


def test_inline_scripts_of_a_pug_view_keep_their_lines() -> None:
    page = SourceText(rel="views/search.pug", source=_VIEW.encode(), lines=())
    scripts = templates.inline_scripts(page)
    assert scripts is not None
    lines = scripts.source.decode().split("\n")
    assert lines[5].strip() == "const q = location.hash;"
    assert lines[7].strip() == "el.innerHTML = q;"
    assert lines[4].strip() == lines[8].strip() == ""  # the markup is blanked


def test_an_html_view_with_script_dot_text_is_not_read_as_pug() -> None:
    page = SourceText(rel="views/a.html", source=b"<p>\nscript.\n  x();\n</p>\n", lines=())
    assert templates.inline_scripts(page) is None
