"""The files whose registrations and helper calls can reach an app: the others are read
only for what the frameworks report on their own (see builder._Collector.collect).

Why this is a necessary condition. Everything the route table shows is walked from an
app or router object (`Resolver.creations`). A creation is a call whose access path
(`ctx.ref_of`) is a framework's creation (registry.CREATIONS); an access path starts at a
module the file imports, and every creation module is one of registry.MODULES, so
creations are made only in files importing one of those ("framework files"). What a
file's calls register lands on a creation or on a parameter of a function of the file
(a helper), and it is walked only when a call that reaches the app passes the app to that
helper. The resolver goes from file to file only through relative specifiers the files
name (ModuleGraph.resolve: imports, requires, re-exports) and through folder loads
(folder_loads.py); Fastify's autoload reads any folder, so a project that imports it is
read whole. A file connected to no framework file by such links, in either direction, can
neither hold an app nor be called with one: its registrations are never walked.
"""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.source import syntax
from nodeward.source.appmodel import folder_loads
from nodeward.source.context import FileContext
from nodeward.source.frameworks import registry
from nodeward.source.frameworks.fastify import AUTOLOAD_MODULES
from nodeward.source.modules import ModuleGraph

_REQUIRE = "require"


def relevant_files(files: list[FileContext], graph: ModuleGraph) -> frozenset[str] | None:
    """The rel paths of the files connected to a framework file, or None when every file
    must be read (the project autoloads plugin folders)."""
    if any(ctx.imports_any(AUTOLOAD_MODULES) for ctx in files):
        return None
    linked: dict[str, set[str]] = {}
    for ctx in files:
        for target in graph.imported_files(ctx):
            linked.setdefault(ctx.rel, set()).add(target)
            linked.setdefault(target, set()).add(ctx.rel)
    frontier = [ctx.rel for ctx in files if ctx.imports_any(registry.MODULES)]
    found = set(frontier)
    while frontier:
        rel = frontier.pop()
        near = set(linked.get(rel, ()))
        reached = graph.file(rel)
        if reached is not None:
            near.update(m.rel for m in _folder_loaded(graph, reached))
        for other in near - found:
            found.add(other)
            frontier.append(other)
    return frozenset(found)


def _folder_loaded(graph: ModuleGraph, ctx: FileContext) -> Iterator[FileContext]:
    """The modules the file's computed requires may load (`require("./" + name)`)."""
    for call in ctx.nodes("call_expression"):
        fn = call.child_by_field_name("function")
        if (
            fn is not None
            and fn.type == "identifier"
            and fn.end_byte - fn.start_byte == len(_REQUIRE)
            and syntax.text(fn) == _REQUIRE
            and ctx.required_module(call) is None
        ):
            yield from (
                module for module, _value in folder_loads.loaded_functions(graph, ctx, call)
            )
