"""Finds the files nodeward analyzes, honouring .gitignore, and records what it passes over."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pathspec

from nodeward.findings import Skip

SCRIPT_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"})
TEMPLATE_SUFFIXES = frozenset({".ejs", ".pug", ".jade", ".hbs", ".handlebars", ".njk", ".html"})
LOCKFILE_NAMES = frozenset(
    {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}
)
#: Lockfiles are data, not source: --max-file-size (meant for scripts) does not apply to
#: them, this bound does (the largest real lockfiles are tens of megabytes).
LOCKFILE_MAX_BYTES = 256_000_000
ALWAYS_PRUNED_DIRS = frozenset({".git", ".hg", ".svn", "bower_components", ".nodeward-cache"})
MINIFIED_NAME = re.compile(r"[.-](min|bundle|packed|prod)\.[cm]?js$|\.chunk\.[cm]?js$", re.I)
_K8S_MARKERS = (re.compile(rb"^apiVersion:", re.M), re.compile(rb"^kind:", re.M))


class FileKind(Enum):
    SCRIPT = "script"
    TEMPLATE = "template"
    PACKAGE_JSON = "package.json"
    LOCKFILE = "lockfile"
    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"
    STATIC_LIBRARY = "static-library"  # minified or bundled JS: not analyzed as source


@dataclass(frozen=True)
class DiscoveredFile:
    path: Path
    rel: str
    kind: FileKind
    size: int


@dataclass
class Inventory:
    root: Path
    files: list[DiscoveredFile] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)

    def of_kind(self, kind: FileKind) -> list[DiscoveredFile]:
        return [f for f in self.files if f.kind is kind]


@dataclass(frozen=True)
class DiscoveryOptions:
    include_node_modules: bool = False
    max_file_size: int = 2_000_000
    exclude: tuple[str, ...] = ()


def classify(name: str, path: Path) -> FileKind | None:
    """The kind of a file from its name (and, for YAML, its first bytes)."""
    lower = name.lower()
    suffix = Path(lower).suffix
    if lower in LOCKFILE_NAMES:
        return FileKind.LOCKFILE
    if lower == "package.json":
        return FileKind.PACKAGE_JSON
    if lower.startswith("dockerfile") or lower.endswith(".dockerfile"):
        return FileKind.DOCKERFILE
    if suffix in (".yml", ".yaml"):
        if lower.startswith(("docker-compose", "compose.", "compose-")):
            return FileKind.COMPOSE
        return FileKind.KUBERNETES if _looks_like_kubernetes(path) else None
    if suffix in SCRIPT_SUFFIXES:
        if MINIFIED_NAME.search(lower) or lower.endswith(".d.ts"):
            return FileKind.STATIC_LIBRARY if not lower.endswith(".d.ts") else None
        return FileKind.SCRIPT
    if suffix in TEMPLATE_SUFFIXES:
        return FileKind.TEMPLATE
    return None


def _looks_like_kubernetes(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    return all(marker.search(head) for marker in _K8S_MARKERS)


class _IgnoreRules:
    """.gitignore files found on the way down, each applying to its own folder."""

    def __init__(self, extra: tuple[str, ...]) -> None:
        self._specs: list[tuple[str, pathspec.PathSpec[Any]]] = []
        #: --exclude patterns: they apply to every file, lockfiles included.
        self._exclude = pathspec.PathSpec.from_lines("gitignore", extra) if extra else None

    def load(self, directory: Path, rel_dir: str) -> None:
        gitignore = directory / ".gitignore"
        try:
            lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        self._specs.append((rel_dir, pathspec.PathSpec.from_lines("gitignore", lines)))

    def ignored(self, rel: str, is_dir: bool, *, gitignore: bool = True) -> bool:
        """Whether --exclude or (when `gitignore`) a .gitignore leaves `rel` out."""
        if self._exclude is not None and self._exclude.match_file(rel + "/" if is_dir else rel):
            return True
        if not gitignore:
            return False
        for base, spec in self._specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            if spec.match_file(sub + "/" if is_dir else sub):
                return True
        return False


def discover(root: Path, options: DiscoveryOptions) -> Inventory:
    """Walk `root` (a folder or a single file) and classify what nodeward can analyze."""
    root = root.resolve() if not root.is_symlink() else root.absolute()
    inventory = Inventory(root=root if root.is_dir() else root.parent)
    if root.is_file():
        _add_file(inventory, root, root.name, options)
        return inventory
    rules = _IgnoreRules(options.exclude)
    for path, rel in _walk(root, "", rules, options, {_real(root)}, inventory):
        _add_file(inventory, path, rel, options)
    inventory.files.sort(key=lambda f: f.rel)
    return inventory


def _real(path: Path) -> str:
    return os.path.realpath(path)


def _walk(
    directory: Path,
    rel_dir: str,
    rules: _IgnoreRules,
    options: DiscoveryOptions,
    ancestors: set[str],
    inventory: Inventory,
) -> Iterator[tuple[Path, str]]:
    rules.load(directory, rel_dir)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as error:
        inventory.skips.append(Skip(rel_dir or ".", f"cannot read folder: {error.strerror}"))
        return
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name in ALWAYS_PRUNED_DIRS:
                continue
            if entry.name == "node_modules" and not options.include_node_modules:
                continue
            if rules.ignored(rel, is_dir=True):
                continue
            real = _real(path)
            if entry.is_symlink() and (real in ancestors or not Path(real).exists()):
                inventory.skips.append(Skip(rel, "symlink loop: the link points back up the tree"))
                continue
            yield from _walk(path, rel, rules, options, ancestors | {real}, inventory)
        # Lockfiles are data, not source: a .gitignore'd lockfile still says what is installed.
        elif not rules.ignored(rel, is_dir=False, gitignore=entry.name not in LOCKFILE_NAMES):
            if entry.is_symlink() and not path.exists():
                inventory.skips.append(Skip(rel, "broken or looping symlink"))
                continue
            yield path, rel


def _add_file(inventory: Inventory, path: Path, rel: str, options: DiscoveryOptions) -> None:
    kind = classify(path.name, path)
    if kind is None:
        return
    try:
        size = path.stat().st_size
    except OSError as error:
        inventory.skips.append(Skip(rel, f"cannot read file: {error.strerror}"))
        return
    limit = LOCKFILE_MAX_BYTES if kind is FileKind.LOCKFILE else options.max_file_size
    if size > limit and kind is not FileKind.STATIC_LIBRARY:
        bound = "the lockfile limit" if kind is FileKind.LOCKFILE else "--max-file-size"
        inventory.skips.append(Skip(rel, f"file is {size:,} bytes, over {bound} ({limit:,} bytes)"))
        return
    inventory.files.append(DiscoveredFile(path=path, rel=rel, kind=kind, size=size))
