"""pnpm-lock.yaml, lockfile versions 5.x (pnpm 7), 6.x (pnpm 8) and 9.0 (pnpm 9 and 10).

The three layouts differ in how a package is keyed (`/name/1.0.0_peer@1`, `/name@1.0.0(peer@1)`,
`name@1.0.0(peer@1)`) and where its dependencies live (`packages`, or `snapshots` in 9.0);
`_Layout` holds the difference so the walk is written once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nodeward.deps.lockfiles.interface import (
    Edge,
    LockfileError,
    LockGraph,
    LockNode,
    Scope,
    SourceKind,
    split_name_version,
)
from nodeward.deps.lockfiles.manifest import SECTIONS
from nodeward.deps.lockfiles.yarn_berry import load_yaml

_V5_KEY = re.compile(r"^/?(@[^/]+/[^/]+|[^/]+)/([^_/]+)(?:_.*)?$")


def without_peers(key: str) -> str:
    r"""`/a@1.0.0(b@2.0.0)(c@3.0.0)` -> `/a@1.0.0`: the peer suffix runs from the first `(`
    of the last line to the `)` that ends the key. This is `re.sub(r"\(.*\)$", "", key)`
    without the regex, which reads the rest of the line again from every `(`."""
    body, newline = (key[:-1], "\n") if key.endswith("\n") else (key, "")
    first = body.find("(", body.rfind("\n") + 1)
    if first == -1 or not body.endswith(")"):
        return key
    return body[:first] + newline


@dataclass(frozen=True)
class _Layout:
    major: int

    def key(self, name: str, reference: str) -> str:
        """The packages/snapshots key an importer or dependency reference points at."""
        if reference.startswith("file:") and self.major >= 9:
            return f"{name}@{reference}"
        if reference.startswith(("file:", "link:", "/")):
            return reference
        bare = without_peers(reference)
        if self.major >= 9 and "@" in bare[1:]:
            return reference  # an alias: `lodash@4.17.21`
        if self.major == 5:
            return f"/{name}/{reference}"
        return f"/{name}@{reference}" if self.major == 6 else f"{name}@{reference}"

    def name_version(self, key: str, entry: Mapping[str, Any]) -> tuple[str, str] | None:
        if isinstance(entry.get("name"), str):  # aliases, folders and tarballs
            return str(entry["name"]), str(entry.get("version") or key)
        if self.major == 5:
            match = _V5_KEY.match(key)
            return (match.group(1), match.group(2)) if match else None
        name, version = split_name_version(without_peers(key.removeprefix("/")))
        return (name, version) if version else None


def _major(version: Any, rel: str) -> int:
    text = str(version)
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if 5.0 <= number < 6.0:
        return 5
    if 6.0 <= number < 7.0:
        return 6
    if 9.0 <= number < 10.0:
        return 9
    raise LockfileError(
        f"{rel}: unsupported pnpm lockfileVersion {text!r} (nodeward reads 5.x, 6.x and 9.0)"
    )


def _kind(key: str, entry: Mapping[str, Any]) -> SourceKind:
    if key.startswith("link:"):
        return SourceKind.LINK
    resolution = entry.get("resolution")
    if key.startswith("file:") or (
        isinstance(resolution, dict) and resolution.get("type") == "directory"
    ):
        return SourceKind.FILE
    if isinstance(resolution, dict) and (resolution.get("type") == "git" or "commit" in resolution):
        return SourceKind.GIT
    if isinstance(resolution, dict) and "tarball" in resolution and "integrity" not in resolution:
        return SourceKind.OTHER
    return SourceKind.REGISTRY


def _reference(value: Any) -> str | None:
    if isinstance(value, dict):  # 6.0 and 9.0 importers: {specifier, version}
        value = value.get("version")
    return str(value) if value is not None else None


def _importer_edges(layout: _Layout, importer: Mapping[str, Any]) -> list[Edge]:
    specifiers = importer.get("specifiers")
    specifiers = specifiers if isinstance(specifiers, dict) else {}
    edges = []
    for section, scope in SECTIONS:
        deps = importer.get(section)
        if not isinstance(deps, dict):
            continue
        for name, value in deps.items():
            reference = _reference(value)
            if reference is None:
                continue
            spec = value.get("specifier") if isinstance(value, dict) else specifiers.get(name)
            edges.append(
                Edge(str(name), str(spec or reference), layout.key(str(name), reference), scope)
            )
    return edges


def parse(text: str, rel: str, manifest: Mapping[str, Any]) -> LockGraph:
    data = load_yaml(text, rel)
    layout = _Layout(_major(data.get("lockfileVersion"), rel))
    packages = data.get("packages") or {}
    snapshots = data.get("snapshots") if layout.major >= 9 else None
    entries: Mapping[str, Any] = snapshots if isinstance(snapshots, dict) else packages
    if not isinstance(entries, dict) or not isinstance(packages, dict):
        raise LockfileError(f"{rel}: `packages` is not a mapping")
    nodes: dict[str, LockNode] = {}
    for key, entry in entries.items():
        if not isinstance(key, str):  # YAML keys can be numbers, booleans, dates
            continue
        entry = entry if isinstance(entry, dict) else {}
        # 9.0 keeps name/version/resolution in `packages` under the key without peers.
        described = packages.get(without_peers(key), entry) if snapshots else entry
        described = described if isinstance(described, dict) else {}
        found = layout.name_version(key, described)
        if found is None:
            continue
        name, version = found
        edges = []
        for section in ("dependencies", "optionalDependencies"):
            deps = entry.get(section)
            if isinstance(deps, dict):
                edges += [Edge(str(d), str(v), layout.key(str(d), str(v))) for d, v in deps.items()]
        dev = described.get("dev")
        nodes[key] = LockNode(
            key,
            name,
            version,
            _kind(key, described),
            None,
            tuple(edges),
            dev_hint=dev if isinstance(dev, bool) else None,
        )
    importers = data.get("importers")
    if not isinstance(importers, dict):  # a single project keeps its sections at the top
        importers = {".": data}
    roots: list[Edge] = []
    for path, importer in importers.items():
        if not isinstance(importer, dict):
            continue
        edges = _importer_edges(layout, importer)
        if path == ".":
            roots += edges
            continue
        key = f"workspace:{path}"
        nodes[key] = LockNode(
            key, str(path), "0.0.0-workspace", SourceKind.WORKSPACE, None, tuple(edges)
        )
        roots.append(Edge(str(path), "workspace:" + str(path), key, Scope.PROD))
    # Aliases: the importer names `my-lodash`, the package is `lodash`.
    for edge in [*roots, *(e for n in list(nodes.values()) for e in n.edges)]:
        node = nodes.get(edge.target or "")
        if node is not None and node.name != edge.name and node.kind is SourceKind.REGISTRY:
            nodes[node.key] = LockNode(
                node.key, node.name, node.version, node.kind, edge.name, node.edges, node.dev_hint
            )
    return LockGraph(nodes, tuple(roots), str(manifest.get("name") or "."))
