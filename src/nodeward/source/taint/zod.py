"""zod schemas: what `Schema.parse(req.body)` returns.

    const Body = z.object({ email: z.string().email(), age: z.coerce.number() });
    const data = Body.parse(req.body);          // or await Body.parseAsync(req.body)
    const result = Body.safeParse(req.body);    // result.data when result.success

The result holds only the declared keys (zod strips the others unless the schema is
`.passthrough()`), and each key holds a value of its declared type: `z.number()`,
`z.boolean()`, `z.enum()`, `z.literal()`, `z.string().uuid()` rule out every injection,
`z.string()` rules out operator objects. A schema nodeward cannot read (built at run
time, transformed, merged with another) constrains nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.taint.model import ALL_KINDS, SinkKind
from nodeward.source.taint.typed_fields import STRING_ONLY, TypedFields, restrict
from nodeward.source.taint.values import Taint, placed

#: Parse methods and where the parsed value sits in what they return.
_PARSERS = {"parse": "", "parseAsync": "", "safeParse": "data", "safeParseAsync": "data"}
PARSE_METHODS = frozenset(_PARSERS)
_OBJECT_FACTORIES = frozenset({"object", "strictObject", "looseObject"})
#: Types whose values hold nothing an injection needs.
_EXACT_TYPES = frozenset(
    {"number", "bigint", "boolean", "date", "enum", "nativeEnum", "literal", "nan", "uuid"}
)
#: String formats that leave no room for quotes, operators or markup.
_EXACT_FORMATS = frozenset(
    {"uuid", "cuid", "cuid2", "ulid", "datetime", "date", "time", "ip", "int", "base64"}
)
_STRING_TYPES = frozenset({"string"})
#: Methods after which the value is no longer (only) the declared type.
_UNTYPING = frozenset({"transform", "preprocess", "or", "and", "pipe", "catchall", "merge"})


@dataclass(frozen=True)
class ZodParse:
    shape: TypedFields
    #: the property of the result that holds the parsed value ("" for the result itself)
    holder: str


def parse_call(graph: ModuleGraph, ctx: FileContext, call: Node) -> ZodParse | None:
    """`Schema.parse(x)` on a zod object schema nodeward can read."""
    fn = call.child_by_field_name("function")
    if call.type != "call_expression" or fn is None or fn.type != "member_expression":
        return None
    holder = _PARSERS.get(syntax.text(fn.child_by_field_name("property")))
    if holder is None:
        return None
    schema = resolve_schema(graph, ctx, fn.child_by_field_name("object"))
    if schema is None:
        return None
    shape = object_shape(*schema)
    return ZodParse(shape, holder) if shape is not None else None


def local_schema(ctx: FileContext, node: Node | None) -> Node | None:
    """What a schema reference is bound to in this file, also through an object of
    schemas (`schemas.login`)."""
    value = syntax.unwrap(ctx.value_of(node))
    if value is not None and value.type == "member_expression":
        holder = syntax.unwrap(ctx.value_of(value.child_by_field_name("object")))
        member = syntax.text(value.child_by_field_name("property"))
        if holder is not None and holder.type == "object":
            value = syntax.unwrap(ctx.value_of(syntax.object_get(holder, member)))
    return value


def resolve_schema(
    graph: ModuleGraph, ctx: FileContext, node: Node | None
) -> tuple[FileContext, Node] | None:
    """The expression a schema reference was built with: here, in an object of schemas
    (`schemas.login`), or exported by a project module."""
    value = local_schema(ctx, node)
    if value is not None and value.type == "call_expression":
        return ctx, value
    found = graph.resolve_import(ctx, node) if node is not None else None
    if found is None:
        return None
    value = syntax.unwrap(found.ctx.value_of(found.node))
    return (found.ctx, value) if value is not None and value.type == "call_expression" else None


def object_shape(ctx: FileContext, call: Node) -> TypedFields | None:
    """The fields of `z.object({...})` (with `.strict()`, `.extend({...})`, ...)."""
    root, methods = chain(call)
    ref = ctx.callee(root)
    if ref is None or not ref.module.startswith("zod") or ref.path[-1:] != (_base(root),):
        return None
    if _base(root) not in _OBJECT_FACTORIES or set(methods) & _UNTYPING:
        return None
    literals = syntax.call_arguments(root)[:1]
    literals += [
        arg
        for inner, method in _calls_with_methods(call)
        if method == "extend"
        for arg in syntax.call_arguments(inner)[:1]
    ]
    fields: dict[str, frozenset[SinkKind]] = {}
    for literal in literals:
        value = syntax.unwrap(ctx.value_of(literal))
        if value is None or value.type != "object" or syntax.has_spread(value):
            return None
        for name, field, _pair in syntax.object_entries(value):
            fields[name] = field_kinds(ctx, field)
    passthrough = "passthrough" in methods or _base(root) == "looseObject"
    return TypedFields(fields, strips_extra=not passthrough)


def field_kinds(ctx: FileContext, node: Node) -> frozenset[SinkKind]:
    """`z.string().email()` -> a string; `z.number()`, `z.enum([...])` -> exact."""
    call = syntax.unwrap(ctx.value_of(node))
    if call is None or call.type != "call_expression":
        return frozenset()
    root, methods = chain(call)
    base = _base(root)
    if set(methods) & _UNTYPING:
        return frozenset()
    if base in _EXACT_TYPES or (base in _STRING_TYPES and set(methods) & _EXACT_FORMATS):
        return ALL_KINDS
    if base in _STRING_TYPES:
        return STRING_ONLY
    return frozenset()


def chain(call: Node) -> tuple[Node, list[str]]:
    """The innermost call of `a(x).b().c()` and the method names after it, in order."""
    pairs = _calls_with_methods(call)
    if not pairs:
        return call, []
    fn = pairs[-1][0].child_by_field_name("function")
    root = syntax.unwrap(fn.child_by_field_name("object")) if fn is not None else None
    return root or call, [method for _inner, method in reversed(pairs)]


def _calls_with_methods(call: Node) -> list[tuple[Node, str]]:
    """Each chained call `x.method(...)` of `a(x).b().c()` with its method, outermost
    first; the innermost call is not included."""
    found: list[tuple[Node, str]] = []
    node = call
    while True:
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return found
        inner = syntax.unwrap(fn.child_by_field_name("object"))
        if inner is None or inner.type != "call_expression":
            return found
        found.append((node, syntax.text(fn.child_by_field_name("property"))))
        node = inner


def _base(root: Node) -> str:
    """`object` for `z.object(...)` and for a named import `object(...)`."""
    fn = root.child_by_field_name("function")
    if fn is not None and fn.type == "member_expression":
        return syntax.text(fn.child_by_field_name("property"))
    return syntax.text(fn)


def parsed_taint(parsed: ZodParse, taint: Taint) -> Taint:
    """The taint of what the parse call returns for an input with `taint`."""
    result = restrict(taint, parsed.shape)
    return placed(result, parsed.holder) if parsed.holder else result
