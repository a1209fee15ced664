"""Find a project's lockfiles and read each into packages, or fall back to node_modules and
then to package.json ranges (with lower confidence)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nodeward.deps.lockfiles import npm, pnpm, yarn_berry, yarn_classic
from nodeward.deps.lockfiles.interface import LockfileError, LockGraph, Package, flatten
from nodeward.deps.lockfiles.manifest import declared_graph, installed_graph, read_manifest
from nodeward.findings import Confidence, Skip

Parser = Callable[[str, str, Mapping[str, Any]], LockGraph]

#: Lockfile names in the order a package manager prefers them within one folder.
LOCKFILES = ("npm-shrinkwrap.json", "package-lock.json", "pnpm-lock.yaml", "yarn.lock")


@dataclass(frozen=True)
class Inventory:
    packages: tuple[Package, ...]
    skips: tuple[Skip, ...]
    manifests: tuple[str, ...]  # the lockfiles (or package.json files) the packages came from


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


def load_packages(root: Path, lockfile_rels: list[str], manifest_rels: list[str]) -> Inventory:
    """Packages of every project folder: its lockfile, else node_modules, else package.json."""
    packages: list[Package] = []
    skips: list[Skip] = []
    sources: list[str] = []
    folders = {posixpath.dirname(rel) for rel in lockfile_rels}
    for folder in sorted(folders):
        present = [r for r in lockfile_rels if posixpath.dirname(r) == folder]
        chosen = min(present, key=lambda r: LOCKFILES.index(posixpath.basename(r)))
        manifest = read_manifest(root / folder / "package.json")
        result = read_lockfile(root / chosen, chosen, manifest)
        if isinstance(result, Skip):
            skips.append(result)
            continue
        packages += result
        sources.append(chosen)
    # Folders with a package.json but no lockfile, unless a lockfile above covers them
    # (workspaces share the root's lockfile).
    for rel in sorted(manifest_rels):
        folder = posixpath.dirname(rel)
        if any(folder == f or folder.startswith(f + "/") or not f for f in folders):
            continue
        manifest = read_manifest(root / rel)
        graph = installed_graph(root / folder, manifest)
        confidence = Confidence.MEDIUM
        if graph is None:
            graph, confidence = declared_graph(manifest), Confidence.LOW
        packages += flatten(graph, rel, confidence)
        sources.append(rel)
    return Inventory(tuple(packages), tuple(skips), tuple(sources))
