"""What every lockfile parser produces, and the packages the audit matches.

A parser builds a `LockGraph` (installed nodes and the edges between them, with the root
edges carrying their scope); `flatten` turns it into `Package`s with a dependency path
and a scope, so path and scope logic exists once for every format.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from nodeward.findings import Confidence


class LockfileError(Exception):
    """A lockfile that cannot be read: the message names the file and the position."""


class Scope(Enum):
    """How the root project depends on a package, strongest first."""

    PROD = "prod"
    OPTIONAL = "optional"
    PEER = "peer"
    DEV = "dev"


class SourceKind(Enum):
    """Where a package comes from; only registry packages are matched against advisories."""

    REGISTRY = "registry"
    WORKSPACE = "workspace"
    LINK = "link"
    FILE = "file"
    GIT = "git"
    OTHER = "other"

    @classmethod
    def of_spec(cls, spec: str) -> SourceKind:
        """The kind a version specifier or resolution string names."""
        lowered = spec.lower()
        if lowered.startswith("workspace:"):
            return cls.WORKSPACE
        if lowered.startswith(("link:", "portal:")):
            return cls.LINK
        if lowered.startswith(("file:", "./", "../", "/")):
            return cls.FILE
        if lowered.startswith(("git", "github:", "gitlab:", "bitbucket:")) or "#" in lowered:
            return cls.GIT
        if lowered.startswith(("http:", "https:", "patch:", "exec:")):
            return cls.OTHER
        return cls.REGISTRY


@dataclass(frozen=True)
class Edge:
    """`name` (as the dependent spells it, possibly an alias) requested with `spec`,
    resolved to node `target` (None when the lockfile does not say)."""

    name: str
    spec: str
    target: str | None
    scope: Scope = Scope.PROD


@dataclass(frozen=True)
class LockNode:
    """One installed package. `name` is the real package name; `alias` the name it is
    installed under when that differs (`"my-lodash": "npm:lodash@4.17.21"`)."""

    key: str
    name: str
    version: str
    kind: SourceKind = SourceKind.REGISTRY
    alias: str | None = None
    edges: tuple[Edge, ...] = ()
    dev_hint: bool | None = None  # the lockfile's own dev flag, when it records one


@dataclass(frozen=True)
class LockGraph:
    nodes: Mapping[str, LockNode]
    roots: tuple[Edge, ...]
    root_name: str = "."


@dataclass(frozen=True)
class Step:
    """One hop of a dependency path: the dependent asked for `name` with `spec`."""

    name: str
    version: str
    spec: str

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Package:
    """A package installed in the project, as the audit sees it."""

    name: str
    version: str
    manifest: str
    scope: Scope
    kind: SourceKind
    path: tuple[Step, ...]  # root's direct dependency first, this package last
    root_name: str = "."
    alias: str | None = None
    confidence: Confidence = Confidence.HIGH
    #: The graph this package was flattened from, for the fix advice and the finding's
    #: anchors (every path to it, each ancestor's declared ranges).
    graph: LockGraph | None = field(default=None, compare=False, repr=False)
    #: The node's key in its lockfile: for npm an install path (`node_modules/a/node_modules/b`),
    #: so two copies of one package stay apart; `requires` are the keys it depends on.
    key: str = ""
    requires: tuple[str, ...] = ()
    is_direct: bool = False  # the root project (or a workspace of it) depends on it

    @property
    def matchable(self) -> bool:
        return self.kind is SourceKind.REGISTRY

    @property
    def direct(self) -> Step | None:
        return self.path[0] if self.path else None

    @property
    def dependency_path(self) -> tuple[str, ...]:
        return (self.root_name, *(str(step) for step in self.path))


_SCOPE_ORDER = (Scope.PROD, Scope.OPTIONAL, Scope.PEER, Scope.DEV)


def flatten(graph: LockGraph, manifest: str, confidence: Confidence) -> list[Package]:
    """Every node with the shortest path from the root and its strongest scope: a package
    reachable through a production dependency is production, whatever else needs it."""
    best: dict[str, tuple[Scope, tuple[Step, ...]]] = {}
    for scope in _SCOPE_ORDER:
        queue: deque[tuple[str, tuple[Step, ...]]] = deque()
        for edge in graph.roots:
            target = edge.target
            if edge.scope is scope and target is not None and target in graph.nodes:
                node = graph.nodes[target]
                queue.append((target, (Step(edge.name, node.version, edge.spec),)))
        while queue:
            key, path = queue.popleft()
            if key in best:
                continue
            best[key] = (scope, path)
            for edge in graph.nodes[key].edges:
                target = edge.target
                if target is not None and target in graph.nodes and target not in best:
                    child = graph.nodes[target]
                    queue.append((target, (*path, Step(edge.name, child.version, edge.spec))))
    direct = {edge.target for edge in graph.roots}
    packages = []
    for key, node in graph.nodes.items():
        if key in best:
            scope, path = best[key]
        else:  # not reachable from the root: keep it with what the lockfile says
            scope = Scope.DEV if node.dev_hint else Scope.PROD
            path = (Step(node.alias or node.name, node.version, ""),)
        packages.append(
            Package(
                name=node.name,
                version=node.version,
                manifest=manifest,
                scope=scope,
                kind=node.kind,
                path=path,
                root_name=graph.root_name,
                alias=node.alias,
                confidence=confidence,
                graph=graph,
                key=key,
                is_direct=key in direct,
                requires=tuple(
                    dict.fromkeys(
                        e.target
                        for e in node.edges
                        if e.target is not None and e.target in graph.nodes
                    )
                ),
            )
        )
    return packages


def split_alias(spec: str) -> tuple[str, str] | None:
    """`npm:lodash@4.17.21` -> ("lodash", "4.17.21"); None when `spec` is no alias."""
    if not spec.startswith("npm:"):
        return None
    body = spec[4:]
    at = body.rfind("@")
    if at <= 0:
        return (body, "")
    return (body[:at], body[at + 1 :])


def split_name_version(text: str) -> tuple[str, str]:
    """`@scope/name@1.2.3` -> ("@scope/name", "1.2.3"), at the last `@` past position 0."""
    at = text.rfind("@")
    if at <= 0:
        return (text, "")
    return (text[:at], text[at + 1 :])
