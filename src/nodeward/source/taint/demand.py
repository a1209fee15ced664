"""Which top-level units of browser code the engine analyses: those that can see a source.

Browser code reads its sources anywhere (engine.client_units), so every top-level function
of a served script used to be analysed as a unit of its own; in a vendored library
(three.js, a bundled UI kit) almost none of them touches the URL, a message or the
server's answers. A unit can report request data only if a source enters it: read in its
own body (or a nested callback's), or handed back by a function it calls (a summary that
returns server data, a callback called with it). A unit that reaches no such function
contributes nothing but its summary, and that summary is still computed, on demand, when
a unit that does see a source calls it.

`Demand.live` answers with the engine's own source rules (expressions.request_source,
environment_source, record_read, stored reads, the parameters FunctionAnalysis marks as
sources), asked of every member read and call of the function and, through the call
sites' resolved targets, of every function it can reach. Functions that share state with
others outside a call (a module-level variable one function sets and another reads) are
always analysed, so that what they leave behind is the same as before. What changes: a
function no source reaches is no longer cut short by the step or nesting bounds, so it
reports no Skip for them (it could not have carried request data to a sink).

In a file whose calls cannot leave it (_confined), seed_callers.py finds the same live
functions from the seeds backwards, resolving only the calls that may reach them.

A new kind of browser source (a new way FunctionAnalysis creates a Source trace) must be
found here too, or the units that read only it are never analysed: the browser fixtures
of tests/test_fixtures.py show it. Server units stay the request handlers
(engine.top_level_units): a request or response parameter makes a function a seed
whatever is done with it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext
from nodeward.source.parse import Node
from nodeward.source.scopes import MODULE
from nodeward.source.taint import seed_callers
from nodeward.source.taint.analysis import FunctionAnalysis
from nodeward.source.taint.bounds import MAX_PATH_STEPS
from nodeward.source.taint.chain_tops import all_tops, tops_spelling
from nodeward.source.taint.environment import environment_source
from nodeward.source.taint.expressions import (
    browser_source_words,
    may_read_browser_source,
    pattern_names,
    record_read,
    request_source,
)
from nodeward.source.taint.names import RECORD_READS
from nodeward.source.taint.stored import READ_METHODS

if TYPE_CHECKING:
    from nodeward.source.taint.engine import TaintEngine

Key = tuple[str, int, int]  # the file and the function's byte span
Target = tuple[FileContext, Node]

_ASSIGNMENT_TYPES = ("assignment_expression", "augmented_assignment_expression")


def _key(ctx: FileContext, func: Node) -> Key:
    return (ctx.rel, func.start_byte, func.end_byte)


class Demand:
    """Memoised per function: whether a source can reach it (`live`)."""

    def __init__(self, engine: TaintEngine) -> None:
        self.engine = engine
        self._live: dict[Key, bool] = {}
        #: per file, the sorted start bytes of what makes a function a seed (_seed_positions)
        self._positions: dict[str, array[int]] = {}
        #: per file, whether its functions can reach no seed (_isolated)
        self._closed: dict[str, bool] = {}
        #: per file, the spans of the top-level functions that are units of their own
        self._own_units: dict[str, list[tuple[int, int]]] = {}
        #: per confined file, what its seeds reach (seed_callers.py; None: not searched so)
        self._reaches: dict[str, seed_callers.Reach | None] = {}

    def live(self, ctx: FileContext, func: Node) -> bool:
        """Whether `func`, or a function it can call, reads a source or shares state."""
        start = _key(ctx, func)
        known = self._live.get(start)
        if known is not None:
            return known
        if self._isolated(ctx):
            self._live[start] = False
            return False
        reach = self._reach(ctx)
        if reach is not None:  # searched from the seeds (seed_callers.py)
            self._live[start] = func in reach
            return self._live[start]
        visited = {start}
        stack: list[Target] = [(ctx, func)]
        while stack:
            at_ctx, at = stack.pop()
            known = self._live.get(_key(at_ctx, at))
            if known is False:
                continue  # nothing it reaches sees a source
            if known or self.seeded(at_ctx, at):
                self._live[start] = True
                return True
            if self._isolated(at_ctx):
                continue  # it reaches its own file's functions only, and none is a seed
            for target in self._callees(at_ctx, at):
                key = _key(*target)
                if key not in visited:
                    visited.add(key)
                    stack.append(target)
        for key in visited:  # every function reached: none sees a source
            self._live[key] = False
        return False

    def _isolated(self, ctx: FileContext) -> bool:
        """A file with no seed whose calls cannot leave it (_confined)."""
        found = self._closed.get(ctx.rel)
        if found is None:
            found = self._closed[ctx.rel] = not self._positions_of(ctx) and self._confined(ctx)
        return found

    def _confined(self, ctx: FileContext) -> bool:
        """Whether the file's calls cannot leave it: it names no other project file
        (ModuleGraph.imported_files: every resolution to another file goes through one of
        those specifiers, but schema methods, found by name, and `emit`, which reaches
        listeners other files register), and no project file imports it (a factory's
        parameter is bound to the functions its importers pass: `make(fromUrl)`,
        function_values.py)."""
        engine = self.engine
        return (
            engine.schema_methods.empty
            and b"emit" not in ctx.parsed.text.source
            and not engine.graph.imported_files(ctx)
            and not engine.function_values.importers.imported(ctx)
        )

    def _reach(self, ctx: FileContext) -> seed_callers.Reach | None:
        """seed_callers.live_functions of a confined file, once per file. Not of one that
        imports itself: its calls can reach its exports under the names they are imported
        by (`import run from "./self"` for `export default function load`)."""
        if ctx.rel not in self._reaches:
            self._reaches[ctx.rel] = (
                seed_callers.live_functions(self, ctx, lambda call: self._spans_run(ctx, call))
                if self._confined(ctx) and not self.engine.graph.names_project_file(ctx)
                else None
            )
        return self._reaches[ctx.rel]

    def _spans_run(self, ctx: FileContext, call: Node) -> frozenset[tuple[int, int]] | None:
        """The spans of the functions `call` may run (None when one is in another file)."""
        targets = self.call_targets(ctx, call)
        if any(target_ctx.rel != ctx.rel for target_ctx, _func in targets):
            return None
        return frozenset((func.start_byte, func.end_byte) for _ctx, func in targets)

    def programs_call(self, ctx: FileContext, call: Node) -> bool:
        """Whether `call` is one of the program's own (not inside a unit of its own)."""
        return not _within(self._spans(ctx), call.start_byte)

    def _positions_of(self, ctx: FileContext) -> array[int]:
        positions = self._positions.get(ctx.rel)
        if positions is None:
            positions = self._positions[ctx.rel] = _seed_positions(self.engine, ctx)
        return positions

    def seeded(self, ctx: FileContext, func: Node) -> bool:
        """Whether `func` itself reads a source or shares module state (for the program,
        its own statements: not its units' bodies)."""
        positions = self._positions_of(ctx)
        if func.type == "program":  # its own statements, not its functions' bodies
            spans = self._spans(ctx)
            return any(not _within(spans, at) for at in positions)
        first = bisect_left(positions, func.start_byte)
        return first < len(positions) and positions[first] < func.end_byte

    def _spans(self, ctx: FileContext) -> list[tuple[int, int]]:
        found = self._own_units.get(ctx.rel)
        if found is None:
            found = self._own_units[ctx.rel] = _own_units(ctx)
        return found

    def _callees(self, ctx: FileContext, func: Node) -> Iterator[Target]:
        """The project functions the calls inside `func` may run, resolved as
        calls._project_call, calls._table_call and the `emit` listeners resolve them."""
        calls = ctx.nodes_within(func, "call_expression")
        if func.type == "program":
            spans = self._spans(ctx)
            calls = [c for c in calls if not _within(spans, c.start_byte)]
        for call in calls:
            yield from self.call_targets(ctx, call)

    def call_targets(self, ctx: FileContext, call: Node) -> list[Target]:
        """The project functions one call may run."""
        engine = self.engine
        target = (
            engine.project_function(ctx, call)
            or engine.schema_methods.summarisable(call)
            or engine.schema_methods.static_method(call)
        )
        found = [target] if target is not None else list(engine.sites.table_functions(ctx, call))
        if _emits(call):
            found += engine.listeners.of(ctx, call)
        return found


