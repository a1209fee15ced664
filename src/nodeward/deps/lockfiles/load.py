"""Find a project's lockfiles and read each into packages, or fall back to node_modules and
then to the versions package.json pins (exact versions; ranges only when resolved with
--resolve-ranges). A broken lockfile is a Skip and its folder falls back the same way."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nodeward.deps.lockfiles import npm, pnpm, yarn_berry, yarn_classic
from nodeward.deps.lockfiles.interface import LockfileError, LockGraph, Package, flatten
from nodeward.deps.lockfiles.manifest import (
    Unresolved,
    declared_graph,
    installed_graph,
    read_manifest,
    registry_ranges,
)
from nodeward.findings import Confidence, Skip

Parser = Callable[[str, str, Mapping[str, Any]], LockGraph]
#: --resolve-ranges: (registry name, range) pairs -> the version npm would install today.
Resolver = Callable[[list[tuple[str, str]]], Mapping[tuple[str, str], str]]

#: Lockfile names in the order a package manager prefers them within one folder.
LOCKFILES = ("npm-shrinkwrap.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock")


@dataclass(frozen=True)
class Inventory:
    packages: tuple[Package, ...]
    skips: tuple[Skip, ...]
    manifests: tuple[str, ...]  # the lockfiles (or package.json files) the packages came from
    #: Declared dependencies left unchecked: no lockfile and a range nothing resolved.
    unresolved: tuple[Unresolved, ...] = ()


def parser_for(name: str, text: str) -> Parser:
    match name:
        case "package-lock.json" | "npm-shrinkwrap.json":
            return npm.parse
        case "pnpm-lock.yaml":
            return pnpm.parse
        case _:
            return yarn_berry.parse if "__metadata:" in text[:2000] else yarn_classic.parse


def read_lockfile(path: Path, rel: str, manifest: Mapping[str, Any]) -> list[Package] | Skip:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return Skip(rel, f"cannot read lockfile: {error}")
    try:
        graph = parser_for(path.name, text)(text, rel, manifest)
    except LockfileError as error:
        return Skip(rel, str(error).removeprefix(f"{rel}: "))
    except RecursionError:
        return Skip(rel, "lockfile nesting too deep")
    return flatten(graph, rel, Confidence.HIGH)


def load_packages(
    root: Path,
    lockfile_rels: list[str],
    manifest_rels: list[str],
    resolve: Resolver | None = None,
) -> Inventory:
    """Packages of every project folder: its lockfile (the next one when it is broken),
    else node_modules, else the declared versions package.json pins."""
    packages: list[Package] = []
    skips: list[Skip] = []
    sources: list[str] = []
    unresolved: list[Unresolved] = []
    folders: set[str] = set()
    for folder in sorted({posixpath.dirname(rel) for rel in lockfile_rels}):
        present = [r for r in lockfile_rels if posixpath.dirname(r) == folder]
        manifest = read_manifest(root / folder / "package.json", root)
        for chosen in sorted(present, key=lambda r: LOCKFILES.index(posixpath.basename(r))):
            result = read_lockfile(root / chosen, chosen, manifest)
            if isinstance(result, Skip):
                skips.append(result)
                continue
            packages += result
            sources.append(chosen)
            folders.add(folder)
            break
    # Folders with a package.json but no usable lockfile, unless a lockfile above covers
    # them (workspaces share the root's lockfile).
    for rel in sorted(manifest_rels):
        folder = posixpath.dirname(rel)
        if any(folder == f or folder.startswith(f + "/") or not f for f in folders):
            continue
        found, missing, skip = _from_manifest(root, rel, resolve)
        packages += found
        unresolved += missing
        if skip is not None:
            skips.append(skip)
        if found:
            sources.append(rel)
    return Inventory(tuple(packages), tuple(skips), tuple(sources), tuple(unresolved))


def _from_manifest(
    root: Path, rel: str, resolve: Resolver | None
) -> tuple[list[Package], list[Unresolved], Skip | None]:
    """One folder without a lockfile: node_modules' versions, exact pins, resolved ranges;
    the Skip says what stays unchecked."""
    manifest = read_manifest(root / rel, root)
    packages: list[Package] = []
    graph = installed_graph(root / posixpath.dirname(rel), manifest, root)
    installed = {edge.name for edge in graph.roots} if graph is not None else set()
    if graph is not None:
        packages += flatten(graph, rel, Confidence.MEDIUM)
    ranges = registry_ranges(manifest, installed)
    wanted = [(name, spec) for _declared, name, spec in ranges]
    versions = resolve(wanted) if resolve is not None and wanted else {}
    resolved = {d: versions[(n, s)] for d, n, s in ranges if (n, s) in versions}
    for package in flatten(declared_graph(manifest, resolved, installed), rel, Confidence.MEDIUM):
        # A resolved range is what `npm install` would pick today, not what is installed.
        ranged = bool(package.path) and package.path[0].name in resolved
        packages.append(replace(package, confidence=Confidence.LOW) if ranged else package)
    missing = [Unresolved(rel, n, s) for d, n, s in ranges if d not in resolved]
    if not packages and not missing:
        return packages, missing, None
    hint = "" if resolve is not None else ", or pass --resolve-ranges"
    if missing:
        listed = ", ".join(f"{u.name} {u.spec}" for u in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        noun = "dependency" if len(missing) == 1 else "dependencies"
        unchecked = f"{len(missing)} declared {noun} not checked ({listed}{more}), nor"
    else:
        unchecked = "not checked:"
    reason = f"no lockfile: {unchecked} any dependency of a dependency; commit the lockfile{hint}"
    return packages, missing, Skip(rel, reason)
