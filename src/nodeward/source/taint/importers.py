"""Which project files can call a function of a given file: the file itself and every file
that imports it, directly or through other project files.

A call resolves to a function of another file only through ModuleGraph.resolve of a
specifier written in a file on the way: an import or `require` of the calling file
(ctx.imported_modules, where every Ref's module comes from), then the imports and
`export ... from` re-exports of the files the resolution passes through (an imported
instance's constructor, a barrel, a class's `extends`). So a file that does not reach
`ctx` through such specifiers holds no call of a function of `ctx`: function_values.py
asks the engine's call resolution only of calls in the files listed here.
"""

from __future__ import annotations

from collections.abc import Iterable

from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph


class Importers:
    """The reverse of the project's import edges, built on first use."""

    def __init__(self, files: Iterable[FileContext], graph: ModuleGraph) -> None:
        self._files = list(files)
        self._graph = graph
        self._by_target: dict[str, set[str]] | None = None

    def _edges(self) -> dict[str, set[str]]:
        if self._by_target is None:
            self._by_target = {}
            for ctx in self._files:
                for target in self._graph.imported_files(ctx):
                    self._by_target.setdefault(target, set()).add(ctx.rel)
        return self._by_target

    def imported(self, ctx: FileContext) -> bool:
        """Whether another project file imports `ctx`."""
        return bool(self._edges().get(ctx.rel))

    def reaching(self, ctx: FileContext) -> set[str]:
        """`ctx` and every file that imports it, directly or transitively."""
        edges = self._edges()
        found = {ctx.rel}
        stack = [ctx.rel]
        while stack:
            for importer in edges.get(stack.pop(), ()):
                if importer not in found:
                    found.add(importer)
                    stack.append(importer)
        return found
