"""The taint engine: request data followed through assignments, expressions, functions and
modules to the sinks the library models describe.

Each function is analysed once, flow-insensitively (its assignments are replayed until
nothing changes, at most MAX_PASSES times), with nested callbacks analysed together with
their enclosing function so that closures see its variables. A call to a project function
uses that function's summary (which parameters reach its return value, which reach which
sink), computed on demand and memoised; recursion and call-graph cycles see an empty
summary. Everything is bounded (call depth, expression depth, steps per function), and
what was cut short is reported as a Skip.

This module is the driver (worklist roots, memoised summaries, bounds, skips; which
top-level units a source can reach, and so are analysed, is demand.py); the
analysis of one function is analysis.py, with expressions.py, calls.py, sinks.py,
statements.py, guards.py and heuristics.py; call resolution is functions.py, methods.py,
callbacks.py, promises.py and emitters.py; names the engine knows without a model row are
names.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from nodeward.findings import Skip, SourceLocation
from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext, Ref
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.taint import (
    browser_data,
    emitters,
    graphql,
    methods,
    nest,
)
from nodeward.source.taint.analysis import (
    FunctionAnalysis,
    is_archive_entry_callback,
    settling_call,
)
from nodeward.source.taint.bounds import (
    EMPTY_SUMMARY,
    MAX_CALL_DEPTH,
    MAX_REF_HOPS,
    MAX_STEPS_PER_FUNCTION,
    NO_ROLES,
    BudgetExceeded,
    PassedRoles,
    Summary,
)
from nodeward.source.taint.call_sites import CallSites
from nodeward.source.taint.demand import Demand
from nodeward.source.taint.field_writes import FieldWrites
from nodeward.source.taint.function_values import FunctionValues
from nodeward.source.taint.functions import project_function
from nodeward.source.taint.handlers import HandlerRoles, handler_roles
from nodeward.source.taint.merges import MergeIndex
from nodeward.source.taint.middleware import app_wide_cleared
from nodeward.source.taint.model import Models, SinkKind
from nodeward.source.taint.names import BOOLEAN_METHODS, SENSITIVE_FIELDS
from nodeward.source.taint.plain_storage import StoreModels
from nodeward.source.taint.schema_methods import SchemaMethods
from nodeward.source.taint.socket_listeners import SocketListeners, socket_listeners
from nodeward.source.taint.tables import table_functions
from nodeward.source.taint.validation import RouteChain, Validation
from nodeward.source.taint.values import (
    Hit,
    Render,
    Source,
    Taint,
)
from nodeward.source.taint.variable_writes import VariableWrites


@dataclass
class TaintEngine:
    """Runs the analysis over a project's parsed files and collects the hits."""

    files: list[FileContext]
    models: Models
    client_files: frozenset[str] = frozenset()  # code the app serves to browsers
    record_models: frozenset[str] = frozenset()  # models whose records hold secrets
    #: (file, start byte) of every function the app model's route table calls a handler.
    route_handlers: frozenset[tuple[str, int]] = frozenset()
    #: each routed handler with its middleware chain, for the schemas it validates
    route_chains: tuple[RouteChain, ...] = ()
    #: the project's module graph, shared with the app model (the analysis context's)
    graph: ModuleGraph = field(kw_only=True)
    #: which stores hash secrets in a model hook (plain_storage.py)
    store_models: StoreModels = field(default_factory=StoreModels, kw_only=True)
    nest_fastify: bool = field(init=False)  # a NestJS app on @nestjs/platform-fastify
    #: kinds request data cannot reach: app-wide sanitizing middleware (middleware.py)
    request_cleared: frozenset[SinkKind] = field(init=False)
    hits: dict[tuple[object, ...], Hit] = field(default_factory=dict)
    renders: list[Render] = field(default_factory=list)
    _cut: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _summaries: dict[tuple[str, int, PassedRoles], Summary] = field(default_factory=dict)
    merges: MergeIndex = field(default_factory=MergeIndex)  # unsafe merge helpers
    resolvers: graphql.Resolvers = field(init=False)  # GraphQL resolvers -> args position
    class_methods: methods.Methods = field(init=False)  # `this.m()`, static methods
    schema_methods: SchemaMethods = field(init=False)  # `UserSchema.methods.toAuthJSON`
    validation: Validation = field(init=False)  # fields a route's schema constrains
    sites: CallSites = field(init=False)  # per-call facts, computed once
    demand: Demand = field(init=False)  # which units a source can reach
    #: callees bound through data: loop variables, iteration callbacks, factories
    function_values: FunctionValues = field(init=False)
    listeners: emitters.Listeners = field(init=False)  # `bus.on("job", f)` for bus.emit
    #: socket message listeners passed by name (`socket.on("chat", chat.onMessage)`)
    socket_listeners: SocketListeners = field(init=False)
    _field_writes: dict[str, FieldWrites] = field(default_factory=dict)
    _variable_writes: dict[str, VariableWrites] = field(default_factory=dict)
    _react_states: dict[str, dict[tuple[str, int], Node]] = field(default_factory=dict)
    #: per file, what its functions stored in module-level variables (`last = req.query.x`
    #: in one handler, read by the handler analysed after it)
    module_vars: dict[str, dict[str, Taint]] = field(default_factory=dict)
    _in_progress: set[tuple[str, int, PassedRoles]] = field(default_factory=set)
    _roles: dict[tuple[str, int], HandlerRoles | None] = field(default_factory=dict)
    _depth: int = 0

    def __post_init__(self) -> None:
        self.sites = CallSites(
            lambda ctx, call: project_function(self, ctx, call),
            lambda ctx, call: self.function_values.with_table(
                table_functions(self, ctx, call), ctx, call
            ),
        )
        self.demand = Demand(self)
        self.function_values = FunctionValues(self)
        self.nest_fastify = nest.uses_fastify_adapter(self.files)
        self.listeners = emitters.Listeners(self.files, self.graph)
        self.socket_listeners = socket_listeners(self.files, self.graph)
        self.request_cleared = app_wide_cleared(
            self.files, self.models, (route for _, _, route in self.route_chains)
        )
        self.validation = Validation(self.graph, self.models, self.route_chains)
        self.resolvers = graphql.find_resolvers(self.files, self.graph)
        self.class_methods = methods.Methods(self.graph)
        self.schema_methods = SchemaMethods(
            self.files, SENSITIVE_FIELDS, BOOLEAN_METHODS | {"every"}
        )

    def run(self, advance: Callable[[int], None] | None = None) -> list[Hit]:
        """The hits of request data; `advance(1)` after each file (progress)."""
        for ctx in self.files:
            self.analyze_file(ctx)
            if advance is not None:
                advance(1)
        return [h for h in self.hits.values() if isinstance(h.trace.origin, Source)]

    def distinct_renders(self) -> list[Render]:
        """The renders recorded, each once: a binding pass and the check pass that reuses
        its evaluations (analysis.py) both record the renders they saw."""
        distinct: list[Render] = []
        seen: dict[tuple[str, SourceLocation, str], list[Render]] = {}
        for render in self.renders:
            alike = seen.setdefault((render.view, render.call, render.label), [])
            if render not in alike:  # (a Render holds dicts: compared, not hashed)
                alike.append(render)
                distinct.append(render)
        return distinct

    def routed(self, ctx: FileContext, func: Node) -> bool:
        return (ctx.rel, func.start_byte) in self.route_handlers

    def handler_roles(self, ctx: FileContext, func: Node) -> HandlerRoles | None:
        """handlers.handler_roles of a function, asked once: every unit that contains a
        nested function notes its parameters again."""
        key = (ctx.rel, func.id)
        if key not in self._roles:
            self._roles[key] = handler_roles(
                func, routed=self.routed(ctx, func)
            ) or self.socket_listeners.get((ctx.rel, func.start_byte))
        return self._roles[key]

    def graphql_args(self, ctx: FileContext, func: Node) -> Node | None:
        """The parameter holding a GraphQL resolver's arguments."""
        return graphql.args_param(self.resolvers, ctx, func)

    def analyze_file(self, ctx: FileContext) -> None:
        client = ctx.rel in self.client_files
        units = (
            self._client_units(ctx)
            if client
            else top_level_units(ctx, self.handler_roles, self.graphql_args)
        )
        for unit in units:
            try:
                self.summary(ctx, unit)
            except RecursionError:
                self.skip(ctx, unit, "expressions nested too deeply")

    def _client_units(self, ctx: FileContext) -> Iterator[Node]:
        """client_units that a source can reach (demand.py); the others are analysed
        only as the summaries of the functions a live unit calls."""
        for unit in client_units(ctx):
            if unit.type != "program" and settling_call(unit) is not None:
                yield unit  # a top-level `fetch(url).then((r) => ...)`: bound from outside
            elif self.demand.live(ctx, unit):
                yield unit

    def record(self, hit: Hit) -> None:
        if self.validation.clears(hit.trace, hit.kind):
            return  # `body("id").isInt()` before the handler: this field cannot carry it
        origin = hit.trace.origin
        key = (hit.kind, hit.sink.path, hit.sink.line, hit.sink.column, hit.label, repr(origin))
        self.hits.setdefault(key, hit)

    def summary(self, ctx: FileContext, func: Node, roles: PassedRoles = NO_ROLES) -> Summary:
        # the program is keyed apart: a function on the file's first byte shares its start
        key = (ctx.rel, -1 if func.type == "program" else func.start_byte, roles)
        if key in self._summaries:
            return self._summaries[key]
        if key in self._in_progress or self._depth >= MAX_CALL_DEPTH:
            if self._depth >= MAX_CALL_DEPTH:
                self.skip(ctx, func, f"call depth limit ({MAX_CALL_DEPTH}) reached")
            return EMPTY_SUMMARY
        self._in_progress.add(key)
        self._depth += 1
        try:
            result = FunctionAnalysis(self, ctx, func, roles).run()
        except BudgetExceeded:
            self.skip(ctx, func, f"step limit ({MAX_STEPS_PER_FUNCTION:,}) reached")
            result = EMPTY_SUMMARY
        finally:
            self._depth -= 1
            self._in_progress.discard(key)
        self._summaries[key] = result
        return result

    def field_writes(self, ctx: FileContext) -> FieldWrites:
        """The file's member writes (field_writes.py), indexed on first use."""
        found = self._field_writes.get(ctx.rel)
        if found is None:
            found = self._field_writes[ctx.rel] = FieldWrites(ctx)
        return found

    def variable_writes(self, ctx: FileContext) -> VariableWrites:
        """The file's variable writes (variable_writes.py), indexed on first use."""
        found = self._variable_writes.get(ctx.rel)
        if found is None:
            found = self._variable_writes[ctx.rel] = VariableWrites(ctx)
        return found

    def react_states(self, ctx: FileContext) -> dict[tuple[str, int], Node]:
        """The file's React state setters (browser_data.react_states), indexed on first use."""
        found = self._react_states.get(ctx.rel)
        if found is None:
            found = self._react_states[ctx.rel] = browser_data.react_states(ctx)
        return found

    def skip(self, ctx: FileContext, node: Node, reason: str) -> None:
        self._cut.setdefault((ctx.rel, reason), []).append(syntax.line_of(node))

    @property
    def skips(self) -> list[Skip]:
        """One Skip per file and reason, naming the lines where the analysis was cut."""
        found = []
        for (rel, reason), lines in sorted(self._cut.items()):
            unique = sorted(set(lines))
            where = ", ".join(str(n) for n in unique[:5]) + (", ..." if len(unique) > 5 else "")
            found.append(Skip(rel, f"taint analysis cut short: {reason} (line {where})"))
        return found

    def resolve_ref(self, ctx: FileContext, ref: Ref) -> Ref:
        """Follow an access path rooted in a project module (`require("../db").query`) to
        the package the module's export comes from (`mysql.createConnection().query`)."""
        hops = 0
        while ref.module.startswith(".") and hops < MAX_REF_HOPS:
            target = self.graph.resolve(ctx.rel, ref.module)
            if target is None:
                return ref
            members = ref.path
            resolved = None
            if members and members[0] != CALL:
                resolved = self.graph.lookup(target, members[0])
                rest = members[1:]
            if resolved is None:
                resolved = self.graph.lookup(target, "default")
                rest = members
            if resolved is None:
                return ref
            inner = target.ref_of(resolved.node)
            if inner is None:
                return ref
            ctx, ref = target, inner.then(*rest)
            hops += 1
        return ref

    def project_function(self, ctx: FileContext, call: Node) -> tuple[FileContext, Node] | None:
        """The project function a call invokes, in this file or through an import."""
        return self.sites.project_function(ctx, call)