def _seed_positions(engine: TaintEngine, ctx: FileContext) -> array[int]:
    """Where in the file something makes the function around it a seed, sorted: a
    function whose parameters FunctionAnalysis binds to the request, the response or a
    source (a message listener, a callback of a socket or of jQuery's ajax, GraphQL
    arguments, archive entries); a member read or call that request_source (with every
    request and Koa context name of the file), environment_source, record_read or a
    stored read answers; and a use of a module-level variable a function assigns that
    another unit uses too (TaintEngine.module_vars)."""
    probe = FunctionAnalysis(engine, ctx, ctx.parsed.root, collect=False)
    found: list[int] = []
    requests: set[str] = set()
    koa: set[str] = set()
    for func in ctx.nodes(*syntax.FUNCTION_TYPES):
        if _marks(probe, func):
            found.append(func.start_byte)
        requests |= probe.requests
        koa |= probe.koa
    for names in (probe.responses, probe.messages, probe.pushed):
        names.clear()  # a read is a source by itself, not through a parameter
    # (FunctionAnalysis knows a unit's request names by name, whichever function of the
    # unit declares them: every read spelled with one of the file's is asked about)
    probe.requests, probe.koa = requests, koa
    # in a served script, only a chain that spells a browser source's word can be one
    words = browser_source_words(probe) if probe.client else None
    tops = all_tops(ctx) if words is None else tops_spelling(ctx, words)
    for top in tops:
        found += [node.start_byte for node in _chain_sources(probe, top)]
    found += [call.start_byte for call in _named_calls(ctx) if _source_call(probe, call)]
    found += _shared_uses(ctx)
    return array("q", sorted(found))


