"""Every way a package is pulled in: one shortest chain of dependencies from each of the
project's direct dependencies (or workspaces) that leads to it.

`flatten` keeps one path per package (the shortest through the strongest scope); the fix
advice and the finding's related locations need all of them, but only for the few
vulnerable packages, so the reverse edges are built once per graph and walked on demand.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from nodeward.deps.lockfiles.interface import Edge, LockGraph, LockNode, SourceKind


@dataclass(frozen=True)
class Link:
    """One hop: the dependent asked for `edge.name` with `edge.spec` and got `node`."""

    edge: Edge
    node: LockNode

    def __str__(self) -> str:
        return f"{self.edge.name}@{self.node.version}"


Chain = tuple[Link, ...]  # the root's edge first, the package last


def is_workspace(link: Link) -> bool:
    return link.node.kind is SourceKind.WORKSPACE


class ChainIndex:
    """The reverse edges of one lockfile graph."""

    def __init__(self, graph: LockGraph) -> None:
        self.graph = graph
        self._parents: dict[str, list[tuple[str, Edge]]] = {}
        for key, node in graph.nodes.items():
            for edge in node.edges:
                if edge.target is not None and edge.target in graph.nodes:
                    self._parents.setdefault(edge.target, []).append((key, edge))

    def chains(self, key: str) -> list[Chain]:
        """One shortest chain per root edge that reaches `key`, shortest first; O(graph)."""
        nodes = self.graph.nodes
        if key not in nodes:
            return []
        # Breadth-first from the package towards the root: `hop[k]` is the edge k takes
        # one step closer to the package.
        hop: dict[str, tuple[Edge, str] | None] = {key: None}
        queue = deque([key])
        while queue:
            current = queue.popleft()
            for parent, edge in self._parents.get(current, ()):
                if parent not in hop:
                    hop[parent] = (edge, current)
                    queue.append(parent)
        found: list[Chain] = []
        seen_roots: set[tuple[str, str | None]] = set()
        for root in self.graph.roots:
            target = root.target
            if target is None or target not in hop or (root.name, target) in seen_roots:
                continue
            seen_roots.add((root.name, target))
            chain = [Link(root, nodes[target])]
            step = hop[target]
            while step is not None:
                edge, child = step
                chain.append(Link(edge, nodes[child]))
                step = hop[child]
            found.append(tuple(chain))
        found.sort(key=len)  # stable: equal lengths keep the root's order
        return found
