"""The innermost block or function around a node, found by bisection instead of a walk up.

The app model asks, for every name it resolves, which block declares it and which
function's parameter it is; the taint engine asks which function a name is read in
(FileContext.enclosing_function). tree-sitter's `Node.parent` descends from the root, so a walk
up costs O(depth) per step, and the parent cache cannot hold a large project. Blocks nest
(two spans never overlap unless one contains the other), and so do functions: the
innermost one around a node is found among the spans that start before it, following
each span's enclosing span, in as many steps as the nesting is deep.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from nodeward.source.parse import Node


class Nesting:
    """Nested nodes of one file (blocks, or functions) and which one encloses which."""

    def __init__(self, nodes: list[Node]) -> None:
        ordered = sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
        self._nodes = ordered
        self._starts = [n.start_byte for n in ordered]
        self._ends = [n.end_byte for n in ordered]
        self._outer: list[int] = []
        open_spans: list[int] = []  # the spans around the current one, innermost last
        for index, end in enumerate(self._ends):
            while open_spans and self._ends[open_spans[-1]] < end:
                open_spans.pop()
            self._outer.append(open_spans[-1] if open_spans else -1)
            open_spans.append(index)

    def around(self, node: Node) -> Node | None:
        """The innermost of the nodes that contains `node` and is not `node` itself: its
        nearest ancestor among them. Only for a node with a non-empty span (an empty one
        at a span's edge may lie just outside it): see `exact_for`."""
        start, end = node.start_byte, node.end_byte
        index = self._own_index(node)
        index = self._outer[index] if index is not None else bisect_right(self._starts, start) - 1
        while index >= 0 and self._ends[index] < end:
            index = self._outer[index]
        return self._nodes[index] if index >= 0 else None

    def _own_index(self, node: Node) -> int | None:
        start = node.start_byte
        index = bisect_left(self._starts, start)
        while index < len(self._starts) and self._starts[index] == start:
            if self._nodes[index] == node:
                return index
            index += 1
        return None


def exact_for(node: Node) -> bool:
    """Whether `Nesting.around` answers for `node` as a walk up would: nodes with an
    empty span (inserted by error recovery) are left to the walk."""
    return node.end_byte > node.start_byte
