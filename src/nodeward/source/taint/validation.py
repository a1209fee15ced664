"""Request fields a route validates before its handler runs, and what that rules out.

A field checked by a schema cannot carry what the schema rejects:

    router.post("/login", body("email").isEmail(), login)            // express-validator
    router.post("/login", celebrate({ body: Joi.object({ email: Joi.string() }) }), login)
    router.post("/login", validate(authValidation.login), login)      // a Joi wrapper
    req.assert("email").isEmail(); if (req.validationErrors()) ...    // express-validator 2-5

A string-typed field cannot hold a MongoDB operator object (`{ "$ne": null }`); a number,
boolean, date, id or enumerated value can hold nothing an injection needs. The route table
(appmodel) gives each handler's middleware chain; this module reads the schemas in it and
answers, for a trace of `req.body.email` read in that handler, which sink kinds it can no
longer reach. What cannot be read statically (a schema built at run time, a custom
validator) constrains nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.appmodel.model import Middleware, Route
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.taint import zod
from nodeward.source.taint.middleware import installed_clears
from nodeward.source.taint.model import ALL_KINDS, Models, SinkKind
from nodeward.source.taint.values import OriginKind, Source, Trace

#: A string: no operator object, no nested keys.
_STRING_ONLY = frozenset({SinkKind.NOSQL, SinkKind.PROTOTYPE, SinkKind.MASS_ASSIGNMENT})
#: express-validator (and validator.js) checks that reject every value an injection needs.
_EXACT_CHECKS = frozenset(
    {
        "isInt",
        "isFloat",
        "isNumeric",
        "isDecimal",
        "isMongoId",
        "isUUID",
        "isBoolean",
        "isDate",
        "isISO8601",
        "isHexadecimal",
        "isAlpha",
        "isAlphanumeric",
        "isIn",
        "toInt",
        "toFloat",
        "toBoolean",
        "toDate",
    }
)
#: Checks and sanitisers that leave a string (sanitisers convert the value to a string).
_STRING_CHECKS = frozenset({"isString", "isEmail", "trim", "normalizeEmail", "escape"})
#: express-validator sanitisers: they convert the value whether or not errors are read.
_SANITIZERS = frozenset(
    {"toInt", "toFloat", "toBoolean", "toDate", "trim", "normalizeEmail", "escape"}
)
#: express-validator functions that read the checks' outcome.
_RESULT_READERS = ("validationResult", "matchedData")
#: `Joi.number()`, `Joi.boolean()`, ...: typed values; `Joi.string()`: a string.
_JOI_EXACT = frozenset({"number", "boolean", "bool", "date", "valid", "guid", "uuid"})
_JOI_EXACT_RULES = frozenset({"valid", "guid", "uuid", "alphanum", "hex", "isoDate", "integer"})
_JOI_STRING = frozenset({"string"})
_CONTAINERS = frozenset({"body", "query", "params"})
#: express-validator's field selectors, by the request containers they read.
_SELECTORS: Mapping[str, tuple[str, ...]] = {
    "body": ("body",),
    "query": ("query",),
    "param": ("params",),
    "check": ("body", "query", "params"),
    "checkBody": ("body",),
    "checkQuery": ("query",),
    "checkParams": ("params",),
    "assert": ("body", "query", "params"),
    "sanitize": ("body", "query", "params"),
    "sanitizeBody": ("body",),
    "sanitizeQuery": ("query",),
    "sanitizeParams": ("params",),
}
#: zod-express-middleware's one-container validators.
_SINGLE_CONTAINER = {
    "validateRequestBody": "body",
    "validateRequestQuery": "query",
    "validateRequestParams": "params",
    "processRequestBody": "body",
    "processRequestQuery": "query",
    "processRequestParams": "params",
}
Fields = dict[tuple[str, str], frozenset[SinkKind]]
#: The key for what a middleware does to every field of the request.
_ANY = ("*", "*")
#: A routed handler: its file, its function, and its route (with the middleware chain).
RouteChain = tuple[FileContext, Node, Route]


@dataclass(frozen=True)
class _Handler:
    rel: str
    first_line: int
    last_line: int
    fields: Mapping[tuple[str, str], frozenset[SinkKind]]


class Validation:
    """The validated fields of every routed handler."""

    def __init__(self, graph: ModuleGraph, models: Models, routes: Iterable[RouteChain]) -> None:
        self._graph = graph
        self._models = models
        self._results_read: bool | None = None
        self._handlers: list[_Handler] = []
        for ctx, func, route in routes:
            chain_fields: Fields = {}
            for middleware in route.chain:
                _merge(chain_fields, self._middleware_fields(middleware))
            for hctx, hfunc in [(ctx, func), *self._wrapped(route)]:
                fields = dict(chain_fields)
                _merge(fields, _legacy_checks(hctx, hfunc))
                if fields:
                    first, last = hfunc.start_point[0] + 1, hfunc.end_point[0] + 1
                    self._handlers.append(_Handler(hctx.rel, first, last, fields))

    def clears(self, trace: Trace, kind: SinkKind) -> bool:
        """`trace` is request data a validated field of its handler holds, which `kind`
        sinks cannot be reached with."""
        origin = trace.origin
        if not isinstance(origin, Source) or origin.kind is not OriginKind.REQUEST:
            return False
        parts = origin.description.split(".")
        key = (parts[1], parts[2]) if len(parts) >= 3 else None
        where = origin.location
        return any(
            kind in handler.fields.get(key or _ANY, frozenset())
            or kind in handler.fields.get(_ANY, frozenset())
            for handler in self._handlers
            if handler.rel == where.path and handler.first_line <= where.line <= handler.last_line
        )

    def _wrapped(self, route: Route) -> list[tuple[FileContext, Node]]:
        """The functions a handler defined as `export const login = catchAsync(async (req,
        res) => ...)` wraps: the route table names the wrapper's inner function, shared by
        every route, while the request is read in the wrapped one."""
        ctx = self._graph.file(route.location.path)
        if ctx is None:
            return []
        last = route.location.end_line or route.location.line
        references = [
            node
            for node in ctx.references(route.handler.name)
            if route.location.line <= node.start_point[0] + 1 <= last
        ]
        for reference in references:
            found = self._graph.resolve_import(ctx, reference)
            value = syntax.unwrap(found.ctx.value_of(found.node)) if found is not None else None
            if found is not None and value is not None and value.type == "call_expression":
                return [
                    (found.ctx, arg)
                    for arg in syntax.call_arguments(value)
                    if arg.type in syntax.FUNCTION_TYPES
                ]
        return []

    def _reads_results(self) -> bool:
        """Whether the project reads express-validator's outcome anywhere (a check that
        only records an error lets the value through)."""
        if self._results_read is None:
            self._results_read = any(
                ctx.calls_to("express-validator", reader)
                for ctx in self._graph.files()
                if "express-validator" in ctx.imported_modules()
                for reader in _RESULT_READERS
            )
        return self._results_read

    def _middleware_fields(self, middleware: Middleware) -> Fields:
        if cleared := installed_clears(middleware, self._models):
            return {_ANY: cleared}  # `router.use(mongoSanitize())`: every request field
        node = syntax.unwrap(middleware.node)
        if node is None or node.type != "call_expression":
            return {}
        ctx = middleware.ctx
        checked = _validator_chain(ctx, node, self._reads_results())
        if checked:
            return checked
        single = _single_container(ctx, node)
        if single is not None:  # zod-express-middleware `validateRequestBody(Body)`
            args = syntax.call_arguments(node)
            found = _joi_object_fields(ctx, args[0]) if args else iter(())
            return {(single, name): kinds for name, kinds in found}
        schema = _schema_argument(ctx, node)
        if schema is None:
            return {}
        resolved = self._resolve(ctx, schema)
        return _segments(*resolved) if resolved is not None else {}

    def _resolve(self, ctx: FileContext, node: Node) -> tuple[FileContext, Node] | None:
        """An object literal, here or exported by a project module."""
        value = zod.local_schema(ctx, node)
        if value is not None and value.type == "object":
            return ctx, value
        if value is None or value.type != "call_expression":
            found = self._graph.resolve_import(ctx, node)
            if found is None:
                return None
            ctx, value = found.ctx, syntax.unwrap(found.ctx.value_of(found.node))
        if value is not None and value.type == "object":
            return ctx, value
        return _zod_segments(ctx, value)


def _zod_segments(ctx: FileContext, value: Node | None) -> tuple[FileContext, Node] | None:
    """The `{ body, query, params }` literal of `z.object({ body: z.object(...) })`."""
    if value is None or value.type != "call_expression":
        return None
    root, _methods = zod.chain(value)
    ref = ctx.callee(root)
    args = syntax.call_arguments(root)
    if ref is None or not ref.module.startswith("zod") or ref.path[-1:] != ("object",) or not args:
        return None
    literal = syntax.unwrap(ctx.value_of(args[0]))
    return (ctx, literal) if literal is not None and literal.type == "object" else None


def _merge(into: Fields, more: Mapping[tuple[str, str], frozenset[SinkKind]]) -> None:
    for key, kinds in more.items():
        into[key] = into.get(key, frozenset()) | kinds


def _chain_methods(call: Node) -> tuple[Node, list[str]]:
    """The innermost call of `a(x).b().c()` and the method names after it, in order."""
    methods: list[str] = []
    node = call
    while True:
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return node, methods[::-1]
        inner = syntax.unwrap(fn.child_by_field_name("object"))
        if inner is None or inner.type != "call_expression":
            return node, methods[::-1]
        methods.append(syntax.text(fn.child_by_field_name("property")))
        node = inner


def _check_kinds(methods: Iterable[str], results_read: bool = True) -> frozenset[SinkKind]:
    """What a chain of checks and sanitisers rules out. Checks only reject a value when the
    app reads their result (`validationResult(req)`); sanitisers change it regardless."""
    names = set(methods)
    if not results_read:
        names &= _SANITIZERS
    if names & _EXACT_CHECKS:
        return ALL_KINDS
    kinds: frozenset[SinkKind] = frozenset()
    if names & _STRING_CHECKS:
        kinds = _STRING_ONLY
    if "escape" in names:
        kinds |= {SinkKind.XSS}
    return kinds


def _field_names(arg: Node) -> list[str]:
    value = syntax.unwrap(arg)
    if value is not None and value.type == "array":
        return [s for c in value.named_children if (s := syntax.string_value(c)) is not None]
    name = syntax.string_value(value)
    return [name] if name is not None else []


def _validator_chain(ctx: FileContext, call: Node, results_read: bool) -> Fields:
    """`body("email").isEmail().normalizeEmail()` from express-validator."""
    root, methods = _chain_methods(call)
    ref = ctx.callee(root)
    if ref is None or ref.module != "express-validator" or not ref.path:
        return {}
    containers = _SELECTORS.get(ref.path[0])
    args = syntax.call_arguments(root)
    kinds = _check_kinds(methods, results_read)
    if containers is None or not args or not kinds:
        return {}
    return {(c, name): kinds for c in containers for name in _field_names(args[0])}


def _legacy_checks(ctx: FileContext, func: Node) -> Fields:
    """`req.assert("email").isEmail()` / `req.sanitize("email").trim()` in the handler
    (express-validator 2 to 5, installed with `app.use(expressValidator())`)."""
    fields: Fields = {}
    params = syntax.function_params(func)
    request = syntax.param_name(params[0]) if params else None
    if request is None or not ctx.call_index.method_calls(_SELECTORS, scope=func):
        return fields  # each chain starts with a selector's call: the handler has none
    for call in syntax.walk(func):
        if call.type != "call_expression" or call.parent is None:
            continue
        if call.parent.type == "member_expression":
            continue  # not the outermost call of its chain
        root, methods = _chain_methods(call)
        fn = root.child_by_field_name("function")
        if fn is None or fn.type != "member_expression" or not methods:
            continue
        if syntax.text(fn.child_by_field_name("object")) != request:
            continue  # `req.assert(...)`, on the handler's own request
        containers = _SELECTORS.get(syntax.text(fn.child_by_field_name("property")))
        args = syntax.call_arguments(root)
        kinds = _check_kinds(methods)
        if containers is None or not args or not kinds:
            continue
        _merge(fields, {(c, name): kinds for c in containers for name in _field_names(args[0])})
    return fields


def _schema_argument(ctx: FileContext, call: Node) -> Node | None:
    """The schema of `celebrate(schema)` or of a project wrapper `validate(schema)`."""
    args = syntax.call_arguments(call)
    if len(args) != 1:
        return None
    ref = ctx.callee(call)
    if ref is not None and ref.module == "celebrate":
        return args[0]
    fn = call.child_by_field_name("function")
    name = syntax.text(fn).rsplit(".", 1)[-1].lower() if fn is not None else ""
    return args[0] if "valid" in name or "schema" in name else None


def _segments(ctx: FileContext, schema: Node) -> Fields:
    """`{ body: Joi.object().keys({ email: Joi.string() }), params: ... }`; celebrate's
    `[Segments.BODY]` keys too."""
    fields: Fields = {}
    for pair in schema.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            continue
        if key.type == "computed_property_name":  # celebrate's `[Segments.BODY]`
            written = syntax.text(key).strip("[]")
        else:
            written = syntax.property_key(pair) or ""
        container = written.rsplit(".", 1)[-1].lower()
        if container not in _CONTAINERS:
            continue
        for name, kinds in _joi_object_fields(ctx, value):
            fields[(container, name)] = kinds
    return fields


def _single_container(ctx: FileContext, call: Node) -> str | None:
    """The container zod-express-middleware's `validateRequestBody(schema)` (and
    `...Query`, `...Params`) checks."""
    ref = ctx.callee(call)
    if ref is None or ref.module != "zod-express-middleware" or not ref.path:
        return None
    return _SINGLE_CONTAINER.get(ref.path[-1])


def _joi_object_fields(ctx: FileContext, node: Node) -> Iterator[tuple[str, frozenset[SinkKind]]]:
    call = syntax.unwrap(ctx.value_of(node))  # `body: Body`, the schema built above
    if call is None or call.type != "call_expression":
        return
    keys: Node | None = None
    current: Node | None = call
    while current is not None and current.type == "call_expression":
        fn = current.child_by_field_name("function")
        args = syntax.call_arguments(current)
        if fn is None or fn.type != "member_expression":
            break
        method = syntax.text(fn.child_by_field_name("property"))
        value = syntax.unwrap(ctx.value_of(args[0])) if args else None
        if method in ("keys", "object", "append") and value is not None and value.type == "object":
            keys = value
        current = syntax.unwrap(fn.child_by_field_name("object"))
    for name, value, _pair in syntax.object_entries(keys):
        ref = ctx.callee(zod.chain(call)[0])
        from_zod = ref is not None and ref.module.startswith("zod")
        kinds = zod.field_kinds(ctx, value) if from_zod else _joi_field_kinds(value)
        if kinds:
            yield name, kinds


def _joi_field_kinds(node: Node) -> frozenset[SinkKind]:
    """`Joi.string().email()` -> a string; `Joi.number()` or `.valid("a", "b")` -> exact."""
    call = syntax.unwrap(node)
    if call is None or call.type != "call_expression":
        return frozenset()
    root, methods = _chain_methods(call)
    fn = root.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return frozenset()
    base = syntax.text(fn.child_by_field_name("property"))
    if base in _JOI_EXACT or set(methods) & _JOI_EXACT_RULES:
        return ALL_KINDS
    if base in _JOI_STRING:
        return _STRING_ONLY
    return frozenset()
