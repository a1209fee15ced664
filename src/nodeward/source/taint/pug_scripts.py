"""The inline scripts of a Pug (or Jade) view: a `script.` block, or `script(...).` with
attributes, whose body is the lines indented deeper than the tag.

    script.
      fetch("/api/me").then((r) => r.json()).then((me) => { el.innerHTML = me.name; });

Returns the body spans; templates.inline_scripts keeps them at their own line and column
and blanks the rest, as it does for HTML's `<script>` elements."""

from __future__ import annotations

import re

#: `script.` / `script(type="text/javascript").` alone on its (stripped) line, attributes
#: on one line; anchored at the tag so that no search rescans leading blanks
_SCRIPT_TAG = re.compile(r"script(?:\(([^()\n]*)\))?\.")


def pug_script_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    lines = text.splitlines(keepends=True)
    offset = 0
    index = 0
    while index < len(lines):
        line = lines[index]
        offset += len(line)
        index += 1
        tag = _SCRIPT_TAG.fullmatch(line.strip(" \t\r\n"))
        if tag is None or not _is_javascript(tag.group(1) or ""):
            continue
        depth = _indent(line)
        body_start = offset
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > depth):
            offset += len(lines[index])
            index += 1
        if offset > body_start:
            spans.append((body_start, offset))
    return spans


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _is_javascript(attributes: str) -> bool:
    lowered = attributes.lower()
    if "src=" in lowered:
        return False
    return "type=" not in lowered or "javascript" in lowered or "module" in lowered
