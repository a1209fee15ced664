"""Lines to anchor dependency findings on: a dependency's `"name": "range"` line in
package.json (where the fix goes) and a package's entry in the lockfile (the evidence).

Both files are untrusted: nothing here trusts their shape. The JSON scan is a single
linear pass over string and bracket tokens (no recursion), so malformed or adversarial
input yields fewer lines, never an exception or a slow walk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from nodeward.deps.lockfiles.manifest import SECTIONS

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,\n]')


def json_key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Every object key's path (enclosing keys, outermost first; arrays add "[]") and the
    line it is on; a duplicated key keeps its last line, as JSON.parse keeps the last value."""
    lines: dict[tuple[str, ...], int] = {}
    stack: list[str | None] = []  # per open container: its key, or "[]" for arrays
    path: list[str] = []  # the keys leading to the innermost container
    line = 1
    pending: tuple[str, int] | None = None  # a string that may turn out to be a key
    for match in _TOKEN.finditer(text):
        lexeme = match.group()
        if lexeme == "\n":
            line += 1
        elif lexeme.startswith('"'):
            pending = (_decode(lexeme), line)
            continue
        elif lexeme == ":" and pending is not None and stack and stack[-1] != "[]":
            lines[(*path, pending[0])] = pending[1]
            stack[-1] = pending[0]
        elif lexeme in "{[":
            key = stack[-1] if stack else None
            path.append(key if key is not None else "")
            stack.append("[]" if lexeme == "[" else None)
        elif lexeme in "}]" and stack:
            stack.pop()
            path.pop()
        if lexeme != "\n":
            pending = None
    return lines


def _decode(token: str) -> str:
    try:
        value = json.loads(token)
    except ValueError:
        return token[1:-1]
    return value if isinstance(value, str) else token[1:-1]


def dependency_line(lines: dict[tuple[str, ...], int], name: str) -> int | None:
    """The line of `name` in the package.json sections, strongest scope first."""
    for section, _scope in SECTIONS:
        found = lines.get(("", section, name))
        if found is not None:
            return found
    return None


def npm_entry_line(lines: dict[tuple[str, ...], int], key: str) -> int | None:
    """package-lock.json: `packages["node_modules/a/node_modules/b"]` (v2, v3), else the
    nested `dependencies.a.dependencies.b` (v1)."""
    found = lines.get(("", "packages", key))
    if found is not None:
        return found
    names = [part for part in key.split("node_modules/") if part]
    nested: list[str] = []
    for name in names:
        nested += ["dependencies", name.rstrip("/")]
    return lines.get(("", *nested))


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def yarn_entry_line(text_lines: Iterable[str], name: str, version: str) -> int | None:
    """yarn.lock (classic and berry): the block header naming `name@…` whose version is
    `version`."""
    header: int | None = None
    for number, raw in enumerate(text_lines, start=1):
        if raw and not raw[0].isspace() and raw.rstrip().endswith(":"):
            descriptors = [_unquote(d) for d in raw.rstrip()[:-1].split(",")]
            named = any(d.startswith(f"{name}@") for d in descriptors)
            header = number if named else None
        elif header is not None:
            field = raw.strip()
            if field.startswith("version") and _unquote(field[7:].lstrip(": ")) == version:
                return header
    return None


def pnpm_entry_line(text_lines: Iterable[str], key: str) -> int | None:
    """pnpm-lock.yaml: the `packages:` (or 9.0 `snapshots:`) key of the node."""
    wanted = {key, key.lstrip("/")}
    for number, raw in enumerate(text_lines, start=1):
        is_key = raw.startswith("  ") and not raw.startswith("   ") and raw.rstrip().endswith(":")
        if is_key and _unquote(raw.strip()[:-1]) in wanted:
            return number
    return None


def lockfile_entry_line(lockfile_name: str, text: str, key: str, name: str, version: str) -> int:
    """The line of a package's entry in its lockfile; 1 when it cannot be located."""
    found: int | None
    if lockfile_name.endswith(".json"):
        found = npm_entry_line(json_key_lines(text), key)
    elif lockfile_name == "pnpm-lock.yaml":
        found = pnpm_entry_line(text.splitlines(), key)
    else:
        found = yarn_entry_line(text.splitlines(), name, version)
    return found or 1
