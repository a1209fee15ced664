"""What the engine asks of a call site that depends on the syntax alone: the project
function it invokes, whether it reads or writes a database store, and the expressions a
called function returns.

A function's bindings are replayed up to MAX_PASSES times and a nested function is
analysed again as its own unit, so the same call is evaluated many times; these answers do
not change between evaluations and are computed once per call site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nodeward.source import syntax
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node
from nodeward.source.taint import stored
from nodeward.source.taint.values import Taint

Site = tuple[str, int]  # the file and the node's id (unique in its tree)
Target = tuple[FileContext, Node] | None


def _site(ctx: FileContext, call: Node) -> Site:
    return (ctx.rel, call.id)


@dataclass
class CallSites:
    """Memoised per-call facts, keyed by file and node."""

    resolve: Callable[[FileContext, Node], Target]  # the uncached project_function
    #: the uncached tables.table_functions: every function a call through a table reaches
    resolve_table: Callable[[FileContext, Node], tuple[tuple[FileContext, Node], ...]]
    _targets: dict[Site, Target] = field(default_factory=dict)
    _tables: dict[Site, tuple[tuple[FileContext, Node], ...]] = field(default_factory=dict)
    _facts: dict[Site, stored.CallFacts] = field(default_factory=dict)
    _returned: dict[Site, list[Node]] = field(default_factory=dict)
    #: calls.call_shape's answers: the parts of a call read on each of its evaluations
    shapes: dict[Site, CallShape] = field(default_factory=dict)
    #: calls.callee_ref's module access paths (ctx.callee through TaintEngine.resolve_ref)
    callees: dict[Site, Ref | None] = field(default_factory=dict)

    def project_function(self, ctx: FileContext, call: Node) -> Target:
        key = _site(ctx, call)
        if key not in self._targets:
            self._targets[key] = self.resolve(ctx, call)
        return self._targets[key]

    def table_functions(self, ctx: FileContext, call: Node) -> tuple[tuple[FileContext, Node], ...]:
        key = _site(ctx, call)
        found = self._tables.get(key)
        if found is None:
            found = self._tables[key] = self.resolve_table(ctx, call)
        return found

    def facts(self, ctx: FileContext, call: Node) -> stored.CallFacts:
        """Whether the call reads or writes a database store (stored.py)."""
        key = _site(ctx, call)
        found = self._facts.get(key)
        if found is None:
            found = self._facts[key] = stored.call_facts(ctx, call)
        return found

    def returned_values(self, ctx: FileContext, func: Node) -> list[Node]:
        """syntax.returned_values(func), found once per function (a walk of its body)."""
        key = _site(ctx, func)
        found = self._returned.get(key)
        if found is None:
            found = self._returned[key] = syntax.returned_values(func)
        return found

    def store_call(self, ctx: FileContext, call: Node) -> stored.StoreCall | None:
        return self.facts(ctx, call).kind

    def write_of(self, ctx: FileContext, call: Node) -> stored.Write | None:
        return self.facts(ctx, call).write

    def read_taint(self, ctx: FileContext, call: Node) -> Taint:
        return self.facts(ctx, call).read


@dataclass(frozen=True)
class CallShape:
    """What the engine reads of a call's syntax each time it evaluates it."""

    fn: Node | None  # the callee expression (`function` or `new`'s `constructor`)
    args: list[Node]
    receiver: Node | None  # `obj` in `obj.m(...)`
    method: str  # `m` in `obj.m(...)`, "" for a plain call
    path: tuple[Node, tuple[str, ...]] | None  # expressions.static_path of the call
    fn_path: tuple[Node, tuple[str, ...]] | None  # static_path of the callee
    fn_base: str  # the text of fn_path's base (`res` in `res.status(400).send`)


@dataclass(frozen=True)
class EvaluatedCall:
    """One call with its parts evaluated: what the engine's call rules look at."""

    node: Node
    fn: Node | None  # the callee expression (`function` or `new`'s `constructor`)
    args: list[Node]
    arg_taints: list[Taint]
    receiver: Node | None  # `obj` in `obj.m(...)`
    receiver_taint: Taint
    method: str  # `m` in `obj.m(...)`, "" for a plain call
    key: tuple[str, tuple[str, ...]] | None  # the model access path of the callee
