"""Committed JSON settings of a `config/` folder (node-config's `default.json`, sequelize's
`config.json`): credentials written into them (NW601) and database URLs with a password
(NW603), reported as committed dotenv values are (env_files.py), never quoting a value."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator

from nodeward.discover import FileKind
from nodeward.findings import Finding, Skip, SourceLocation
from nodeward.manifests.env_files import is_unset, secret_finding, url_finding
from nodeward.manifests.files import texts
from nodeward.project import Project
from nodeward.source.parse import SourceText

#: node-config's map of settings to environment variables (`"secret": "JWT_SECRET"`).
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")
#: Settings nest a few levels (environment -> service -> option); deeper is not settings.
_MAX_DEPTH = 12


def committed_settings(
    project: Project, is_secret_name: Callable[[str], bool], connection_url: re.Pattern[str]
) -> Iterator[Finding | Skip]:
    read = texts(project, FileKind.CONFIG_JSON)
    yield from read.skips
    for text in read.items:
        try:
            data = json.loads(text.source)
        except (ValueError, RecursionError) as error:
            yield Skip(text.rel, f"not valid JSON: {str(error)[:120]}")
            continue
        seen: Counter[tuple[str, str]] = Counter()
        for key, value in _strings(data):
            if is_unset(value) or _ENV_NAME.match(value):
                continue
            url = connection_url.search(value) if "://" in value else None
            if url is None and not is_secret_name(key):
                continue
            location = _location(text, key, value, seen[key, value])
            seen[key, value] += 1
            if url is None:
                yield secret_finding(location, text.rel, key, value)
            elif not url.group("password").startswith("$"):
                yield url_finding(location, text.rel, key, url)


def _strings(data: object) -> Iterator[tuple[str, str]]:
    """(key, value) of every string under an object key, in document order, without
    recursion (hostile nesting costs a bounded stack)."""
    stack: list[Iterator[tuple[str, object]]] = [_children(data)]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        key, value = entry
        if isinstance(value, str):
            if key:
                yield key, value
        elif len(stack) < _MAX_DEPTH:
            stack.append(_children(value))


def _children(node: object) -> Iterator[tuple[str, object]]:
    if isinstance(node, dict):
        return ((str(k), v) for k, v in node.items())
    if isinstance(node, list):
        return (("", item) for item in node)
    return iter(())


def _location(text: SourceText, key: str, value: str, nth: int) -> SourceLocation:
    """The line of the `nth` (from 0) setting of `key` to `value`; else the first line
    naming the key; else line 1."""
    quoted_key, quoted_value = json.dumps(key), json.dumps(value)
    rows = [n for n, row in enumerate(text.lines, 1) if quoted_key in row]
    exact = [n for n in rows if quoted_value in text.lines[n - 1]]
    line = exact[min(nth, len(exact) - 1)] if exact else (rows[0] if rows else 1)
    return SourceLocation(path=text.rel, line=line, snippet=f"{quoted_key}: <redacted>")
