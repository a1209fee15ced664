"""Where a vulnerable package sits in the project: every chain that pulls it in, the
package.json line of the direct dependency each chain starts from (where the fix goes),
its lockfile entry, the workspace and the package manager. Files are read once per scan."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from nodeward.deps import anchors
from nodeward.deps.chains import Chain, ChainIndex, Link, is_workspace
from nodeward.deps.lockfiles.interface import Package
from nodeward.deps.lockfiles.manifest import read_manifest
from nodeward.deps.managers import ROOT, Manager, Workspace

#: Bytes of a lockfile read to tell yarn berry from yarn classic (as the loader does).
_HEAD = 2000


@dataclass(frozen=True)
class Anchor:
    """A direct dependency's line in a package.json (line 1 when it cannot be found)."""

    manifest: str
    line: int


@dataclass(frozen=True)
class Route:
    """One chain, split into the workspace it starts in and the dependency steps."""

    workspace: Workspace
    steps: tuple[Link, ...]  # the direct dependency first, the package last
    anchor: Anchor | None  # None when the project has no package.json there

    def __str__(self) -> str:
        where = f"{self.workspace.folder} (workspace): " if self.workspace.folder else ""
        return where + " > ".join(str(link) for link in self.steps)


@dataclass(frozen=True)
class Placed:
    manager: Manager
    routes: tuple[Route, ...]  # the one flatten chose first, then the others, shortest first
    lockfile_line: int | None  # None when the packages came from package.json


class Placement:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._indexes: dict[int, ChainIndex] = {}
        self._texts: dict[str, str] = {}
        self._key_lines: dict[str, dict[tuple[str, ...], int] | None] = {}
        self._names: dict[str, str] = {}
        self._lockfiles: dict[str, anchors.LockfileLines] = {}

    def _text(self, rel: str) -> str:
        if rel not in self._texts:
            try:
                self._texts[rel] = (self.root / rel).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[rel] = ""
        return self._texts[rel]

    def _package_json_lines(self, rel: str) -> dict[tuple[str, ...], int] | None:
        if rel not in self._key_lines:
            exists = (self.root / rel).is_file()
            self._key_lines[rel] = anchors.json_key_lines(self._text(rel)) if exists else None
        return self._key_lines[rel]

    def _workspace_name(self, folder: str) -> str:
        if folder not in self._names:
            name = read_manifest(self.root / folder / "package.json", self.root).get("name")
            self._names[folder] = name if isinstance(name, str) else ""
        return self._names[folder]

    def place(self, package: Package) -> Placed:
        is_lockfile = posixpath.basename(package.manifest) != "package.json"
        folder = posixpath.dirname(package.manifest)
        manager = (
            Manager.of_lockfile(package.manifest, self._text(package.manifest)[:_HEAD])
            if is_lockfile
            else Manager.NPM
        )
        chains = self._chains(package)
        routes = tuple(self._route(folder, chain) for chain in chains)
        if not routes:  # nothing in the project requires it: point at what there is
            name = package.alias or package.name
            routes = (Route(ROOT, (), None if is_lockfile else self._anchor(folder, ROOT, name)),)
        line = None
        if is_lockfile:
            lines = self._lockfiles.get(package.manifest)
            if lines is None:
                text = self._text(package.manifest)
                lines = anchors.LockfileLines(posixpath.basename(package.manifest), text)
                self._lockfiles[package.manifest] = lines
            line = lines.line(package.key, package.alias or package.name, package.version)
        return Placed(manager, routes, line)

    def _chains(self, package: Package) -> list[Chain]:
        graph = package.graph
        if graph is None:
            return []
        index = self._indexes.get(id(graph))
        if index is None or index.graph is not graph:
            index = self._indexes[id(graph)] = ChainIndex(graph)
        chains = index.chains(package.key)
        # The chain the package's path (and its scope) came from leads.
        wanted = tuple(str(step) for step in package.path)
        chains.sort(key=lambda c: tuple(str(link) for link in c) != wanted)
        return chains

    def _route(self, folder: str, chain: Chain) -> Route:
        workspace = ROOT
        steps = chain
        if chain and is_workspace(chain[0]):
            node = chain[0].node
            key = node.key
            ws_folder = key.split("workspace:", 1)[1] if "workspace:" in key else key
            if node.version.startswith("file:"):  # package-lock v1: the folder is the version
                ws_folder = node.version[5:]
            ws_folder = posixpath.normpath(ws_folder.removeprefix("./"))
            full = posixpath.join(folder, ws_folder)
            workspace = Workspace(ws_folder, self._workspace_name(full))
            steps = chain[1:]
        anchor = self._anchor(folder, workspace, steps[0].edge.name) if steps else None
        return Route(workspace, tuple(steps), anchor)

    def _anchor(self, folder: str, workspace: Workspace, name: str) -> Anchor | None:
        rel = posixpath.join(folder, workspace.folder, "package.json").removeprefix("./")
        lines = self._package_json_lines(rel)
        if lines is None:
            return None
        return Anchor(rel, anchors.dependency_line(lines, name) or 1)
