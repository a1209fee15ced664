"""package.json as the lockfiles see it: the root's declared dependencies and their scope,
and the last-resort package list when there is no lockfile at all."""

from __future__ import annotations

import json
import stat
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


#: A package.json larger than this is not read (real ones are a few kilobytes).
MAX_MANIFEST_BYTES = 4_000_000


def read_manifest(path: Path, root: Path) -> dict[str, Any]:
    """The JSON object in `path`, or {} when there is none to read. The path is built from
    the scanned tree (folder names, dependency names, lockfile keys), so it is read only
    when it stays inside `root` once symlinks are resolved, is a regular file (a FIFO would
    block) and is of a sane size."""
    try:
        real = path.resolve()
        if not real.is_relative_to(root.resolve()):
            return {}
        status = real.stat()
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_MANIFEST_BYTES:
            return {}
        data = json.loads(real.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError, RuntimeError):
        return {}
    return data if isinstance(data, dict) else {}


def installed_graph(folder: Path, manifest: Mapping[str, Any], root: Path) -> LockGraph | None:
    """No lockfile: the versions in `folder`/node_modules/*/package.json, when installed
    inside the scanned `root`."""
    modules = folder / "node_modules"
    if not modules.is_dir():
        return None
    nodes: dict[str, LockNode] = {}
    roots = []
    for item in declared(manifest):
        data = read_manifest(modules / item.name / "package.json", root)
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


def exact_version(spec: str) -> str | None:
    """The one version an exact specifier (`4.17.4`, `=4.17.4`, `v4.17.4`) allows."""
    parsed = semver.try_parse(spec)
    return str(parsed) if parsed is not None else None


@dataclass(frozen=True)
class Unresolved:
    """A declared registry dependency whose installed version nothing tells."""

    manifest: str  # the package.json it is declared in
    name: str  # the registry name (an alias's target)
    spec: str


def registry_ranges(manifest: Mapping[str, Any], skip: set[str]) -> list[tuple[str, str, str]]:
    """(declared name, registry name, range) of each declared registry dependency that is a
    range rather than one exact version, leaving out the declared names in `skip`."""
    ranges = []
    for item in declared(manifest):
        if item.name in skip:
            continue
        name, spec = split_alias(item.spec) or (item.name, item.spec)
        if SourceKind.of_spec(spec) is SourceKind.REGISTRY and exact_version(spec) is None:
            ranges.append((item.name, name, spec))
    return ranges


def declared_graph(
    manifest: Mapping[str, Any], resolved: Mapping[str, str], skip: set[str]
) -> LockGraph:
    """Nothing installed: the declared dependencies whose version is known -- exact pins,
    non-registry specifiers (listed, never matched) and the ranges in `resolved` (declared
    name -> version, from --resolve-ranges). Never the lowest version a range allows: a
    guess from the minimum reports versions nobody installed."""
    nodes: dict[str, LockNode] = {}
    roots = []
    for item in declared(manifest):
        if item.name in skip:
            continue
        name, spec = split_alias(item.spec) or (item.name, item.spec)
        kind = SourceKind.of_spec(spec)
        if kind is not SourceKind.REGISTRY:
            version: str | None = spec
        else:
            version = exact_version(spec) or resolved.get(item.name)
        if version is None:
            continue
        key = f"declared/{item.name}"
        alias = item.name if name != item.name else None
        nodes[key] = LockNode(key, name, version, kind, alias)
        roots.append(Edge(item.name, item.spec, key, item.scope))
    return LockGraph(nodes, tuple(roots), str(manifest.get("name") or "."))