def _own_units(ctx: FileContext) -> list[tuple[int, int]]:
    """The byte spans of the file's top-level functions that are units of their own (not
    a callback handed to a call, which the program's analysis evaluates: `rows.map((r) =>
    ...)`, `new Promise(...)`), sorted."""
    return sorted(
        (func.start_byte, func.end_byte)
        for kind in syntax.FUNCTION_TYPES
        for func in ctx.nodes(kind)
        if (func.parent is None or func.parent.type != "arguments")
        and ctx.enclosing_function(func) is None
    )


def _within(spans: list[tuple[int, int]], at: int) -> bool:
    """Whether byte `at` lies in one of `spans` (sorted, none inside another)."""
    return _unit_at(spans, at) is not None


def _unit_at(spans: list[tuple[int, int]], at: int) -> int | None:
    """The index of the span (sorted, none inside another) byte `at` lies in, or None."""
    index = bisect_left(spans, (at, 1 << 62)) - 1
    return index if index >= 0 and spans[index][0] <= at < spans[index][1] else None


def _marks(probe: FunctionAnalysis, func: Node) -> bool:
    """Whether FunctionAnalysis binds a parameter of `func` to a source, the request or
    the response (whatever the analysis does with a request, a parser it is handed to
    included, starts there)."""
    marked = (
        probe.requests,
        probe.responses,
        probe.koa,
        probe.messages,
        probe.pushed,
        probe.entries,
        probe.request_patterns,
        probe.socket_payloads,
        probe.fetched_params,
        probe.graphql_args,
    )
    for found in marked:
        found.clear()  # (sets: a second handler's `req` would not grow them)
    probe._note_function(func)
    if any(marked):
        return True
    roles = None if probe.client else probe.engine.handler_roles(probe.ctx, func)
    return roles is not None and roles.nest is not None


def _emits(call: Node) -> bool:
    callee = call.child_by_field_name("function")
    return (
        callee is not None
        and callee.type == "member_expression"
        and syntax.text(callee.child_by_field_name("property")) == "emit"
    )


