"""The taint engine: request data followed through assignments, expressions, functions and
modules to the sinks the library models describe.

Each function is analysed once, flow-insensitively (its assignments are replayed until
nothing changes, at most MAX_PASSES times), with nested callbacks analysed together with
their enclosing function so that closures see its variables. A call to a project function
uses that function's summary (which parameters reach its return value, which reach which
sink), computed on demand and memoised; recursion and call-graph cycles see an empty
summary. Everything is bounded (call depth, expression depth, steps per function), and
what was cut short is reported as a Skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from nodeward.findings import Confidence, FlowStep, Skip
from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext, Ref
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.taint import (
    callbacks,
    class_validator,
    content_type,
    graphql,
    methods,
    nest,
    promises,
    stored,
    zod,
)
from nodeward.source.taint.express_reply import declared_not_html
from nodeward.source.taint.field_writes import FieldWrites
from nodeward.source.taint.handlers import handler_roles
from nodeward.source.taint.json_bodies import holds_json_object
from nodeward.source.taint.merges import MergeIndex
from nodeward.source.taint.middleware import app_wide_cleared
from nodeward.source.taint.model import ALL_KINDS, Models, Shape, SinkKind, SinkRow
from nodeward.source.taint.regex import is_catastrophic
from nodeward.source.taint.schema_methods import SchemaMethods
from nodeward.source.taint.sequelize_calls import is_sequelize_call
from nodeward.source.taint.typed_fields import restrict
from nodeward.source.taint.validation import RouteChain, Validation
from nodeward.source.taint.values import (
    CLEAN,
    Hit,
    OriginKind,
    Render,
    Source,
    Taint,
    Trace,
    members,
    placed,
    union,
)

MAX_CALL_DEPTH = 6
MAX_SUMMARY_HITS = 32  # sinks a summary remembers per function
MAX_HITS_PER_SINK = 2  # traces recorded for one sink call (the shortest first)
MAX_EXPRESSION_DEPTH = 60
MAX_STEPS_PER_FUNCTION = 40_000
MAX_PASSES = 3
MAX_REF_HOPS = 4
MAX_PATH_STEPS = 24

_CONTAINERS = frozenset(
    {"query", "body", "params", "headers", "cookies", "signedCookies", "files", "querystring"}
)
# Response methods that return the response, so `res.status(400).send(x)` is `res.send`.
_CHAINABLE = frozenset(
    {"status", "type", "set", "header", "append", "vary", "cookie", "location", "code", "headers"}
)
_STRING_METHODS = frozenset(
    {
        "trim",
        "trimStart",
        "trimEnd",
        "toLowerCase",
        "toUpperCase",
        "toString",
        "slice",
        "substring",
        "substr",
        "replace",
        "replaceAll",
        "concat",
        "padStart",
        "padEnd",
        "join",
        "normalize",
        "charAt",
    }
)
_BOOLEAN_METHODS = frozenset(
    {"startsWith", "endsWith", "includes", "indexOf", "lastIndexOf", "test", "has", "some"}
)
_CALLBACK_METHODS = frozenset({"then", "map", "forEach", "filter", "find", "flatMap", "every"})
_JQUERY_HTML_METHODS = frozenset(
    {"html", "append", "prepend", "after", "before", "replaceWith", "wrap", "wrapAll"}
)
SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "passwordHash",
        "password_hash",
        "hash",
        "salt",
        "token",
        "resetToken",
        "secret",
        "ssn",
        "creditCard",
        "apiKey",
    }
)
_RECORD_READS = frozenset(
    {"find", "findOne", "findById", "findAll", "findByPk", "findOneAndUpdate", "findAndCountAll"}
)
_MERGING_KINDS = frozenset({SinkKind.MASS_ASSIGNMENT, SinkKind.PROTOTYPE})
_BROWSER_GLOBALS = frozenset({"window", "globalThis", "self", "document", "location"})
_DOM_HTML_PROPERTIES = frozenset({"innerHTML", "outerHTML", "srcdoc"})
_REGEX_METHODS = frozenset({"match", "matchAll", "replace", "replaceAll", "search", "split"})

# Receiver-name heuristics for clients the models cannot resolve (a connection handed to a
# callback, `this.db`): medium confidence.
_SQL_RECEIVER = re.compile(
    r"(db|conn|connection|pool|client|sql|sequelize|knex|database|mysql|pg|sqlite|"
    r"manager|datasource|repository|repo|trx|tx)$",
    re.I,
)
_SQL_METHODS = frozenset({"query", "execute", "raw"})
_SQLITE_METHODS = frozenset({"run", "all", "exec", "each", "prepare"})
_RAW_SQL_METHODS = frozenset(
    {"whereRaw", "havingRaw", "orderByRaw", "joinRaw", "$queryRawUnsafe", "$executeRawUnsafe"}
)
_QUERY_BUILDER_METHODS = frozenset({"where", "andWhere", "orWhere", "having"})
_NOSQL_METHODS = frozenset(
    {
        "find",
        "findOne",
        "findOneAndUpdate",
        "findOneAndDelete",
        "findOneAndRemove",
        "findOneAndReplace",
        "updateOne",
        "updateMany",
        "update",
        "deleteOne",
        "deleteMany",
        "remove",
        "count",
        "countDocuments",
        "exists",
        "aggregate",
        "mapReduce",
        "where",
    }
)
_MASS_ASSIGNMENT_METHODS = {
    "create": 0,
    "insertMany": 0,
    "insert": 0,
    "build": 0,
    "update": 1,
    "updateOne": 1,
    "updateMany": 1,
    "findOneAndUpdate": 1,
    "findByIdAndUpdate": 1,
    "merge": 1,
}
_LOGGER_RECEIVER = re.compile(r"^(logger|log|winston|pino|bunyan|fastify\.log|req\.log)$", re.I)
_LOGGER_METHODS = frozenset({"info", "warn", "error", "debug", "log", "trace", "fatal", "verbose"})
_BUILTIN_OBJECTS = frozenset(
    {"Promise", "Object", "Array", "JSON", "Math", "Reflect", "Number", "String", "Date", "Map"}
)
_VM_RUNNERS = frozenset({("runInContext",), ("runInNewContext",), ("runInThisContext",)})
# multer (`originalname`) and express-fileupload (`name`) take file names from busboy,
# which keeps only the last path segment and drops "." and "..": no traversal.
_UPLOAD_FILE_NAMES = frozenset({"originalname", "name"})
_UPLOAD_SOURCES = ("req.file", "request.file")
_PATH_ONLY = frozenset({SinkKind.PATH})
_RENDER_OPTIONS = (
    "the locals of res.render(), whose keys the view engine also reads as options "
    "(hbs `layout` names the file to read; ejs and pug options have run code)"
)
_CONSTRUCTOR_TYPES = syntax.FUNCTION_TYPES | {"class", "class_declaration"}
_GUARD = re.compile(
    r"\.(startsWith|includes|has|test|indexOf|match|endsWith)\s*\(|===|!==|\bin\b|"
    r"\bis[A-Z]\w*\s*\("  # validator.isEmail(x), isValidObjectId(x), ObjectId.isValid(x)
)


@dataclass(frozen=True)
class Summary:
    """What a function does with its parameters: which reach its return value (as
    parameter-origin traces) and which reach sinks."""

    returns: Taint = CLEAN
    hits: tuple[Hit, ...] = ()
    calls: tuple[callbacks.ParamCall, ...] = ()  # parameters it calls with tainted arguments


EMPTY_SUMMARY = Summary()


class BudgetExceeded(Exception):
    """A function took more evaluation steps than MAX_STEPS_PER_FUNCTION."""


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
    nest_fastify: bool = field(init=False)  # a NestJS app on @nestjs/platform-fastify
    #: kinds request data cannot reach: app-wide sanitizing middleware (middleware.py)
    request_cleared: frozenset[SinkKind] = field(init=False)
    hits: dict[tuple[object, ...], Hit] = field(default_factory=dict)
    renders: list[Render] = field(default_factory=list)
    _cut: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _summaries: dict[tuple[str, int], Summary] = field(default_factory=dict)
    merges: MergeIndex = field(default_factory=MergeIndex)  # unsafe merge helpers
    resolvers: graphql.Resolvers = field(init=False)  # GraphQL resolvers -> args position
    class_methods: methods.Methods = field(init=False)  # `this.m()`, static methods
    schema_methods: SchemaMethods = field(init=False)  # `UserSchema.methods.toAuthJSON`
    validation: Validation = field(init=False)  # fields a route's schema constrains
    _in_progress: set[tuple[str, int]] = field(default_factory=set)
    _depth: int = 0

    def __post_init__(self) -> None:
        self.nest_fastify = nest.uses_fastify_adapter(self.files)
        self.request_cleared = app_wide_cleared(self.files, self.models)
        self.validation = Validation(self.graph, self.models, self.route_chains)
        self.resolvers = graphql.find_resolvers(self.files)
        self.class_methods = methods.Methods(self.graph)
        self.schema_methods = SchemaMethods(
            self.files, SENSITIVE_FIELDS, _BOOLEAN_METHODS | {"every"}
        )

    def run(self, advance: Callable[[int], None] | None = None) -> list[Hit]:
        """The hits of request data; `advance(1)` after each file (progress)."""
        for ctx in self.files:
            self.analyze_file(ctx)
            if advance is not None:
                advance(1)
        return [h for h in self.hits.values() if isinstance(h.trace.origin, Source)]

    def routed(self, ctx: FileContext, func: Node) -> bool:
        return (ctx.rel, func.start_byte) in self.route_handlers

    def graphql_args(self, ctx: FileContext, func: Node) -> Node | None:
        """The parameter holding a GraphQL resolver's arguments."""
        return graphql.args_param(self.resolvers, ctx, func)

    def analyze_file(self, ctx: FileContext) -> None:
        client = ctx.rel in self.client_files
        units = (
            _client_units(ctx) if client else _top_level_units(ctx, self.routed, self.graphql_args)
        )
        for unit in units:
            try:
                self.summary(ctx, unit)
            except RecursionError:
                self._skip(ctx, unit, "expressions nested too deeply")

    def record(self, hit: Hit) -> None:
        if self.validation.clears(hit.trace, hit.kind):
            return  # `body("id").isInt()` before the handler: this field cannot carry it
        origin = hit.trace.origin
        key = (hit.kind, hit.sink.path, hit.sink.line, hit.sink.column, hit.label, repr(origin))
        self.hits.setdefault(key, hit)

    def summary(self, ctx: FileContext, func: Node) -> Summary:
        key = (ctx.rel, func.start_byte)
        if key in self._summaries:
            return self._summaries[key]
        if key in self._in_progress or self._depth >= MAX_CALL_DEPTH:
            if self._depth >= MAX_CALL_DEPTH:
                self._skip(ctx, func, f"call depth limit ({MAX_CALL_DEPTH}) reached")
            return EMPTY_SUMMARY
        self._in_progress.add(key)
        self._depth += 1
        try:
            result = _FunctionAnalysis(self, ctx, func).run()
        except BudgetExceeded:
            self._skip(ctx, func, f"step limit ({MAX_STEPS_PER_FUNCTION:,}) reached")
            result = EMPTY_SUMMARY
        finally:
            self._depth -= 1
            self._in_progress.discard(key)
        self._summaries[key] = result
        return result

    def _skip(self, ctx: FileContext, node: Node, reason: str) -> None:
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

    def _constructor(self, ctx: FileContext, name: Node) -> tuple[FileContext, Node] | None:
        """The project function or class a constructor expression names."""
        node = syntax.unwrap(name)
        if node is None or node.type not in ("identifier", "member_expression"):
            return None
        if node.type == "identifier":
            declared = syntax.unwrap(ctx.declaration(syntax.text(node)))
            if declared is not None and declared.type in _CONSTRUCTOR_TYPES:
                return ctx, declared
        resolved = self.graph.resolve_import(ctx, node)
        if resolved is None:
            return None
        found = syntax.unwrap(resolved.node)
        if found is not None and found.type in ("identifier", "shorthand_property_identifier"):
            found = syntax.unwrap(resolved.ctx.declaration(syntax.text(found)))
        if found is not None and found.type in _CONSTRUCTOR_TYPES:
            return resolved.ctx, found
        return None

    def _instance_method(self, ctx: FileContext, callee: Node) -> tuple[FileContext, Node] | None:
        """`dao.update(...)` where `const dao = new DAO(db)`: the method the constructor
        function assigns (`this.update = function ...`) or the class declares."""
        receiver = ctx.value_of(callee.child_by_field_name("object"))
        name = syntax.text(callee.child_by_field_name("property"))
        if receiver is None or receiver.type != "new_expression":
            return None
        constructor = receiver.child_by_field_name("constructor")
        target = self._constructor(ctx, constructor) if constructor is not None else None
        if target is None:
            return None
        target_ctx, func = target
        for node in syntax.walk(func):
            if (
                node.type == "method_definition"
                and func.type in ("class", "class_declaration")
                and syntax.text(node.child_by_field_name("name")) == name
            ):
                return target_ctx, node
            if node.type != "assignment_expression":
                continue
            chain = syntax.member_chain(node.child_by_field_name("left"))
            value = syntax.unwrap(node.child_by_field_name("right"))
            if chain == ["this", name] and value is not None:
                value = syntax.unwrap(target_ctx.value_of(value))
                if value is not None and value.type in syntax.FUNCTION_TYPES:
                    return target_ctx, value
        return None

    def project_function(self, ctx: FileContext, call: Node) -> tuple[FileContext, Node] | None:
        """The project function a call invokes, in this file or through an import."""
        callee = syntax.unwrap(call.child_by_field_name("function"))
        if callee is None:
            return None
        if callee.type == "identifier":
            declared = ctx.declaration(syntax.text(callee))
            declared = syntax.unwrap(declared)
            if declared is not None and declared.type in syntax.FUNCTION_TYPES:
                return ctx, declared
        if callee.type not in ("identifier", "member_expression"):
            return None
        if callee.type == "member_expression":
            method = (
                self._instance_method(ctx, callee)
                or nest.injected_method(self.graph, ctx, callee)
                or self.class_methods.own(ctx, callee)
                or self.class_methods.static(ctx, callee)
            )
            if method is not None:
                return method
        resolved = self.graph.resolve_import(ctx, callee)
        if resolved is None:
            return None
        node = syntax.unwrap(resolved.node)
        if node is not None and node.type in ("identifier", "shorthand_property_identifier"):
            # `module.exports = { getUser }`: the export names a local declaration
            node = syntax.unwrap(resolved.ctx.declaration(syntax.text(node)))
        if node is not None and node.type in syntax.FUNCTION_TYPES:
            return resolved.ctx, node
        return None


