"""yarn.lock v1 (yarn classic): its own indented format, parsed here.

The format: blocks keyed by one or more comma-separated `name@range` descriptors, each
with `version`, `resolved`, `integrity` and `dependencies:` / `optionalDependencies:`
sub-blocks. The root's own dependencies are not recorded: they come from package.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from nodeward.deps.lockfiles.interface import (
    Edge,
    LockfileError,
    LockGraph,
    LockNode,
    SourceKind,
    split_alias,
)
from nodeward.deps.lockfiles.manifest import declared

_ESCAPE = re.compile(r"\\.")  # a backslash and the character it escapes
_PAIR = re.compile(r'^("(?:[^"\\]|\\.)*"|[^\s"]+)\s+("(?:[^"\\]|\\.)*"|\S+)$')
Block = dict[str, "str | Block"]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"')
    return text


def read_blocks(text: str, rel: str) -> Block:
    """The file as nested dicts; a LockfileError names the line that does not fit."""
    top: Block = {}
    stack: list[tuple[int, Block]] = [(-1, top)]
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        while stack and indent <= stack[-1][0]:
            stack.pop()
        if not stack:
            raise LockfileError(f"{rel}: line {number}: unexpected indentation")
        parent = stack[-1][1]
        if line.endswith(":"):
            block: Block = {}
            parent[_unquote(_closed(line[:-1], rel, number))] = block
            stack.append((indent, block))
            continue
        match = _PAIR.match(line)
        if match is None or indent == 0:
            raise LockfileError(f"{rel}: line {number}: cannot read {line[:60]!r}")
        key, value = (_closed(part, rel, number) for part in match.group(1, 2))
        parent[_unquote(key)] = _unquote(value)
    return top


def _closed(text: str, rel: str, number: int) -> str:
    """`text`, when each quoted piece of it ends its quote: a damaged file fails here
    instead of yielding a version like `"1.2`."""
    if _ESCAPE.sub("", text).count('"') % 2:
        raise LockfileError(f"{rel}: line {number}: unterminated string in {text[:60]!r}")
    return text


def _descriptor_name(descriptor: str) -> tuple[str, str]:
    at = descriptor.find("@", 1)
    return (descriptor, "") if at < 0 else (descriptor[:at], descriptor[at + 1 :])


def parse(text: str, rel: str, manifest: Mapping[str, Any]) -> LockGraph:
    if "# yarn lockfile v1" not in text[:400] and "__metadata:" in text:
        raise LockfileError(f"{rel}: a yarn berry lockfile was read as yarn classic")
    blocks = read_blocks(text, rel)
    by_descriptor: dict[str, str] = {}
    nodes: dict[str, LockNode] = {}
    for key, block in blocks.items():
        if not isinstance(block, dict):
            continue
        descriptors = [_unquote(d) for d in key.split(",")]
        name, spec = _descriptor_name(descriptors[0])
        version = block.get("version")
        if not isinstance(version, str):
            raise LockfileError(f"{rel}: entry {key[:60]!r} has no version")
        alias = None
        real = split_alias(spec)
        kind = SourceKind.of_spec(spec)
        if real is not None:
            alias, name, kind = name, real[0], SourceKind.REGISTRY
        resolved = block.get("resolved")
        if isinstance(resolved, str) and kind is SourceKind.REGISTRY and "#" in resolved:
            kind = SourceKind.GIT if resolved.startswith(("git", "github:")) else kind
        node_key = f"{name}@{version}" if kind is SourceKind.REGISTRY else descriptors[0]
        edges = []
        for section in ("dependencies", "optionalDependencies"):
            deps = block.get(section)
            if isinstance(deps, dict):
                edges += [Edge(d, s, f"{d}@{s}") for d, s in deps.items() if isinstance(s, str)]
        nodes[node_key] = LockNode(node_key, name, version, kind, alias, tuple(edges))
        for descriptor in descriptors:
            by_descriptor[descriptor] = node_key
    # Edges named descriptors; point them at node keys now that every block is known.
    for key, node in list(nodes.items()):
        relinked = tuple(
            Edge(e.name, e.spec, by_descriptor.get(e.target or ""), e.scope) for e in node.edges
        )
        nodes[key] = LockNode(node.key, node.name, node.version, node.kind, node.alias, relinked)
    roots = tuple(
        Edge(d.name, d.spec, by_descriptor.get(f"{d.name}@{d.spec}"), d.scope)
        for d in declared(manifest)
    )
    return LockGraph(nodes, roots, str(manifest.get("name") or "."))