def _shared_uses(ctx: FileContext) -> list[int]:
    """Where the file uses a module-level variable (or implicit global) that a function
    assigns and that more than one unit uses: what one unit leaves in
    TaintEngine.module_vars for another (the program's own statements leave nothing
    there, and a variable one function keeps to itself, as a lazy `require` cache, is
    that function's alone)."""
    functions = sorted(
        (func.start_byte, func.end_byte)
        for kind in syntax.FUNCTION_TYPES
        for func in ctx.nodes(kind)
        if ctx.enclosing_function(func) is None
    )
    assigned: set[str] = set()
    for node in ctx.nodes(*_ASSIGNMENT_TYPES, "for_in_statement"):
        left = node.child_by_field_name("left")
        if (
            left is not None
            and left.type in ("identifier", "object_pattern", "array_pattern")
            and _unit_at(functions, node.start_byte) is not None
        ):
            assigned.update(
                name for name, _key in pattern_names(left) if ctx.scope_of(name, left) == MODULE
            )
    if not assigned:
        return []
    uses: dict[str, list[Node]] = {}
    for node in ctx.nodes("identifier"):
        name = syntax.text(node)
        if name not in assigned:
            continue  # (before the parent: tree-sitter finds it walking down from the root)
        parent = node.parent
        declared = parent is not None and parent.child_by_field_name("name") == node
        if not declared and ctx.scope_of(name, node) == MODULE:
            uses.setdefault(name, []).append(node)
    return [
        node.start_byte
        for found in uses.values()
        if len({_unit_at(functions, n.start_byte) for n in found}) > 1
        for node in found
    ]


def _chain_sources(probe: FunctionAnalysis, top: Node) -> Iterator[Node]:
    """The links of the chain ending at `top` that are sources when read (as
    expressions.eval_member and calls.eval_call ask), each link's static_path found in
    one walk of the chain."""
    links: list[tuple[Node, str]] = []
    current = syntax.unwrap(top)
    while current is not None:
        match current.type:
            case "identifier" | "this":
                yield from _sources_of(probe, current, links)
                return
            case "member_expression":
                links.append((current, syntax.text(current.child_by_field_name("property"))))
                current = syntax.unwrap(current.child_by_field_name("object"))
            case "subscript_expression":
                key = syntax.string_value(current.child_by_field_name("index"))
                if key is None:  # no path through it: the links below start a new chain
                    links = []
                else:
                    links.append((current, key))
                current = syntax.unwrap(current.child_by_field_name("object"))
            case "call_expression":
                links.append((current, CALL))
                current = syntax.unwrap(current.child_by_field_name("function"))
            case "new_expression":
                links.append((current, CALL))
                current = syntax.unwrap(current.child_by_field_name("constructor"))
            case _:
                links = []
                return


def _sources_of(
    probe: FunctionAnalysis, base: Node, links: list[tuple[Node, str]]
) -> Iterator[Node]:
    steps = tuple(step for _node, step in reversed(links))
    if probe.client and not may_read_browser_source(probe, base, steps):
        return  # no prefix of the chain is a browser source
    if not (probe.client or probe.requests or probe.koa):
        # server code without a request name: only environment_source can answer, and
        # only for `process.env` itself, the chain's first link
        links = links[-1:] if steps[:1] == ("env",) else []
    for index, (node, _step) in enumerate(reversed(links)):
        path = steps[: index + 1]
        if len(path) > MAX_PATH_STEPS:
            return  # static_path gives up on longer chains
        if node.type == "new_expression":
            continue  # eval_call asks request_source of calls only
        if node.type == "call_expression":
            if request_source(probe, base, path, node) is not None:
                yield node
        elif (
            request_source(probe, base, path, node) is not None
            or environment_source(probe, base, path, node) is not None
        ):
            yield node


#: The methods _source_call answers for (a call naming none reads nothing): the calls are
#: looked up by name instead of asking each call of the file.
_SOURCE_CALL_METHODS = READ_METHODS | RECORD_READS | {"getEntries"}


def _named_calls(ctx: FileContext) -> list[Node]:
    """The calls naming one of _SOURCE_CALL_METHODS, found by name (CallIndex)."""
    calls = ctx.call_index.calls_named(_SOURCE_CALL_METHODS)
    return [call for call in calls if call.type == "call_expression"]


def _source_call(probe: FunctionAnalysis, call: Node) -> bool:
    """A call whose result is a source besides request_source's: a database read (stored
    data, a record with secrets) or an archive's entries."""
    ctx = probe.ctx
    if probe.engine.sites.read_taint(ctx, call):
        return True
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "member_expression":
        return False
    method = syntax.text(callee.child_by_field_name("property"))
    receiver = callee.child_by_field_name("object")
    args = syntax.call_arguments(call)
    return method == "getEntries" or bool(record_read(probe, call, receiver, method, args))
