"""package.json as the lockfiles see it: the root's declared dependencies and their scope,
and the last-resort package list when there is no lockfile at all."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nodeward.deps import semver
from nodeward.deps.lockfiles.interface import (
    Edge,
    LockGraph,
    LockNode,
    Scope,
    SourceKind,
    split_alias,
)

#: package.json sections in the order that decides a name's scope when it is in several.
SECTIONS: tuple[tuple[str, Scope], ...] = (
    ("dependencies", Scope.PROD),
    ("optionalDependencies", Scope.OPTIONAL),
    ("peerDependencies", Scope.PEER),
    ("devDependencies", Scope.DEV),
)


@dataclass(frozen=True)
class Declared:
    name: str
    spec: str
    scope: Scope


def declared(manifest: Mapping[str, Any]) -> list[Declared]:
    """The root's dependencies, each once, with its strongest scope."""
    seen: dict[str, Declared] = {}
    for section, scope in SECTIONS:
        entries = manifest.get(section)
        if not isinstance(entries, dict):
            continue
        for name, spec in entries.items():
            if isinstance(name, str) and isinstance(spec, str) and name not in seen:
                seen[name] = Declared(name, spec, scope)
    return list(seen.values())


def scope_of(manifest: Mapping[str, Any]) -> dict[str, Scope]:
    return {d.name: d.scope for d in declared(manifest)}


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def installed_graph(root: Path, manifest: Mapping[str, Any]) -> LockGraph | None:
    """No lockfile: the versions in node_modules/*/package.json, when installed."""
    modules = root / "node_modules"
    if not modules.is_dir():
        return None
    nodes: dict[str, LockNode] = {}
    roots = []
    for item in declared(manifest):
        data = read_manifest(modules / item.name / "package.json")
        version = data.get("version")
        if not isinstance(version, str):
            continue
        real = data.get("name") if isinstance(data.get("name"), str) else item.name
        key = f"node_modules/{item.name}"
        kind = SourceKind.of_spec(item.spec)
        alias = item.name if real != item.name else None
        nodes[key] = LockNode(key, str(real), version, kind, alias)
        roots.append(Edge(item.name, item.spec, key, item.scope))
    return LockGraph(nodes, tuple(roots), str(manifest.get("name") or "."))


def declared_graph(manifest: Mapping[str, Any]) -> LockGraph:
    """Nothing installed either: the lowest version each declared range allows -- a guess,
    so these packages are reported with low confidence."""
    nodes: dict[str, LockNode] = {}
    roots = []
    for item in declared(manifest):
        name, spec = item.name, item.spec
        alias = split_alias(spec)
        if alias is not None:
            name, spec = alias
        kind = SourceKind.of_spec(spec)
        version = lowest_allowed(spec) if kind is SourceKind.REGISTRY else spec
        if version is None:
            continue
        key = f"declared/{item.name}"
        nodes[key] = LockNode(key, name, version, kind, item.name if alias else None)
        roots.append(Edge(item.name, item.spec, key, item.scope))
    return LockGraph(nodes, tuple(roots), str(manifest.get("name") or "."))


def lowest_allowed(spec: str) -> str | None:
    """The lowest release a range's comparators admit (`^4.17.4` -> 4.17.4)."""
    try:
        sets = semver.parse_range(spec)
    except semver.InvalidVersion:
        return None
    lows = []
    for comparators in sets:
        floor = semver.Version(0, 0, 0)
        for op, bound in comparators:
            if op in (">=", "=") and bound > floor:
                floor = semver.Version(bound.major, bound.minor, bound.patch, bound.prerelease)
        lows.append(floor)
    return str(min(lows)) if lows else None
