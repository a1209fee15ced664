"""package-lock.json (v1, v2, v3) and npm-shrinkwrap.json."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from typing import Any

from nodeward.deps.lockfiles.interface import (
    Edge,
    LockfileError,
    LockGraph,
    LockNode,
    Scope,
    SourceKind,
    split_alias,
)
from nodeward.deps.lockfiles.manifest import SECTIONS, declared

SUPPORTED_VERSIONS = (1, 2, 3)


def parse(text: str, rel: str, manifest: Mapping[str, Any]) -> LockGraph:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LockfileError(
            f"{rel}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(data, dict):
        raise LockfileError(f"{rel}: not a JSON object")
    version = data.get("lockfileVersion", 1)
    if version not in SUPPORTED_VERSIONS:
        raise LockfileError(
            f"{rel}: unsupported lockfileVersion {version!r} (nodeward reads 1, 2 and 3)"
        )
    packages = data.get("packages")
    if version >= 2 and isinstance(packages, dict):
        return _from_packages(packages, str(data.get("name") or "."))
    # v3 has nothing but `packages`; a v2 file with a `packages` of the wrong shape is as
    # broken. Reading on from `dependencies` would pass a damaged lockfile off as empty.
    if version >= 3 or packages is not None:
        raise LockfileError(f'{rel}: "packages" is {_kind(packages)}, not an object')
    return _from_v1(data, manifest)


def _kind(value: object) -> str:
    return "missing" if value is None else f"a JSON {type(value).__name__}"


# -- v2/v3: a flat map of install paths -------------------------------------------------


def _resolve(packages: Mapping[str, Any], from_path: str, name: str) -> str | None:
    """Node's lookup: `<from>/node_modules/<name>`, then each ancestor's node_modules."""
    base = from_path
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut >= 0 else ""


def _follow_link(packages: Mapping[str, Any], key: str | None) -> str | None:
    entry = packages.get(key) if key is not None else None
    if isinstance(entry, dict) and entry.get("link") and isinstance(entry.get("resolved"), str):
        target = posixpath.normpath(entry["resolved"])
        return target if target in packages else key
    return key


def _edges(packages: Mapping[str, Any], path: str, entry: Mapping[str, Any]) -> list[Edge]:
    edges = []
    for section, scope in SECTIONS:
        deps = entry.get(section)
        if not isinstance(deps, dict):
            continue
        for name, spec in deps.items():
            target = _follow_link(packages, _resolve(packages, path, str(name)))
            edges.append(Edge(str(name), str(spec), target, scope))
    return edges


def _from_packages(packages: dict[str, Any], root_name: str) -> LockGraph:
    nodes: dict[str, LockNode] = {}
    for key, entry in packages.items():
        if key == "" or not isinstance(entry, dict) or entry.get("link"):
            continue
        installed_as = key.rsplit("node_modules/", 1)[-1] if "node_modules/" in key else None
        version = entry.get("version")
        name = entry.get("name") or installed_as or key
        resolved = str(entry.get("resolved") or "")
        if installed_as is None:  # a workspace or file: folder, stored by its own path
            kind = SourceKind.FILE if key in _file_paths(packages) else SourceKind.WORKSPACE
        elif resolved.startswith(("git", "github:")):
            kind = SourceKind.GIT
        elif resolved.startswith("file:"):
            kind = SourceKind.FILE
        else:
            kind = SourceKind.REGISTRY
        if not isinstance(version, str):
            version = "0.0.0-unversioned" if kind is not SourceKind.REGISTRY else ""
            if not version:
                continue
        alias = installed_as if installed_as and installed_as != name else None
        edges = tuple(_edges(packages, key, entry))
        nodes[key] = LockNode(
            key, str(name), version, kind, alias, edges, dev_hint=bool(entry.get("dev"))
        )
    root = packages.get("", {})
    roots = _edges(packages, "", root) if isinstance(root, dict) else []
    for ws in _workspace_paths(packages) - _file_paths(packages):
        if ws in nodes:  # npm installs workspaces as the root's own dependencies
            roots.append(Edge(nodes[ws].name, "workspace:" + ws, ws, Scope.PROD))
    return LockGraph(nodes, tuple(roots), root_name)


def _file_paths(packages: Mapping[str, Any]) -> set[str]:
    """Folders the root depends on with `file:` (linked like workspaces, but not ones)."""
    root = packages.get("")
    paths = set()
    for section, _scope in SECTIONS:
        deps = root.get(section) if isinstance(root, dict) else None
        for spec in deps.values() if isinstance(deps, dict) else ():
            if isinstance(spec, str) and spec.startswith("file:"):
                paths.add(posixpath.normpath(spec[5:]))
    return paths


def _workspace_paths(packages: Mapping[str, Any]) -> set[str]:
    paths = set()
    for entry in packages.values():
        if isinstance(entry, dict) and entry.get("link") and isinstance(entry.get("resolved"), str):
            paths.add(posixpath.normpath(entry["resolved"]))
    return paths


# -- v1: nested "dependencies" -----------------------------------------------------------


def _from_v1(data: dict[str, Any], manifest: Mapping[str, Any]) -> LockGraph:
    flat: dict[str, dict[str, Any]] = {}

    def collect(deps: Any, prefix: str) -> None:
        if not isinstance(deps, dict):
            return
        for name, entry in deps.items():
            if isinstance(entry, dict):
                key = f"{prefix}node_modules/{name}"
                flat[key] = entry
                collect(entry.get("dependencies"), key + "/")

    collect(data.get("dependencies"), "")
    nodes: dict[str, LockNode] = {}
    for key, entry in flat.items():
        installed_as = key.rsplit("node_modules/", 1)[-1]
        version = str(entry.get("version") or "")
        name = installed_as
        alias_of = split_alias(version)
        kind = SourceKind.of_spec(version)
        alias = None
        if alias_of is not None:
            name, version = alias_of
            alias = installed_as
            kind = SourceKind.REGISTRY
        elif kind is not SourceKind.REGISTRY:
            kind = SourceKind.WORKSPACE if version.startswith("file:packages") else kind
        requires = entry.get("requires")
        edges = []
        if isinstance(requires, dict):
            for dep, spec in requires.items():
                edges.append(Edge(str(dep), str(spec), _resolve(flat, key, str(dep))))
        nodes[key] = LockNode(
            key, name, version, kind, alias, tuple(edges), dev_hint=bool(entry.get("dev"))
        )
    root_name = str(data.get("name") or ".")
    workspaces = [
        Edge(n.name, n.version, k, Scope.PROD)
        for k, n in nodes.items()
        if n.kind is SourceKind.WORKSPACE and k.count("node_modules/") == 1
    ]
    listed = [
        Edge(d.name, d.spec, f"node_modules/{d.name}", d.scope)
        for d in declared(manifest)
        if f"node_modules/{d.name}" in nodes
    ]
    if listed:  # v1 does not record the root's dependencies: package.json does
        return LockGraph(nodes, (*listed, *workspaces), root_name)
    # No package.json: every top-level entry that no other package requires is taken as
    # direct, its scope from the lockfile's dev/optional flags.
    required = {e.target for n in nodes.values() for e in n.edges}
    roots = []
    for key, entry in flat.items():
        if key.count("node_modules/") != 1 or key in required:
            continue
        scope = (
            Scope.DEV
            if entry.get("dev")
            else Scope.OPTIONAL
            if entry.get("optional")
            else Scope.PROD
        )
        node = nodes[key]
        roots.append(Edge(node.alias or node.name, node.version, key, scope))
    return LockGraph(nodes, tuple(roots), root_name)