def _client_units(ctx: FileContext) -> Iterator[Node]:
    """Browser code reads its sources (location, messages) anywhere: every top-level unit."""
    yield ctx.parsed.root
    for kind in sorted(syntax.FUNCTION_TYPES):
        for func in ctx.nodes(kind):
            if syntax.enclosing_function(func) is None:
                yield func


def _top_level_units(
    ctx: FileContext,
    routed: Callable[[FileContext, Node], bool],
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
            if handler_roles(f, routed=routed(ctx, f)) is not None
            or _is_archive_entry_callback(f)
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
        top = start if start.type in syntax.FUNCTION_TYPES else syntax.enclosing_function(start)
        while top is not None and (outer := syntax.enclosing_function(top)) is not None:
            top = outer
        if top is not None and top.start_byte not in seen:
            seen.add(top.start_byte)
            yield top


def _static_path(node: Node | None) -> tuple[Node, tuple[str, ...]] | None:
    """`res.status(400).send` -> (res, ("status", "()", "send")), without recursion."""
    steps: list[str] = []
    current = syntax.unwrap(node)
    while current is not None:
        if len(steps) > MAX_PATH_STEPS:
            return None  # longer than any modelled path: a builder chain in generated code
        match current.type:
            case "identifier" | "this":
                return current, tuple(reversed(steps))
            case "member_expression":
                steps.append(syntax.text(current.child_by_field_name("property")))
                current = syntax.unwrap(current.child_by_field_name("object"))
            case "subscript_expression":
                key = syntax.string_value(current.child_by_field_name("index"))
                if key is None:
                    return None
                steps.append(key)
                current = syntax.unwrap(current.child_by_field_name("object"))
            case "call_expression":
                steps.append(CALL)
                current = syntax.unwrap(current.child_by_field_name("function"))
            case "new_expression":
                steps.append(CALL)
                current = syntax.unwrap(current.child_by_field_name("constructor"))
            case _:
                return None
    return None


def _property_key(key: Node | None) -> str:
    """The name a literal's property is stored under; "[]" when it is computed."""
    if key is None:
        return "[]"
    if key.type in ("property_identifier", "number"):
        return syntax.text(key)
    return syntax.string_value(key) or "[]"


def _pattern_names(pattern: Node) -> Iterator[tuple[str, str | None]]:
    """(bound name, the property it was destructured from or None) for a binding pattern."""
    if pattern.type == "identifier":
        yield syntax.text(pattern), None
        return
    for node in syntax.walk(pattern):
        if node.type == "shorthand_property_identifier_pattern":
            yield syntax.text(node), syntax.text(node)
        elif node.type == "pair_pattern":
            value = node.child_by_field_name("value")
            if value is not None and value.type == "identifier":
                yield syntax.text(value), syntax.property_key(node)
        elif node.type == "assignment_pattern":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier" and node.parent is pattern:
                yield syntax.text(left), None
        elif node.type in ("rest_pattern", "array_pattern"):
            for child in node.named_children:
                if child.type == "identifier":
                    yield syntax.text(child), None
        elif node.type in ("required_parameter", "optional_parameter"):
            inner = node.child_by_field_name("pattern")
            if inner is not None and inner.type == "identifier":
                yield syntax.text(inner), None


class _FunctionAnalysis:
    """One function (or the program's top level) with its nested callbacks."""

    def __init__(self, engine: TaintEngine, ctx: FileContext, unit: Node) -> None:
        self.engine = engine
        self.ctx = ctx
        self.unit = unit
        self.models = engine.models
        self.env: dict[str, Taint] = {}
        self.requests: set[str] = set()
        self.responses: set[str] = set()
        self.koa: set[str] = set()
        self.messages: set[str] = set()  # browser `message` event parameters
        self.entries: dict[str, Node] = {}  # archive entry parameters -> their callback
        self.request_patterns: list[Node] = []  # `({ body }, res) => ...`
        self.replies: set[str] = set()  # Fastify replies: strings are sent as text/plain
        self.nest: nest.NestHandler | None = None  # the unit is a NestJS route method
        self.graphql_args: list[Node] = []  # resolvers' `args` parameters
        #: `obj.x = value` writes per variable, kept apart from `env` so that a use in the
        #: other branch of an `if` (or after a branch that returns) does not see them
        self.member_writes: dict[str, dict[tuple[int, int], tuple[Node, Taint]]] = {}
        self._field_writes: FieldWrites | None = None  # built on the first member read
        self.deleted: set[str] = set()  # `delete user.password`: variables made safe
        self.client = ctx.rel in engine.client_files
        self.steps = 0
        self.returns: Taint = CLEAN
        self.hits: list[Hit] = []
        self.param_calls: dict[tuple[int, int], Taint] = {}  # see callbacks.record
        self._cache: dict[tuple[int, int], Taint] = {}
        self._guards: dict[tuple[int, int, SinkKind], bool] = {}
        self.nodes = self._collect()

    def _collect(self) -> list[Node]:
        """The unit's nodes in document order; the program leaves functions to their own
        analysis, a function includes its nested callbacks."""
        skipped = syntax.FUNCTION_TYPES if self.unit.type == "program" else frozenset()
        found: list[Node] = []
        for node in syntax.walk_skipping(self.unit, skipped):
            found.append(node)
            if node.type in syntax.FUNCTION_TYPES and _is_archive_entry_callback(node):
                params = syntax.function_params(node)
                entry = syntax.param_name(params[0]) if params else None
                if entry is not None:
                    self.entries[entry] = node
            if node.type in syntax.FUNCTION_TYPES and self.client:
                event = _message_listener_param(node)
                if event is not None:
                    self.messages.add(event)
            elif node.type in syntax.FUNCTION_TYPES:
                args = self.engine.graphql_args(self.ctx, node)
                if args is not None:
                    self.graphql_args.append(args)
                roles = handler_roles(node, routed=self.engine.routed(self.ctx, node))
                if roles is not None:
                    if roles.request_pattern is not None:
                        self.request_patterns.append(roles.request_pattern)
                    if roles.fastify and roles.response is not None:
                        self.replies.add(roles.response)
                    if roles.nest is not None and node == self.unit:
                        self.nest = roles.nest
                    for name, into in (
                        (roles.request, self.requests),
                        (roles.response, self.responses),
                        (roles.koa, self.koa),
                    ):
                        if name is not None:
                            into.add(name)
        return found

    # -- driver -----------------------------------------------------------------------

    def run(self) -> Summary:
        if self.unit.type != "program":
            for index, param in enumerate(syntax.function_params(self.unit)):
                for name, _key in _pattern_names(param):
                    if name not in self.requests | self.responses | self.koa:
                        self.env[name] = frozenset({Trace(origin=index)})
        self._bind_nest_params()
        for param in self.graphql_args:
            self._bind_pattern(param.child_by_field_name("pattern") or param, self._args(param))
        for pattern in self.request_patterns:
            for name, key in _pattern_names(pattern):
                if key is not None:
                    self._assign(name, self._request_member(key, pattern))
        for name, callback in self.entries.items():
            self.env[name] = frozenset({self._archive_trace(callback, f"{name} (archive entry)")})
        bindings = [
            n
            for n in self.nodes
            if n.type
            in (
                "variable_declarator",
                "assignment_expression",
                "augmented_assignment_expression",
                "for_in_statement",
            )
            or (n.type == "call_expression" and self._callback_method(n) is not None)
            or (n.type == "call_expression" and stored.result_callback(n) is not None)
            or (n.type == "call_expression" and callbacks.has_function_argument(self.ctx, n))
        ]
        for node in self.nodes:
            if node.type == "unary_expression" and syntax.text(node).startswith("delete"):
                target = _static_path(node.named_children[0] if node.named_children else None)
                if target is not None and target[1] and target[1][-1] in SENSITIVE_FIELDS:
                    self.deleted.add(syntax.text(target[0]))
        for _ in range(MAX_PASSES):
            before = (dict(self.env), {k: dict(v) for k, v in self.member_writes.items()})
            self._cache.clear()
            for node in bindings:
                self._bind(node)
            if (self.env, self.member_writes) == before:
                break
        self._cache.clear()
        for node in self.nodes:
            if node.type in ("call_expression", "new_expression"):
                self.eval(node)
            elif node.type == "assignment_expression":
                self._check_assignment(node)
            elif node.type == "jsx_attribute" and self.client:
                self._check_dangerous_html(node)
            elif node.type == "return_statement" and syntax.enclosing_function(node) == self.unit:
                value = node.named_children[0] if node.named_children else None
                self.returns = union(self.returns, self.eval(value))
        if self.unit.type == "arrow_function":
            body = self.unit.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                self.returns = union(self.returns, self.eval(body))
        self._check_nest_returns()
        for hit in self.hits:
            self.engine.record(hit)
        params = frozenset(t for t in self.returns if isinstance(t.origin, int))
        return Summary(
            returns=params | frozenset(t for t in self.returns if isinstance(t.origin, Source)),
            hits=tuple(h for h in self.hits if isinstance(h.trace.origin, int))[:MAX_SUMMARY_HITS],
            calls=callbacks.summarised(self.param_calls),
        )

    def _lookup(self, name: str, use: Node) -> Taint:
        """What variable `name` holds where `use` reads it: its bindings, and the property
        writes into it that can have run before `use`."""
        writes = self.member_writes.get(name)
        if not writes:
            return self.env.get(name, CLEAN)
        reaching = [taint for write, taint in writes.values() if _may_precede(write, use)]
        return union(self.env.get(name, CLEAN), *reaching)

    def _assign(self, name: str, taint: Taint) -> None:
        if taint:
            self.env[name] = union(self.env.get(name, CLEAN), taint)

    def _bind(self, node: Node) -> None:
        match node.type:
            case "variable_declarator":
                target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if target is not None and value is not None:
                    self._bind_pattern(target, self.eval(value))
            case "assignment_expression" | "augmented_assignment_expression":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is None or right is None:
                    return
                taint = self.eval(right)
                if left.type in ("identifier", "object_pattern", "array_pattern"):
                    self._bind_pattern(left, taint)
                else:  # obj.x = tainted: the object now holds request data
                    path = _static_path(left)
                    if path is not None and path[0].type == "identifier" and taint:
                        keys = path[1] if CALL not in path[1] else ()
                        writes = self.member_writes.setdefault(syntax.text(path[0]), {})
                        writes[(node.start_byte, node.end_byte)] = (node, placed(taint, *keys))
            case "for_in_statement":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is not None and right is not None:
                    self._bind_pattern(left, members(self.eval(right), "*"))
            case "call_expression":
                results = stored.result_callback(node)
                if results is not None:  # `Comment.find({}, (err, docs) => ...)`
                    self._bind_pattern(results, stored.only_records(self.eval(node)))
                self._bind_callback_params(node)
                method = self._callback_method(node)
                callee = node.child_by_field_name("function")
                receiver = callee.child_by_field_name("object") if callee is not None else None
                args = syntax.call_arguments(node)
                if method is None or not args or receiver is None:
                    return
                taint = self.eval(receiver)
                if method != "then":
                    taint = members(taint, "[]")
                params = syntax.function_params(args[0])
                if params:
                    self._bind_pattern(params[0], taint)
            case _:
                return

    def _bind_callback_params(self, call: Node) -> None:
        """`dao.getAll((err, docs) => ...)`: `docs` gets what getAll calls its callback with."""
        target = self.engine.project_function(self.ctx, call)
        summary = self.engine.summary(*target) if target is not None else EMPTY_SUMMARY
        if not summary.calls or target is None:
            return
        name = self.ctx.callee_name(call) or "function"
        via = f"{name}() in {target[0].rel}"
        step = FlowStep(self.ctx.location(call), f"passed to the callback of {via}")
        arg_taints = [self.eval(a) for a in syntax.call_arguments(call)]
        for pattern, taint in callbacks.bindings(
            self.ctx, call, summary.calls, arg_taints, step, via
        ):
            self._bind_pattern(pattern, taint)

    def _bind_pattern(self, pattern: Node, taint: Taint) -> None:
        if not taint:
            return
        if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
            self._assign(syntax.text(pattern), taint)
            return
        if pattern.type in ("lexical_declaration", "variable_declaration"):
            for declarator in pattern.named_children:
                bound = declarator.child_by_field_name("name")
                if bound is not None:
                    self._bind_pattern(bound, taint)
            return
        removed = {key for _name, key in _pattern_names(pattern) if key in SENSITIVE_FIELDS}
        for name, key in _pattern_names(pattern):
            if key is None and removed:  # `const { password, ...rest } = user`: rest is safe
                taint = frozenset(t.clear(frozenset({SinkKind.SENSITIVE})) for t in taint)
            self._assign(name, members(taint, key) if key else taint)

    def _callback_method(self, call: Node) -> str | None:
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            return None
        method = syntax.text(callee.child_by_field_name("property"))
        args = syntax.call_arguments(call)
        if method in _CALLBACK_METHODS and args and args[0].type in syntax.FUNCTION_TYPES:
            return method
        return None

    # -- expressions ------------------------------------------------------------------

    def eval(self, node: Node | None, depth: int = 0) -> Taint:
        node = syntax.unwrap(node)
        if node is None:
            return CLEAN
        self.steps += 1
        if self.steps > MAX_STEPS_PER_FUNCTION:
            raise BudgetExceeded
        if depth > MAX_EXPRESSION_DEPTH:
            self.engine._skip(self.ctx, node, "expression nested too deeply")
            return CLEAN
        key = (node.start_byte, node.end_byte)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._eval(node, depth + 1)
        self._cache[key] = result
        return result

    def _eval(self, node: Node, depth: int) -> Taint:
        match node.type:
            case "identifier" | "shorthand_property_identifier":
                return self._lookup(syntax.text(node), node)
            case "member_expression" | "subscript_expression":
                return self._eval_member(node, depth)
            case "call_expression" | "new_expression":
                result = self._eval_call(node, depth)
                match stored.store_call(self.ctx, node):
                    case stored.StoreCall.READ:  # records or a status, not the filter
                        result = frozenset(t for t in result if not _passed_in(t))
                    case stored.StoreCall.WRITE:  # the saved record holds the values
                        write = stored.write_of(self.ctx, node)
                        values = [self.eval(v, depth) for v in (write.values if write else ())]
                        # (an object literal written keeps its fields: `saved.title`)
                        result = frozenset(
                            t.inside() if _passed_in(t) and not t.fields else t
                            for t in union(result, *values)
                        )
                    case None:
                        pass
                return union(result, stored.read_taint(self.ctx, node))
            case "binary_expression":
                operator = syntax.text(node.child_by_field_name("operator"))
                left = self.eval(node.child_by_field_name("left"), depth)
                right = self.eval(node.child_by_field_name("right"), depth)
                if operator in ("||", "&&", "??"):
                    return union(left, right)
                if operator == "+":
                    return frozenset(t.as_string() for t in union(left, right))
                return CLEAN  # comparisons and arithmetic give booleans and numbers
            case "template_string":
                parts = [
                    self.eval(c.named_children[0] if c.named_children else None, depth)
                    for c in node.named_children
                    if c.type == "template_substitution"
                ]
                return frozenset(t.as_string() for t in union(*parts))
            case "ternary_expression":
                consequence = node.child_by_field_name("consequence")
                chosen = self.eval(consequence, depth)
                guard = self._guard_kinds(node.child_by_field_name("condition"), consequence)
                if guard:  # `ALLOWED.includes(x) ? x : "/"`
                    chosen = frozenset(t.clear(guard) for t in chosen)
                return union(chosen, self.eval(node.child_by_field_name("alternative"), depth))
            case "assignment_expression" | "augmented_assignment_expression":
                return self.eval(node.child_by_field_name("right"), depth)
            case "object" | "array":
                return self._eval_literal(node, depth)
            case "spread_element":
                return self.eval(node.named_children[0] if node.named_children else None, depth)
            case "sequence_expression":
                children = node.named_children
                return self.eval(children[-1] if children else None, depth)
            case _:
                return CLEAN

    def _eval_literal(self, node: Node, depth: int) -> Taint:
        parts: list[Taint] = []
        for child in node.named_children:
            if child.type == "pair":
                value = self.eval(child.child_by_field_name("value"), depth)
                parts.append(placed(value, _property_key(child.child_by_field_name("key"))))
            elif child.type == "spread_element":
                parts.append(self.eval(child, depth))  # `{ ...req.body }` is still the body
            elif child.type == "shorthand_property_identifier":
                name = syntax.text(child)
                parts.append(placed(self._lookup(name, child), name))
            elif child.type not in ("comment", "method_definition"):
                parts.append(members(self.eval(child, depth), "*"))  # array elements
        return union(*parts)

    def _eval_member(self, node: Node, depth: int) -> Taint:
        path = _static_path(node)
        if path is not None:
            base, steps = path
            source = self._source(base, steps, node)
            if source is not None:
                return source
        if self._field_writes is None:
            self._field_writes = FieldWrites(self.unit)
        written = self._field_writes.overriding_value(node)
        if written is not None:  # `doc.owner = user;` earlier in the block decides
            return self.eval(written, depth)
        obj = node.child_by_field_name("object")
        if node.type == "member_expression":
            prop = syntax.text(node.child_by_field_name("property"))
        else:
            prop = syntax.string_value(node.child_by_field_name("index")) or "[]"
        if prop == "length":
            return CLEAN
        taint = members(self.eval(obj, depth), prop)
        if prop in _UPLOAD_FILE_NAMES:
            return frozenset(t.clear(_PATH_ONLY) if _is_upload(t) else t for t in taint)
        return taint

    def _request_member(self, key: str, node: Node) -> Taint:
        """`body` destructured from the request parameter: the same source as req.body."""
        shape = self.models.sources.get(("@request", (key,)))
        if shape is None:
            return CLEAN
        location = self.ctx.location(node)
        trace = Trace(
            origin=Source(f"req.{key}", location),
            steps=(FlowStep(location, f"request data: req.{key}"),),
            maybe_object=shape is Shape.OBJECT,
            whole=key in _CONTAINERS,
            cleared=self.models.source_cleared.get(("@request", (key,)), frozenset())
            | self.engine.request_cleared,
        )
        return frozenset({trace})

    def _args(self, param: Node) -> Taint:
        """A GraphQL resolver's arguments: client data, but of the types the schema declares,
        which the server checks before the resolver runs: a `String` argument cannot carry
        a `{ "$ne": null }` operator object, and an input type only its declared fields."""
        location = self.ctx.location(param)
        name = syntax.param_name(param) or "args"
        trace = Trace(
            origin=Source(f"GraphQL {name}", location),
            steps=(FlowStep(location, f"request data: GraphQL resolver arguments `{name}`"),),
            maybe_object=False,
            whole=False,
        )
        return frozenset({trace})

    def _source(self, base: Node, steps: tuple[str, ...], node: Node) -> Taint | None:
        name = syntax.text(base)
        if self.client:
            return self._dom_source(name, steps, node)
        if name in self.requests:
            pseudo = "@request"
        elif name in self.koa:
            pseudo = "@koa"
        else:
            return None
        shape = self.models.sources.get((pseudo, steps))
        if shape is None:
            return None
        members = [s for s in steps if s != CALL]
        described = ".".join([name, *members])
        if steps and steps[-1] == CALL:
            args = syntax.call_arguments(node) if node.type == "call_expression" else []
            header = syntax.string_value(args[0]) if args else None
            described = f"{described}({header!r})" if header else described + "()"
        whole = steps[-1] in _CONTAINERS
        cleared = self.models.source_cleared.get((pseudo, steps), frozenset())
        if pseudo == "@request":
            cleared |= self.engine.request_cleared
        trace = Trace(
            origin=Source(described, self.ctx.location(node)),
            steps=(FlowStep(self.ctx.location(node), f"request data: {described}"),),
            maybe_object=shape is Shape.OBJECT,
            whole=whole,
            cleared=cleared,
        )
        return frozenset({trace})

    def _archive_trace(self, node: Node, described: str) -> Trace:
        location = self.ctx.location(node)
        return Trace(
            origin=Source(described, location, OriginKind.ARCHIVE),
            steps=(FlowStep(location, f"archive entry: {described}"),),
            maybe_object=False,
            whole=False,
        )

    def _record_read(
        self, call: Node, receiver: Node | None, method: str, args: list[Node]
    ) -> Taint:
        """A database read of a model with secret fields, unless it projects them away."""
        if receiver is None or method not in _RECORD_READS:
            return CLEAN
        if receiver.type == "identifier":
            model = syntax.text(receiver)
        elif receiver.type == "member_expression":  # `db.User.findAll()`
            model = syntax.text(receiver.child_by_field_name("property"))
        else:
            return CLEAN
        if model not in self.engine.record_models or _projects(args):
            return CLEAN
        location = self.ctx.location(call)
        described = f"a {model} record from {syntax.text(receiver)}.{method}()"
        trace = Trace(
            origin=Source(described, location, OriginKind.RECORD),
            steps=(FlowStep(location, f"database record: {described} (no projection)"),),
        )
        return frozenset({trace})

    def _dom_source(self, name: str, steps: tuple[str, ...], node: Node) -> Taint | None:
        if name not in _BROWSER_GLOBALS and name not in self.messages:
            return None  # a local variable, not the browser's
        full = (name, *steps)
        while full and full[0] in ("window", "globalThis", "self"):
            full = full[1:]
        if full[:2] == ("document", "location"):
            full = full[1:]
        if name in self.messages and steps == ("data",):
            described = f"{name}.data (a postMessage message)"
        elif full and self.models.sources.get(("@dom", full)) is not None:
            described = ".".join(full)
        else:
            return None
        trace = Trace(
            origin=Source(described, self.ctx.location(node), OriginKind.BROWSER),
            steps=(FlowStep(self.ctx.location(node), f"browser data: {described}"),),
            maybe_object=False,
            whole=False,
        )
        return frozenset({trace})

    # -- calls ------------------------------------------------------------------------

    def _callee_ref(self, call: Node) -> Ref | None:
        fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
        path = _static_path(fn)
        if path is not None:
            base, steps = path
            name = syntax.text(base)
            if name in self.responses:
                while len(steps) > 2 and steps[0] in _CHAINABLE and steps[1] == CALL:
                    steps = steps[2:]
                return Ref("@response", steps)
            if name in self.koa:
                return Ref("@koa", steps)
            if name in self.requests:
                return Ref("@request", steps)
        ref = self.ctx.callee(call)
        if ref is not None:
            return self.engine.resolve_ref(self.ctx, ref)
        if path is not None:
            base, steps = path
            name = syntax.text(base)
            if base.type == "identifier" and self.ctx.declaration(name) is None:
                local = name in self.env or name in self.member_writes
                if not local and name not in ("window", "globalThis"):
                    return Ref("global", (name, *steps))
                if name in ("window", "globalThis"):
                    return Ref("global", steps)
        return None

    def _eval_call(self, call: Node, depth: int) -> Taint:
        path = _static_path(call)
        if path is not None and call.type == "call_expression":
            source = self._source(path[0], path[1], call)
            if source is not None:
                return source
        fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
        args = syntax.call_arguments(call)
        arg_taints = [self.eval(a, depth) for a in args]
        receiver = (
            fn.child_by_field_name("object")
            if fn is not None and fn.type == "member_expression"
            else None
        )
        receiver_taint = self.eval(receiver, depth) if receiver is not None else CLEAN
        method = (
            syntax.text(fn.child_by_field_name("property"))
            if fn is not None and receiver is not None
            else ""
        )
        ref = self._callee_ref(call)
        key = (ref.module, ref.path) if ref is not None else None
        self._check_store_write(call, receiver, method, args, arg_taints, receiver_taint)
        callbacks.record(self.param_calls, self.unit, call, arg_taints)

        if method == "mv" and receiver_taint and args:  # express-fileupload: file.mv(path)
            label = f"{syntax.text(receiver)}.mv()" if receiver is not None else "mv()"
            self._sink(call, args[0], arg_taints[0], SinkKind.PATH, label, Confidence.MEDIUM)
        if method == "getEntries" and call.type == "call_expression":  # adm-zip
            return frozenset({self._archive_trace(call, "entry.entryName (adm-zip entry)")})
        if method in zod.PARSE_METHODS and arg_taints:  # `Body.parse(req.body)`
            parsed = zod.parse_call(self.engine.graph, self.ctx, call)
            if parsed is not None:
                return zod.parsed_taint(parsed, arg_taints[0])
        if method == "select" and receiver_taint:  # a projection: `.select("-password")`
            return frozenset(t.clear(frozenset({SinkKind.SENSITIVE})) for t in receiver_taint)
        if key in (("@response", ("render",)), ("@koa", ("render",))) and args:
            self._record_render(call, args, depth)
            return CLEAN
        if self.client and self._dom_sinks(call, method, receiver, args, arg_taints):
            return CLEAN
        if key is not None and key[0] == "vm" and key[1][-1:] in _VM_RUNNERS and len(args) > 1:
            self._vm_sandbox_sinks(call, args)
        if key is not None:
            cleared = self.models.sanitizers.get(key)
            if cleared is not None:
                return frozenset(
                    t.clear(cleared).as_string() for t in union(*arg_taints, receiver_taint)
                )
            rows = self.models.sinks_for(*key)
            if rows:
                for row in rows:
                    if key[0].startswith("@"):  # name the handler's own variable: res.send()
                        written = self.ctx.callee_name(call)
                        row = replace(row, label=f"{written}()") if written else row
                    self._check_row(call, row, args, arg_taints, Confidence.HIGH)
                if all(row.kind in _MERGING_KINDS for row in rows):
                    return union(*arg_taints)  # Object.assign / _.merge return the merge
                return self._record_read(call, receiver, method, args)
            if key in self.models.clean_results:
                return CLEAN
        if self._heuristic_sinks(call, fn, receiver, method, args, arg_taints, receiver_taint):
            return self._record_read(call, receiver, method, args)

        target = (
            self.engine.project_function(self.ctx, call)
            or self.engine.schema_methods.summarisable(call)
            or self.engine.schema_methods.static_method(call)
            if call.type == "call_expression"
            else None
        )
        if target is not None:
            self._check_merge(call, target, args, arg_taints)
            result = union(
                self._apply_summary(call, target, arg_taints), self._closure_returns(target)
            )
            escaping = _escaping_kinds(syntax.text(fn).rsplit(".", 1)[-1] if fn else "")
            return frozenset(t.clear(escaping) for t in result) if escaping else result

        if method in _REGEX_METHODS and receiver_taint and args:
            self._check_regex_literal(call, args[0], receiver_taint)
        if method in ("test", "exec") and receiver is not None and args:
            self._check_regex_literal(call, receiver, arg_taints[0])
        if method in _BOOLEAN_METHODS:
            return CLEAN
        if method in ("map", "flatMap") and args and args[0].type in syntax.FUNCTION_TYPES:
            # the array of what the callback returns: `rows.map((r) => escape(r.text))`
            return union(*(self.eval(value, depth) for value in syntax.returned_values(args[0])))
        if method == "replace" and args and re.search(r"\\[nr]", syntax.text(args[0])):
            return frozenset(
                t.clear(frozenset({SinkKind.LOG, SinkKind.HEADER})) for t in receiver_taint
            )
        if method in ("replace", "replaceAll") and len(args) > 1 and "&lt;" in syntax.text(args[1]):
            escaped = frozenset({SinkKind.XSS, SinkKind.DOM_XSS})  # .replace(/</g, "&lt;")
            return frozenset(t.clear(escaped).as_string() for t in receiver_taint)
        if method in _STRING_METHODS:
            return frozenset(t.as_string() for t in union(receiver_taint, *arg_taints))
        if method == "get" and len(args) == 1 and not receiver_taint:
            return CLEAN  # a lookup (Map, cache, store): the value stored, not the key
        if call.type == "new_expression" and syntax.text(fn) == "Promise" and args:
            return union(*(self.eval(v, depth) for v in promises.resolved_values(args[0])))
        # An unknown call: its result may carry any of its inputs (string and array
        # helpers, path.join, wrappers).
        return union(receiver_taint, *(members(a, "*") for a in arg_taints))

    def _check_store_write(
        self,
        call: Node,
        receiver: Node | None,
        method: str,
        args: list[Node],
        arg_taints: list[Taint],
        receiver_taint: Taint,
    ) -> None:
        """Request data written to a database store (stored.py): recorded as STORE hits,
        which the stored-XSS rule joins with the reads of the same store."""
        if method == "save" and not args and receiver_taint:  # doc.field = x; doc.save()
            for found in stored.saved_stores(self.ctx, receiver, receiver_taint):
                label = f"{syntax.text(receiver)}.save()"
                self._store_write(call, call, receiver_taint, found.key, label)
            return
        write = stored.write_of(self.ctx, call)
        if write is None:
            return
        for value in write.values:
            index = next((i for i, a in enumerate(args) if a == value), None)
            if index is not None:
                self._store_write(call, value, arg_taints[index], write.store.key, write.label)

    def _store_write(self, call: Node, arg: Node, taint: Taint, store: str, label: str) -> None:
        # Each hit's trace says which record field it writes (stored.written_field); when
        # some traces were not kept (more than the sink records, or a full union), the
        # written fields are unknown and every hit counts for any field.
        complete = len(taint) <= MAX_HITS_PER_SINK
        start = len(self.hits)
        self._sink(call, arg, taint, SinkKind.STORE, label, Confidence.HIGH)
        self.hits[start:] = [
            replace(
                hit, store=store, trace=hit.trace if complete else replace(hit.trace, fields=())
            )
            for hit in self.hits[start:]
        ]

    def _vm_sandbox_sinks(self, call: Node, args: list[Node]) -> None:
        """`vm.runInContext("libxml.parseXml(data, { noent: true })", { libxml, data })`: the
        fixed code calls sandboxed functions on sandboxed values. Each call in the code is
        checked as if written here, with the sandbox's entries in place of its names."""
        code = syntax.string_value(args[0])
        sandbox = syntax.unwrap(self.ctx.value_of(args[1]))
        if sandbox is not None and sandbox.type == "call_expression":  # vm.createContext({..})
            inner = syntax.call_arguments(sandbox)
            sandbox = syntax.unwrap(self.ctx.value_of(inner[0])) if inner else None
        if not code or sandbox is None or sandbox.type != "object":
            return
        entries = {key: value for key, value, _pair in syntax.object_entries(sandbox)}
        tree = parse(SourceText("vm.js", code.encode(), tuple(code.splitlines())))
        for inner_call in syntax.walk(tree.root):
            if inner_call.type != "call_expression":
                continue
            path = _static_path(inner_call.child_by_field_name("function"))
            if path is None or syntax.text(path[0]) not in entries:
                continue
            base = self.ctx.ref_of(entries[syntax.text(path[0])])
            if base is None:
                continue
            ref = self.engine.resolve_ref(self.ctx, base.then(*path[1]))
            inner_args = syntax.call_arguments(inner_call)
            outer_args = [entries.get(syntax.text(a), a) for a in inner_args]
            taints = [
                self.eval(entries[syntax.text(a)]) if syntax.text(a) in entries else CLEAN
                for a in inner_args
            ]
            method = syntax.text(call.child_by_field_name("function")).rsplit(".", 1)[-1]
            for row in self.models.sinks_for(ref.module, ref.path):
                if row.condition is not None and not _condition_holds(
                    self.ctx, row.condition, inner_args
                ):
                    continue
                label = f"{row.label} run by vm {method}()"
                for index in row.argument.select(len(inner_args)):
                    self._sink(
                        call, outer_args[index], taints[index], row.kind, label, Confidence.HIGH
                    )

    def _check_merge(
        self, call: Node, target: tuple[FileContext, Node], args: list[Node], taints: list[Taint]
    ) -> None:
        """A project function that merges or sets by path without a key guard (merges.py)."""
        target_ctx, func = target
        if not any(taints):
            return  # nothing reaches the call: no need to know what the callee does
        if target_ctx is self.ctx and _inside(call, func):
            return  # the merge's own recursion: its callers are what is reported
        merge = self.engine.merges.of(target_ctx, func)
        if merge is None:
            return
        where = merge.describe(target_ctx.rel)
        step = FlowStep(target_ctx.location(func), where)
        label = f"{self.ctx.callee_name(call) or 'function'}(), a {where}"
        for index in merge.indexes(len(args)):
            taint = merge.reaching(taints[index], step)
            self._sink(call, args[index], taint, SinkKind.PROTOTYPE, label, merge.confidence)

    def _closure_returns(self, target: tuple[FileContext, Node]) -> Taint:
        """What a function nested in this unit returns from the variables it closes over
        (`function criteria() { return { $where: `...${threshold}` }; }`): its summary
        only knows its own parameters."""
        target_ctx, func = target
        if target_ctx is not self.ctx or func == self.unit or not _inside(func, self.unit):
            return CLEAN
        return union(*(self.eval(value) for value in syntax.returned_values(func)))

    def _record_render(self, call: Node, args: list[Node], depth: int) -> None:
        view = syntax.string_value(args[0])
        if view is None or len(args) < 2:
            return
        data = syntax.unwrap(self.ctx.value_of(args[1]))
        variables: dict[str, Taint] = {}
        fields: dict[str, dict[str, Taint]] = {}
        every: list[Taint] = []
        if data is not None and data.type == "object":
            every += [
                frozenset(t for t in self.eval(child, depth) if t.whole)
                for child in data.named_children
                if child.type == "spread_element"
            ]
            for key, value, _pair in syntax.object_entries(data):
                taint = self.eval(value, depth)
                if taint:
                    variables[key] = taint
                    literal = self._local_object(value, call)
                    if literal is not None:
                        fields[key] = {
                            k: frozenset(
                                t for t in self.eval(v, depth) if isinstance(t.origin, Source)
                            )
                            for k, v, _p in syntax.object_entries(literal)
                        }
        else:
            # a whole request object, or an object whose fields hold request data: a
            # helper's `return { title, term: req.query.q }` taints only `term`
            every.append(frozenset(t for t in self.eval(args[1], depth) if t.whole or t.fields))
        sources = {
            k: frozenset(t for t in v if isinstance(t.origin, Source)) for k, v in variables.items()
        }
        sources = {k: v for k, v in sources.items() if v}
        every_taint = frozenset(t for t in union(*every) if isinstance(t.origin, Source))
        containers = frozenset(
            t for t in every_taint if _origin_kind(t) is OriginKind.REQUEST and t.whole
        )
        if containers:  # `res.render(view, { ...req.body })`: the client sets engine options
            self._sink(call, args[1], containers, SinkKind.PATH, _RENDER_OPTIONS, Confidence.HIGH)
        if sources or every_taint:
            label = f"{self.ctx.callee_name(call) or 'render'}()"
            location = self.ctx.location(call)
            self.engine.renders.append(Render(view, sources, every_taint, location, label, fields))

    def _local_object(self, value: Node, before: Node) -> Node | None:
        """The object literal `value` names when this unit binds it exactly once, before
        `before`, with no spread: `output = { products, searchTerm: q }`."""
        named = syntax.unwrap(value)
        found: Node | None = None
        if named is not None and named.type == "object":
            found = named
        elif named is not None and named.type in ("identifier", "shorthand_property_identifier"):
            name = syntax.text(named)
            bound = [
                n.child_by_field_name("value" if n.type == "variable_declarator" else "right")
                for n in self.nodes
                if n.start_byte < before.start_byte
                and (
                    (
                        n.type == "variable_declarator"
                        and syntax.text(n.child_by_field_name("name")) == name
                    )
                    or (
                        n.type == "assignment_expression"
                        and syntax.text(n.child_by_field_name("left")) == name
                    )
                )
            ]
            found = syntax.unwrap(bound[0]) if len(bound) == 1 else None
        else:
            return None
        if found is None or found.type != "object":
            return None
        if any(c.type == "spread_element" for c in found.named_children):
            return None
        return found

    def _dom_sinks(
        self,
        call: Node,
        method: str,
        receiver: Node | None,
        args: list[Node],
        arg_taints: list[Taint],
    ) -> bool:
        """Browser sinks recognised by method names (jQuery, Angular's DomSanitizer,
        insertAdjacentHTML); document.write and $(...) are model rows."""
        receiver_text = syntax.text(receiver) if receiver is not None else ""
        is_jquery = receiver_text.startswith(("$(", "jQuery(", "$")) and receiver is not None
        index: int | None = None
        if method in _JQUERY_HTML_METHODS and is_jquery:
            index = 0
        elif method == "insertAdjacentHTML":
            index = 1
        elif method.startswith("bypassSecurityTrust"):
            index = 0
        if index is None or index >= len(args):
            return False
        label = f"{receiver_text}.{method}()" if len(receiver_text) < 40 else f"{method}()"
        self._sink(call, args[index], arg_taints[index], SinkKind.DOM_XSS, label, Confidence.HIGH)
        return True

    def _apply_summary(
        self, call: Node, target: tuple[FileContext, Node], arg_taints: list[Taint]
    ) -> Taint:
        target_ctx, func = target
        summary = self.engine.summary(target_ctx, func)
        if not summary.returns and not summary.hits:
            return CLEAN
        name = self.ctx.callee_name(call) or "function"
        via = f"{name}() in {target_ctx.rel}"
        step = FlowStep(self.ctx.location(call), f"passed to {name}() in {target_ctx.rel}")
        result: list[Taint] = []
        for inner in summary.returns:
            if isinstance(inner.origin, int):
                if inner.origin < len(arg_taints):
                    result.append(
                        frozenset(t.through(inner, step, via) for t in arg_taints[inner.origin])
                    )
            else:
                result.append(frozenset({inner}))
        for hit in summary.hits:
            index = hit.trace.origin
            if not isinstance(index, int) or index >= len(arg_taints):
                continue
            for outer in arg_taints[index]:
                trace = outer.through(hit.trace, step, via)
                if hit.kind in trace.cleared or not (hit.any_shape or _shape_fits(hit.kind, trace)):
                    continue
                if self._guarded(call, call.child_by_field_name("arguments"), hit.kind):
                    continue
                self.hits.append(replace(hit, trace=trace))
        return union(*result)

    def _check_row(
        self,
        call: Node,
        row: SinkRow,
        args: list[Node],
        arg_taints: list[Taint],
        confidence: Confidence,
    ) -> None:
        if row.condition is not None and not _condition_holds(self.ctx, row.condition, args):
            return
        target = syntax.unwrap(args[0]) if args else None
        if (
            row.kind is SinkKind.MASS_ASSIGNMENT
            and row.argument.to_end  # variadic merges; `Model.updateOne(filter, body)` is not
            and target is not None
            and target.type == "object"
        ):
            return  # Object.assign({}, req.body) copies; what the copy reaches is checked
        for index in row.argument.select(len(args)):
            self._sink(call, args[index], arg_taints[index], row.kind, row.label, confidence)

    def _sink(
        self,
        call: Node,
        arg: Node,
        taint: Taint,
        kind: SinkKind,
        label: str,
        confidence: Confidence,
    ) -> None:
        if taint and kind is SinkKind.XSS:
            taint = self._html_body(call, arg, taint)
        if not taint:
            return
        any_shape = kind is SinkKind.NOSQL and _has_where(arg, self)
        kind_taint = taint if any_shape else frozenset(t for t in taint if _shape_fits(kind, t))
        if kind in (SinkKind.REDIRECT, SinkKind.SSRF) and _fixed_target(arg, kind):
            return
        live = [t for t in kind_taint if kind not in t.cleared]
        if kind is SinkKind.SENSITIVE and self.deleted & {
            syntax.text(n) for n in syntax.walk(arg) if n.type == "identifier"
        }:
            return  # `delete user.password` before sending
        if not live or self._guarded(call, arg, kind):
            return
        location = self.ctx.location(call)
        # the origin breaks ties: set order varies from run to run (hash randomisation)
        ranked = sorted(
            live, key=lambda t: (isinstance(t.origin, int), len(t.steps), repr(t.origin))
        )
        for trace in ranked[:MAX_HITS_PER_SINK]:
            # (the fields say where in the argument the data sits: stored.py reads them)
            final = replace(trace, steps=(*trace.steps, FlowStep(location, f"reaches {label}")))
            self.hits.append(Hit(kind, location, label, final, confidence, any_shape))

    def _html_body(self, call: Node, arg: Node, taint: Taint) -> Taint:
        """What of a response body the browser parses as HTML."""
        if _NOT_HTML.search(syntax.text(call.child_by_field_name("function"))):
            return CLEAN  # res.type("text/plain").send(x)
        if self._plain_reply(call):
            return CLEAN  # Fastify sends strings as text/plain unless told otherwise
        if declared_not_html(call, self.unit):
            return CLEAN  # res.set("Content-Type", "application/json") earlier
        body = syntax.unwrap(arg)
        if body is not None and body.type in ("object", "array"):
            return CLEAN  # res.send({ ... }) answers JSON
        if holds_json_object(arg):
            return CLEAN  # `let result = {}; ...; res.send(result)` answers JSON too
        if _method_name(call) == "send":
            return _string_bodies(taint)  # res.send(wrap(x)) of an object answers JSON
        return taint

    def _heuristic_sinks(
        self,
        call: Node,
        fn: Node | None,
        receiver: Node | None,
        method: str,
        args: list[Node],
        arg_taints: list[Taint],
        receiver_taint: Taint,
    ) -> bool:
        """Sinks recognised by method and receiver names when no model row resolved.
        Returns whether the call was one (its result then holds no request data)."""
        receiver_text = syntax.text(receiver) if receiver is not None else ""
        receiver_name = receiver_text.rsplit(".", 1)[-1]
        if not args:  # `User.findAll()`: every record
            return (
                method in _RECORD_READS
                and receiver is not None
                and receiver.type in ("identifier", "member_expression")
                and receiver_name[:1].isupper()
                and receiver_name not in _BUILTIN_OBJECTS
            )
        medium = Confidence.MEDIUM
        if (
            method in _RAW_SQL_METHODS
            or (method in _SQL_METHODS and _SQL_RECEIVER.search(receiver_name))
            or (method in _SQL_METHODS and nest.is_typed_sql_client(receiver))
            or (method in _SQLITE_METHODS and re.search(r"db|database|sqlite", receiver_name, re.I))
        ):
            self._sink(
                call, args[0], arg_taints[0], SinkKind.SQL, f"{receiver_text}.{method}()", medium
            )
            return True
        if method in _QUERY_BUILDER_METHODS and "createQueryBuilder" in receiver_text:
            self._sink(
                call, args[0], arg_taints[0], SinkKind.SQL, f"query builder {method}()", medium
            )
            return True
        is_model = (
            receiver is not None
            and receiver.type == "identifier"
            and receiver_name[:1].isupper()
            and receiver_name not in _BUILTIN_OBJECTS
        ) or (  # `this.find(criteria)` in a Mongoose schema static: `this` is the model
            receiver is not None
            and receiver.type == "this"
            and self.engine.schema_methods.is_static(self.ctx, self.unit)
        )
        receiver_value = self.ctx.value_of(receiver) if receiver is not None else None
        is_collection = (
            ".collection(" in receiver_text
            or receiver_name.lower().endswith("collection")  # usersCollection, this.collection
            or ".collection(" in syntax.text(receiver_value)[:200]
        )
        if call.type == "new_expression" and fn is not None and fn.type == "identifier":
            name = syntax.text(fn)
            if name[:1].isupper() and name not in _BUILTIN_OBJECTS and self._is_model_name(name):
                self._mass_assignment(call, args[0], arg_taints[0], f"new {name}()")
            return False
        if (is_model or is_collection) and method in _MASS_ASSIGNMENT_METHODS:
            index = _MASS_ASSIGNMENT_METHODS[method]
            if index < len(args):
                self._mass_assignment(
                    call, args[index], arg_taints[index], f"{receiver_text}.{method}()"
                )
        if (
            (is_model or is_collection)
            and method in _NOSQL_METHODS
            and not is_sequelize_call(self.ctx, args)  # `{ where }`: Symbol operators only
        ):
            self._sink(
                call, args[0], arg_taints[0], SinkKind.NOSQL, f"{receiver_text}.{method}()", medium
            )
            return True
        is_model_member = (  # `db.Product.findAll(...)`, `models.User.findOne(...)`
            receiver is not None
            and receiver.type == "member_expression"
            and receiver_name[:1].isupper()
            and receiver_name not in _BUILTIN_OBJECTS
        )
        if (is_model or is_collection or is_model_member) and (
            method in _MASS_ASSIGNMENT_METHODS or method.startswith("find")
        ):
            return True  # database reads and writes return records, not the request
        if method in _LOGGER_METHODS and _LOGGER_RECEIVER.match(receiver_text):
            for arg, taint in zip(args, arg_taints, strict=True):
                self._sink(call, arg, taint, SinkKind.LOG, f"{receiver_text}.{method}()", medium)
            return True
        return False

    def _is_model_name(self, name: str) -> bool:
        """A class imported from a project module (`models/user`) or made by an ODM."""
        declared = self.ctx.declaration(name)
        if declared is not None and declared.type == "class_declaration":
            return True
        ref = self.ctx.ref_of(self._identifier_node(name))
        if ref is None:
            return False
        return ref.module.startswith(".") or "model" in ref.path or "define" in ref.path

    def _identifier_node(self, name: str) -> Node | None:
        for node in self.ctx.nodes("identifier"):
            if syntax.text(node) == name:
                return node
        return None

    def _mass_assignment(self, call: Node, arg: Node, taint: Taint, label: str) -> None:
        # _sink keeps only whole request bodies (see _shape_fits)
        self._sink(call, arg, taint, SinkKind.MASS_ASSIGNMENT, label, Confidence.MEDIUM)

    def _check_regex_literal(self, call: Node, regex_node: Node, taint: Taint) -> None:
        """A regex literal (directly or through a constant) applied to request data."""
        literal = syntax.unwrap(self.ctx.value_of(regex_node))
        if literal is None or literal.type != "regex":
            return
        pattern = syntax.text(literal.child_by_field_name("pattern"))
        if is_catastrophic(pattern):
            label = f"regular expression /{pattern}/"
            self._sink(call, regex_node, taint, SinkKind.REDOS, label, Confidence.HIGH)

    def _check_dangerous_html(self, attribute: Node) -> None:
        """React: `dangerouslySetInnerHTML={{ __html: value }}`."""
        children = attribute.named_children
        if len(children) < 2 or syntax.text(children[0]) != "dangerouslySetInnerHTML":
            return
        value = children[1]
        inner = value.named_children[0] if value.named_children else None
        html = syntax.object_get(inner, "__html") if inner is not None else None
        if html is not None:
            label = "dangerouslySetInnerHTML"
            self._sink(attribute, html, self.eval(html), SinkKind.DOM_XSS, label, Confidence.HIGH)

    def _check_assignment(self, node: Node) -> None:
        """`el.innerHTML = value` in browser code; `obj[req.body.a][req.body.b] = value`:
        a nested write with request keys can reach Object.prototype through `__proto__`."""
        left = node.child_by_field_name("left")
        self._check_koa_body(node, left)
        if self.client and left is not None and left.type == "member_expression":
            prop = syntax.text(left.child_by_field_name("property"))
            right = node.child_by_field_name("right")
            if prop in _DOM_HTML_PROPERTIES and right is not None:
                label = f"{prop} assignment"
                self._sink(node, right, self.eval(right), SinkKind.DOM_XSS, label, Confidence.HIGH)
            return
        if left is None or left.type != "subscript_expression":
            return
        inner = syntax.unwrap(left.child_by_field_name("object"))
        if inner is None or inner.type != "subscript_expression":
            return
        key = self.eval(inner.child_by_field_name("index"))
        index = inner.child_by_field_name("index")
        if key and index is not None:
            self._sink(
                node, index, key, SinkKind.PROTOTYPE, "a nested property write", Confidence.MEDIUM
            )

    # -- framework responses (NestJS, Koa, Fastify) --------------------------------------

    def _bind_nest_params(self) -> None:
        """A NestJS route method's decorated parameters hold request data: `@Query() q` is
        req.query, `@Query('q') q` is req.query.q; a conversion pipe leaves a number."""
        if self.nest is None:
            return
        for name in self.nest.converted:
            self.env.pop(name, None)
        for param in self.nest.params:
            container = self._request_member(param.source.value, param.node)
            if param.key is not None:
                container = members(container, param.key)
            elif dto := class_validator.param_shape(
                self.engine.graph, self.ctx, self.unit, param.node
            ):
                container = restrict(container, dto)  # `@Body() dto: CreateUserDto`, validated
            self.env[param.name] = container

    def _check_nest_returns(self) -> None:
        """What a NestJS route method returns is the response body: a string is sent with
        Express's res.send (text/html) by the default adapter."""
        if self.nest is None or not self.nest.returns_html or self.engine.nest_fastify:
            return
        name = syntax.text(self.unit.child_by_field_name("name")) or "handler"
        label = (
            f"the return value of controller method {name}() "
            f"({self.nest.framework} sends strings as text/html)"
        )
        for value in syntax.returned_values(self.unit):
            node = value.parent if value.parent is not None else value
            taint = _string_bodies(self.eval(value))
            self._sink(node, value, taint, SinkKind.XSS, label, Confidence.HIGH)

    def _check_koa_body(self, node: Node, left: Node | None) -> None:
        """`ctx.body = value` in a Koa handler: HTML when the handler set an HTML type, or
        set none and the body starts with `<` or with request data (content_type.py)."""
        context = content_type.koa_body_target(left, self.koa)
        right = node.child_by_field_name("right")
        if context is None or right is None:
            return
        handler = content_type.handler_of(node, context, self.unit)
        declared = content_type.koa_body_type(handler, context, node)
        if declared is content_type.BodyType.OTHER:
            return
        if declared is content_type.BodyType.UNSET and not content_type.koa_body_is_html(
            self.ctx, right
        ):
            return
        label = f"{syntax.text(left)} (Koa serves it as text/html)"
        taint = _string_bodies(self.eval(right))
        self._sink(node, right, taint, SinkKind.XSS, label, Confidence.HIGH)

    def _plain_reply(self, call: Node) -> bool:
        """`reply.send(x)` on a Fastify reply with no HTML content type set."""
        path = _static_path(call.child_by_field_name("function"))
        if path is None or syntax.text(path[0]) not in self.replies:
            return False
        reply = syntax.text(path[0])
        handler = content_type.handler_of(call, reply, self.unit)
        declared = content_type.fastify_reply_type(handler, reply, call)
        return declared is not content_type.BodyType.HTML

    def _guard_kinds(self, condition: Node | None, value: Node | None) -> frozenset[SinkKind]:
        """The sink kinds a test of `value` in `condition` rules out: an allow-list or
        prefix check rules out all, a `typeof` check only operator injection."""
        names = self._tainted_names(value)
        if not names or condition is None:
            return frozenset()
        if _tests(condition, names, SinkKind.SQL):
            return ALL_KINDS
        if _tests(condition, names, SinkKind.NOSQL):
            return frozenset({SinkKind.NOSQL})
        return frozenset()

    def _tainted_names(self, arg: Node | None) -> set[str]:
        """The tainted variables and request reads in an expression, as written."""
        names: set[str] = set()
        for n in syntax.walk(arg) if arg is not None else ():
            if n.type in ("identifier", "shorthand_property_identifier"):
                if self._lookup(syntax.text(n), n):
                    names.add(syntax.text(n))
            elif n.type == "member_expression":
                path = _static_path(n)
                if path is not None and syntax.text(path[0]) in self.requests | self.koa:
                    names.add(syntax.text(n))
        return names

    def _tests(self, condition: Node | None, names: set[str], kind: SinkKind) -> bool:
        """`condition` checks the value; for URLs a substring check does not count."""
        if not _tests(condition, names, kind) or condition is None:
            return False
        if kind not in (SinkKind.REDIRECT, SinkKind.SSRF):
            return True
        return not self._substring_only(condition, names)

    def _substring_only(self, condition: Node, names: set[str]) -> bool:
        """The URL check is `url.includes(allowed)` (or indexOf), inline or in a project
        function the condition calls: `https://evil.example/?https://allowed.example`
        passes it (CWE-20, incomplete URL substring sanitization)."""
        if _substring_check(syntax.text(condition), names):
            return True
        for call in syntax.walk(condition):
            if call.type != "call_expression":
                continue
            args = syntax.call_arguments(call)
            indexes = [i for i, a in enumerate(args) if syntax.text(a) in names]
            target = self.engine.project_function(self.ctx, call) if indexes else None
            if target is None:
                continue
            params = syntax.function_params(target[1])
            checked = {syntax.param_name(params[i]) or "" for i in indexes if i < len(params)} - {
                ""
            }
            if checked and _substring_check(syntax.text(target[1]), checked):
                return True
        return False

    def _guarded(self, call: Node, arg: Node | None, kind: SinkKind) -> bool:
        key = (call.start_byte, arg.start_byte if arg is not None else -1, kind)
        if key not in self._guards:
            self._guards[key] = self._find_guard(call, arg, kind)
        return self._guards[key]

    def _find_guard(self, call: Node, arg: Node | None, kind: SinkKind) -> bool:
        """An allow-list or prefix check on the value before the sink: the call sits in an
        `if` that tests it, or follows an `if` that tests it and leaves early."""
        names = self._tainted_names(arg)
        if not names:
            return False
        node = call
        # at most syntax.MAX_ANCESTORS levels up: Node.parent costs O(depth) in tree-sitter
        for parent in syntax.ancestors(call):
            if node == self.unit:
                break
            if (
                parent.type == "if_statement"
                and node == parent.child_by_field_name("consequence")
                and self._tests(parent.child_by_field_name("condition"), names, kind)
            ):
                return True
            if parent.type == "statement_block":
                for sibling in parent.named_children:
                    if sibling.start_byte >= node.start_byte:
                        break
                    if (
                        sibling.type == "if_statement"
                        and _exits(sibling)
                        and self._tests(sibling.child_by_field_name("condition"), names, kind)
                    ):
                        return True
            node = parent
        return False


_FIXED_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]+[/?#]", re.I)


def _is_upload(trace: Trace) -> bool:
    origin = trace.origin
    return isinstance(origin, Source) and origin.description.startswith(_UPLOAD_SOURCES)


def _inside(node: Node, ancestor: Node) -> bool:
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


def _fixed_target(arg: Node, kind: SinkKind) -> bool:
    """A URL whose origin is fixed by a literal prefix cannot send the user or the server
    elsewhere; for redirects a same-site path ("/x", not "//x") is fixed too."""
    prefix = syntax.literal_prefix(arg)
    if not prefix:
        return False
    if _FIXED_ORIGIN.match(prefix):
        return True
    return (
        kind is SinkKind.REDIRECT
        and len(prefix) > 1
        and prefix[0] == "/"
        and prefix[1] not in "/\\"
    )


_NOT_HTML = re.compile(r"\.type\(\s*['\"`](text/plain|text|txt|json|application/json)['\"`]")
_ESCAPING_NAME = re.compile(r"escape|encode|sanitize|purify|clean|htmlSafe", re.I)
_ESCAPED_KINDS = frozenset({SinkKind.XSS, SinkKind.DOM_XSS, SinkKind.HEADER, SinkKind.LOG})


def _escaping_kinds(function_name: str) -> frozenset[SinkKind]:
    """A project function named like an escaper (`escapeHtml`, `sanitizeInput`) is
    trusted to escape for HTML, headers and logs, whatever its body does."""
    return _ESCAPED_KINDS if _ESCAPING_NAME.search(function_name) else frozenset()


def _projects(args: list[Node]) -> bool:
    """`find(q, "name email")`, `find(q, { password: 0 })`, `findAll({ attributes: ... })`."""
    if len(args) > 1 and syntax.unwrap(args[1]) is not None:
        second = syntax.unwrap(args[1])
        if second is not None and second.type in ("string", "template_string", "object", "array"):
            return True
    return bool(args) and syntax.object_get(args[0], "attributes") is not None


def _is_archive_entry_callback(func: Node) -> bool:
    """`zip.on("entry", (entry) => ...)` (unzipper, tar-stream) or `{ onentry: ... }` (tar)."""
    parent = func.parent
    if parent is None:
        return False
    if parent.type == "pair":
        return syntax.property_key(parent) == "onentry"
    if parent.type == "arguments" and parent.parent is not None:
        args = syntax.call_arguments(parent.parent)
        callee = syntax.text(parent.parent.child_by_field_name("function"))
        return callee.endswith(".on") and bool(args) and syntax.string_value(args[0]) == "entry"
    return False


def _message_listener_param(func: Node) -> str | None:
    """The event parameter of `addEventListener("message", (event) => ...)` or
    `window.onmessage = (event) => ...`."""
    parent = func.parent
    params = syntax.function_params(func)
    name = syntax.param_name(params[0]) if params else None
    if parent is None or name is None:
        return None
    if parent.type == "arguments" and parent.parent is not None:
        args = syntax.call_arguments(parent.parent)
        callee = syntax.text(parent.parent.child_by_field_name("function"))
        if callee.endswith(("addEventListener", ".on")) and args:
            return name if syntax.string_value(args[0]) == "message" else None
    if parent.type == "assignment_expression":
        left = syntax.text(parent.child_by_field_name("left"))
        return name if left.endswith("onmessage") else None
    return None


def _tests(condition: Node | None, names: set[str], kind: SinkKind) -> bool:
    if condition is None:
        return False
    text = syntax.text(condition)
    if not any(re.search(rf"(?<![\w.$]){re.escape(n)}(?![\w$])", text) for n in names):
        return False
    if "typeof" in text:
        return kind is SinkKind.NOSQL
    return bool(_GUARD.search(text))


_STRICT_URL_CHECK = re.compile(
    r"startsWith|===?|new URL|url\.parse|\bhost(name)?\b|\.origin\b|\.test\(|\.match\("
)


def _substring_check(text: str, names: set[str]) -> bool:
    """`text` tests one of `names` only for containing a string."""
    substring = any(
        re.search(rf"(?<![\w.$]){re.escape(n)}\s*\.\s*(includes|indexOf)\s*\(", text) for n in names
    )
    without = re.sub(r"\.indexOf\([^()]*\)\s*(!==?|>)\s*-1", ".indexOf()", text)
    return substring and not _STRICT_URL_CHECK.search(without)


def _may_precede(write: Node, use: Node) -> bool:
    """Whether a write can have run before `use` reads the variable: not when they sit in
    the two branches of one `if`, nor when the write's branch returns or throws and `use`
    comes after that `if` (flow-insensitive otherwise: loops and callbacks may run later)."""
    for ancestor in syntax.ancestors(write):
        if ancestor.type != "if_statement":
            continue
        consequence = ancestor.child_by_field_name("consequence")
        alternative = ancestor.child_by_field_name("alternative")
        in_consequence = consequence is not None and _inside(write, consequence)
        in_alternative = alternative is not None and _inside(write, alternative)
        if in_consequence and alternative is not None and _inside(use, alternative):
            return False
        if in_alternative and consequence is not None and _inside(use, consequence):
            return False
        if in_consequence and _exits(ancestor) and not _inside(use, ancestor):
            return False
    return True


def _exits(if_statement: Node) -> bool:
    """`if (...) return ...;` or `if (...) { ...; throw ...; }`: the branch leaves."""
    consequence = if_statement.child_by_field_name("consequence")
    if consequence is None:
        return False
    statements = (
        consequence.named_children if consequence.type == "statement_block" else [consequence]
    )
    return any(n.type in ("return_statement", "throw_statement") for n in statements)


def _origin_kind(trace: Trace) -> OriginKind | None:
    return trace.origin.kind if isinstance(trace.origin, Source) else None


def _shape_fits(kind: SinkKind, trace: Trace) -> bool:
    origin = _origin_kind(trace)
    if origin is OriginKind.STORED:  # second-order injection into other sinks is out of scope
        return kind is SinkKind.XSS and not trace.whole
    if origin is OriginKind.RECORD or kind is SinkKind.SENSITIVE:
        # records only matter when sent to the client whole; parameters may carry them
        return kind is SinkKind.SENSITIVE and origin is not OriginKind.REQUEST and trace.whole
    if origin is OriginKind.ARCHIVE:
        return kind is SinkKind.PATH
    match kind:
        case SinkKind.NOSQL:
            return trace.maybe_object
        case SinkKind.LOG | SinkKind.XSS:
            return not trace.whole  # whole objects are printed escaped, or sent as JSON
        case SinkKind.MASS_ASSIGNMENT:
            return trace.whole and _is_body(trace)
        case _:
            return True


def _is_body(trace: Trace) -> bool:
    origin = trace.origin
    if isinstance(origin, int):
        return True
    return origin.description.endswith((".body", ".request.body"))


def _has_where(arg: Node, analysis: _FunctionAnalysis) -> bool:
    """The query is, or a project function returns, an object with a `$where` clause."""
    value = syntax.unwrap(analysis.ctx.value_of(arg))
    where = syntax.object_get(value, "$where")
    if where is not None:
        return bool(analysis.eval(where))
    if value is None or value.type != "call_expression":
        return False
    target = analysis.engine.project_function(analysis.ctx, value)
    if target is None:
        return False
    return any(
        syntax.object_get(syntax.unwrap(returned), "$where") is not None
        for returned in syntax.returned_values(target[1])
    )


def _method_name(call: Node) -> str:
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "member_expression":
        return ""
    return syntax.text(callee.child_by_field_name("property"))


def _passed_in(trace: Trace) -> bool:
    """Request data or a parameter's value: what a caller hands to a database call, as
    opposed to records and browser data the call's result may itself be."""
    return isinstance(trace.origin, int) or trace.origin.kind is OriginKind.REQUEST


def _string_bodies(taint: Taint) -> Taint:
    """The traces of a response body that may be a string holding the data. A trace with a
    property path holds the data inside an object (`return { article }`, a service's
    `{ profile: { username } }`): Nest, Koa and Fastify serialise an object body as JSON,
    which the browser does not parse as HTML."""
    return frozenset(t for t in taint if not t.fields)


def _condition_holds(ctx: FileContext, condition: str, args: list[Node]) -> bool:
    wanted = condition.split(":", 1)[1]
    options = [ctx.value_of(a) for a in args]
    present = [
        syntax.object_get(o, wanted) for o in options if o is not None and o.type == "object"
    ]
    if condition.startswith("no-option:"):
        return not any(p is not None for p in present)
    return any(p is not None and syntax.bool_value(p) is not False for p in present)
