"""Edits of package.json: a dependency added or its version changed, in the file's own
layout. The JSON is parsed with the JavaScript grammar (as an expression in parentheses) so
that the edits know the byte range of every key and value."""

from __future__ import annotations

import json
import posixpath

from nodeward.fix.model import Edit
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node, SourceText, parse, split_lines

#: The versions fixes add; tests/fixtures/fix/example-deps installs them for the test that
#: runs the fixed example app.
ADDED_VERSIONS = {"helmet": "^8.1.0", "express-rate-limit": "^7.5.0", "bcrypt": "^5.1.1"}


def manifest_for(workspace: Workspace, rel: str) -> FileText | None:
    """The nearest package.json at or above the folder of `rel` (inside the scan root)."""
    folder = posixpath.dirname(rel)
    while True:
        candidate = posixpath.join(folder, "package.json") if folder else "package.json"
        found = workspace.file(candidate)
        if found is not None:
            return found
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def _object(manifest: FileText) -> Node | None:
    wrapped = b"(" + manifest.source + b")"
    decoded = wrapped.decode("utf-8", errors="replace")
    tree = parse(SourceText(manifest.rel + ".js", wrapped, split_lines(decoded)))
    if tree.syntax_error is not None:
        return None
    node = tree.root.named_children[0] if tree.root.named_children else None
    expression = node.named_children[0] if node is not None and node.named_children else None
    return syntax.unwrap(expression)


def dependency_value(manifest: FileText, package: str) -> Node | None:
    """The version string of `package` in the manifest's dependency sections; its byte
    offsets are one past the file's (the parse wraps the JSON in parentheses)."""
    root = _object(manifest)
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        value = syntax.object_get(syntax.object_get(root, section), package)
        if value is not None and value.type == "string":
            return value
    return None


def declared(manifest: FileText, package: str) -> bool:
    try:
        data = json.loads(manifest.source)
    except (json.JSONDecodeError, RecursionError):
        return False
    if not isinstance(data, dict):
        return False
    return any(
        isinstance(data.get(key), dict) and package in data[key]
        for key in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
    )


def add_dependency(manifest: FileText, package: str, version: str) -> Edit | None:
    """Insert `"package": "version"` into `dependencies`, keeping them sorted when they
    are; None when the manifest has no `dependencies` object to add to."""
    root = _object(manifest)
    deps = syntax.object_get(root, "dependencies")
    if deps is None or deps.type != "object":
        return None
    pairs = [c for c in deps.named_children if c.type == "pair"]
    entry = f"{json.dumps(package)}: {json.dumps(version)}"
    newline = "\r\n" if b"\r\n" in manifest.source else "\n"
    shift = -1  # the "(" added in front
    if not pairs:
        return None
    keys = [syntax.property_key(p) or "" for p in pairs]
    after = [p for p, k in zip(pairs, keys, strict=True) if k < package]
    indent = manifest.line_indent(pairs[0].start_byte + shift)
    if keys == sorted(keys) and len(after) < len(pairs):
        before = pairs[len(after)]  # the first key sorting after the new one
        at = before.start_byte + shift
        return Edit(manifest.rel, at, at, f"{entry},{newline}{indent}")
    last = pairs[-1]
    at = last.end_byte + shift
    return Edit(manifest.rel, at, at, f",{newline}{indent}{entry}")


def dependency_edit(workspace: Workspace, rel: str, package: str) -> Edit | str | None:
    """The edit that declares `package` in the package.json that `rel` belongs to; None
    when it is declared already; a reason when it cannot be added."""
    manifest = manifest_for(workspace, rel)
    if manifest is None:
        return f"no package.json above {rel} to declare {package} in"
    if declared(manifest, package):
        return None
    edit = add_dependency(manifest, package, ADDED_VERSIONS[package])
    if edit is None:
        return f"{manifest.rel} has no `dependencies` object to add {package} to"
    return edit


#: A pin: a version, or (npm) the pins below one dependent.
Pins = dict[str, "str | Pins"]


def _entry(name: str, value: str | Pins, indent: str, unit: str, newline: str) -> str:
    """`"name": value` at `indent`, a nested object one `unit` deeper per level."""
    if isinstance(value, str):
        return f"{indent}{json.dumps(name)}: {json.dumps(value)}"
    inner = f",{newline}".join(
        _entry(k, v, indent + unit, unit, newline) for k, v in sorted(value.items())
    )
    return f"{indent}{json.dumps(name)}: {{{newline}{inner}{newline}{indent}}}"


def add_overrides(manifest: FileText, key: str, pins: Pins) -> Edit | str:
    """The `pins` added to the root package.json's `key` object ("overrides" for npm,
    "resolutions" for yarn), which is created after the last top-level key when missing.
    A reason when they cannot be added."""
    root = _object(manifest)
    pairs = [c for c in root.named_children if c.type == "pair"] if root is not None else []
    if root is None or root.type != "object" or not pairs:
        return f"{manifest.rel} is not a JSON object with keys"
    shift = -1  # the "(" added in front
    newline = "\r\n" if b"\r\n" in manifest.source else "\n"
    unit = manifest.line_indent(pairs[0].start_byte + shift)
    existing = syntax.object_get(root, key)
    if existing is None:
        text = "," + newline + _entry(key, pins, unit, unit, newline)
        at = pairs[-1].end_byte + shift
        return Edit(manifest.rel, at, at, text)
    if existing.type != "object":
        return f'"{key}" in {manifest.rel} is not an object'
    if any(syntax.object_has(existing, name) for name in pins):
        return f'"{key}" in {manifest.rel} has an entry for it already: merge by hand'
    inner = [c for c in existing.named_children if c.type == "pair"]
    if not inner:
        body = _entry(key, pins, unit, unit, newline).split(": ", 1)[1]
        return Edit(manifest.rel, existing.start_byte + shift, existing.end_byte + shift, body)
    indent = manifest.line_indent(inner[0].start_byte + shift)
    at = inner[-1].end_byte + shift
    entries = [_entry(k, v, indent, unit, newline) for k, v in sorted(pins.items())]
    return Edit(manifest.rel, at, at, "".join(f",{newline}{e}" for e in entries))