def client_units(ctx: FileContext) -> Iterator[Node]:
    """Browser code reads its sources (location, messages) anywhere: every top-level unit."""
    yield ctx.parsed.root
    for kind in sorted(syntax.FUNCTION_TYPES):
        for func in ctx.nodes(kind):
            if ctx.enclosing_function(func) is None:
                yield func


def top_level_units(
    ctx: FileContext,
    roles: Callable[[FileContext, Node], HandlerRoles | None],
    graphql_args: Callable[[FileContext, Node], Node | None],
) -> Iterator[Node]:
    """The outermost functions that contain a request handler or read an archive's
    entries (nested functions are analysed with their enclosing function, so that
    closures see its variables). Other functions are analysed only when one of those calls
    them, as summaries: library code without handlers costs one pass over its functions."""
    starts: list[Node] = []
    for kind in sorted(syntax.FUNCTION_TYPES):
        starts += [
            f
            for f in ctx.nodes(kind)
            if roles(ctx, f) is not None
            or is_archive_entry_callback(f)
            or graphql_args(ctx, f) is not None
        ]
    for call in ctx.nodes("call_expression"):
        callee = call.child_by_field_name("function")
        if (
            callee is not None
            and callee.type == "member_expression"
            and syntax.text(callee.child_by_field_name("property")) == "getEntries"
        ):
            starts.append(call)
    seen: set[int] = set()
    for start in starts:
        top = start if start.type in syntax.FUNCTION_TYPES else ctx.enclosing_function(start)
        while top is not None and (outer := ctx.enclosing_function(top)) is not None:
            top = outer
        if top is not None and top.start_byte not in seen:
            seen.add(top.start_byte)
            yield top


__all__ = [
    "EMPTY_SUMMARY",
    "MAX_CALL_DEPTH",
    "MAX_STEPS_PER_FUNCTION",
    "SENSITIVE_FIELDS",
    "BudgetExceeded",
    "Summary",
    "TaintEngine",
]
