"""yarn.lock written by yarn berry (v2 and later): YAML with a __metadata block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nodeward.deps.lockfiles.interface import (
    Edge,
    LockfileError,
    LockGraph,
    LockNode,
    Scope,
    SourceKind,
)
from nodeward.deps.lockfiles.manifest import scope_of

#: __metadata.version values whose layout this parser knows (yarn 2 wrote 4, yarn 4 writes 8).
SUPPORTED_METADATA = range(4, 11)


def _split(descriptor: str) -> tuple[str, str]:
    at = descriptor.find("@", 1)
    return (descriptor, "") if at < 0 else (descriptor[:at], descriptor[at + 1 :])


def _kind(range_: str) -> SourceKind:
    protocol = range_.split(":", 1)[0] if ":" in range_ else "npm"
    match protocol:
        case "npm" | "patch":
            return SourceKind.REGISTRY
        case "workspace":
            return SourceKind.WORKSPACE
        case "link" | "portal":
            return SourceKind.LINK
        case "file":
            return SourceKind.FILE
        case _:
            return SourceKind.GIT if "git" in range_ or "#" in range_ else SourceKind.OTHER


def load_yaml(text: str, rel: str) -> dict[str, Any]:
    import yaml  # loaded with the first YAML lockfile, not with every scan

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise LockfileError(f"{rel}: invalid YAML at {where}") from None
    if not isinstance(data, dict):
        raise LockfileError(f"{rel}: not a YAML mapping")
    return data


def parse(text: str, rel: str, manifest: Mapping[str, Any]) -> LockGraph:
    data = load_yaml(text, rel)
    meta = data.get("__metadata")
    version = meta.get("version") if isinstance(meta, dict) else None
    try:
        known = int(str(version)) in SUPPORTED_METADATA
    except ValueError:
        known = False
    if not known:
        raise LockfileError(f"{rel}: unsupported yarn lockfile __metadata.version {version!r}")
    by_descriptor: dict[str, str] = {}
    raw: dict[str, dict[str, Any]] = {}
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        resolution = str(entry.get("resolution") or str(key).split(",")[0].strip())
        raw[resolution] = entry
        for descriptor in str(key).split(","):
            by_descriptor[descriptor.strip()] = resolution

    def target(name: str, range_: str) -> str | None:
        for candidate in (f"{name}@{range_}", f"{name}@npm:{range_}"):
            if candidate in by_descriptor:
                return by_descriptor[candidate]
        return None

    nodes: dict[str, LockNode] = {}
    root_key = None
    for resolution, entry in raw.items():
        installed_as, locator = _split(resolution)
        name = installed_as
        if locator.startswith("patch:"):  # patch:lodash@npm%3A4.17.21#... -> lodash
            name = _split(locator[6:].split("#")[0])[0]
        kind = _kind(locator)
        if kind is SourceKind.WORKSPACE and locator in ("workspace:.", "workspace:./"):
            root_key = resolution
        optional = entry.get("dependenciesMeta") or {}
        edges = []
        deps = entry.get("dependencies")
        if isinstance(deps, dict):
            for dep, range_ in deps.items():
                meta_of = optional.get(dep) if isinstance(optional, dict) else None
                is_optional = isinstance(meta_of, dict) and meta_of.get("optional")
                scope = Scope.OPTIONAL if is_optional else Scope.PROD
                edges.append(Edge(str(dep), str(range_), target(str(dep), str(range_)), scope))
        nodes[resolution] = LockNode(
            resolution, name, str(entry.get("version") or ""), kind, None, tuple(edges)
        )
    # Descriptors like `my-lodash@npm:lodash@4.17.21` resolve to `lodash@npm:4.17.21`:
    # the installed name is the descriptor's, the real name the resolution's.
    for descriptor, resolution in by_descriptor.items():
        installed_as = _split(descriptor)[0]
        node = nodes.get(resolution)
        if node is not None and node.name != installed_as and node.kind is SourceKind.REGISTRY:
            nodes[resolution] = LockNode(
                node.key, node.name, node.version, node.kind, installed_as, node.edges
            )
    scopes = scope_of(manifest)
    roots: list[Edge] = []
    if root_key is not None:
        for edge in nodes.pop(root_key).edges:
            scope = scopes.get(edge.name, edge.scope)
            if edge.scope is Scope.OPTIONAL and scope is Scope.PROD:
                scope = Scope.OPTIONAL
            roots.append(Edge(edge.name, edge.spec, edge.target, scope))
    roots += [
        Edge(n.name, "workspace", k, Scope.PROD)
        for k, n in nodes.items()
        if n.kind is SourceKind.WORKSPACE
    ]
    return LockGraph(nodes, tuple(roots), str(manifest.get("name") or "."))
