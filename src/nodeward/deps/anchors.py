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


def yarn_entry_lines(text_lines: Iterable[str]) -> dict[tuple[str, str], int]:
    """yarn.lock (classic and berry): (installed name, version) -> the block header line.
    One pass; a name is read from each descriptor (`name@range`, `"@scope/name@npm:1"`)."""
    found: dict[tuple[str, str], int] = {}
    header: tuple[int, list[str]] | None = None
    for number, raw in enumerate(text_lines, start=1):
        if raw and not raw[0].isspace():
            header = None
            if raw.rstrip().endswith(":"):
                descriptors = [_unquote(d) for d in raw.rstrip()[:-1].split(",")]
                names = [d[: d.find("@", 1)] for d in descriptors if d.find("@", 1) > 0]
                header = (number, names)
        elif header is not None:
            field = raw.strip()
            if field.startswith("version"):
                version = _unquote(field[7:].lstrip(": "))
                for name in header[1]:
                    found.setdefault((name, version), header[0])
                header = None
    return found


def pnpm_entry_lines(text_lines: Iterable[str]) -> dict[str, int]:
    """pnpm-lock.yaml: every two-space-indented key (the `packages:` and 9.0 `snapshots:`
    entries among them) -> its first line."""
    found: dict[str, int] = {}
    for number, raw in enumerate(text_lines, start=1):
        if raw.startswith("  ") and not raw.startswith("   ") and raw.rstrip().endswith(":"):
            found.setdefault(_unquote(raw.strip()[:-1]), number)
    return found


class LockfileLines:
    """Finds packages' entries in one lockfile; its index is built once, on first use."""

    def __init__(self, lockfile_name: str, text: str) -> None:
        self.name = lockfile_name
        self.text = text
        self._json: dict[tuple[str, ...], int] | None = None
        self._yarn: dict[tuple[str, str], int] | None = None
        self._pnpm: dict[str, int] | None = None

    def line(self, key: str, name: str, version: str) -> int:
        """The line of a package's entry; 1 when it cannot be located."""
        found: int | None
        if self.name.endswith(".json"):
            if self._json is None:
                self._json = json_key_lines(self.text)
            found = npm_entry_line(self._json, key)
        elif self.name == "pnpm-lock.yaml":
            if self._pnpm is None:
                self._pnpm = pnpm_entry_lines(self.text.splitlines())
            found = self._pnpm.get(key) or self._pnpm.get(key.lstrip("/"))
        else:
            if self._yarn is None:
                self._yarn = yarn_entry_lines(self.text.splitlines())
            found = self._yarn.get((name, version))
        return found or 1
