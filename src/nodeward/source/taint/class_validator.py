"""class-validator DTOs behind NestJS's ValidationPipe.

    export class CreateUserDto {
      @IsEmail() email: string;
      @IsInt() age: number;
    }
    app.useGlobalPipes(new ValidationPipe({ whitelist: true }));   // main.ts
    @Post() create(@Body() dto: CreateUserDto) { ... }

With a ValidationPipe active (installed app-wide, by `@UsePipes(new ValidationPipe())`
on the method or its controller, or as `@Body(new ValidationPipe())`), a request whose
`email` is not a string or whose `age` is not an integer is rejected before the method
runs: `dto.email` is a string (no MongoDB operator object), `dto.age` a number. With
`whitelist: true` (or `forbidNonWhitelisted`) undeclared keys are stripped or rejected,
so the DTO cannot mass-assign a field it does not declare. A parameter typed with a class
nodeward cannot find, or no pipe, constrains nothing.
"""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.decorators import (
    class_decorator_nodes,
    class_of,
    member_decorator_nodes,
    own_decorator_nodes,
)
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.taint import nest
from nodeward.source.taint.methods import class_named
from nodeward.source.taint.model import ALL_KINDS, SinkKind
from nodeward.source.taint.typed_fields import STRING_ONLY, TypedFields

#: Decorators that admit only values holding nothing an injection needs.
_EXACT = frozenset(
    {
        "IsInt",
        "IsNumber",
        "IsBoolean",
        "IsEnum",
        "IsIn",
        "IsUUID",
        "IsMongoId",
        "IsDate",
        "IsDateString",
        "IsISO8601",
        "IsNumberString",
        "IsPositive",
        "IsNegative",
        "IsHexadecimal",
        "IsAlphanumeric",
        "IsAlpha",
        "IsBooleanString",
    }
)
#: Decorators that admit only strings.
_STRING = frozenset({"IsString", "IsEmail", "IsUrl", "IsPhoneNumber", "Length", "Matches"})
_STRIPPING_OPTIONS = ("whitelist", "forbidNonWhitelisted")
_PIPE = "ValidationPipe"


def param_shape(
    graph: ModuleGraph, ctx: FileContext, method: Node, param: Node
) -> TypedFields | None:
    """The typed fields of a `@Body() dto: CreateUserDto` parameter, when a ValidationPipe
    checks it; None otherwise."""
    name = nest.type_name(param)
    found = class_named(graph, ctx, name) if name is not None else None
    if found is None:
        return None
    pipes = _local_pipes(method, param)
    if not pipes and not _global_pipes(graph):
        return None
    # app-wide pipes run before the method's own, so either may strip undeclared keys
    strips = any(_strips(p) for p in pipes) or _global_strips(graph)
    fields = dict(_dto_fields(*found))
    return TypedFields(fields, strips_extra=strips) if fields else None


def _dto_fields(ctx: FileContext, cls: Node) -> list[tuple[str, frozenset[SinkKind]]]:
    body = cls.child_by_field_name("body")
    found = []
    for member in body.named_children if body is not None else ():
        if member.type not in syntax.FIELD_TYPES:
            continue
        decorators = {_decorator_name(d) for d in member_decorator_nodes(member)}
        if not decorators:
            continue  # undecorated: whitelisting strips it
        name = syntax.text(member.child_by_field_name("name"))
        if decorators & _EXACT:
            found.append((name, ALL_KINDS))
        elif decorators & _STRING:
            found.append((name, STRING_ONLY))
        else:
            found.append((name, frozenset()))
    return found


def _decorator_name(decorator: Node) -> str:
    inner = decorator.named_children[0] if decorator.named_children else None
    if inner is not None and inner.type == "call_expression":
        inner = inner.child_by_field_name("function")
    return syntax.text(inner).rsplit(".", 1)[-1]


def _local_pipes(method: Node, param: Node) -> list[Node]:
    """`new ValidationPipe(...)` in the parameter's, the method's or the controller's
    decorators."""
    found = own_decorator_nodes(param) + member_decorator_nodes(method)
    cls = class_of(method)
    found += class_decorator_nodes(cls) if cls is not None else []
    return [pipe for d in found for pipe in _pipes_in(d)]


def _pipes_in(node: Node) -> list[Node]:
    return [
        n
        for n in syntax.walk(node)
        if n.type == "new_expression"
        and syntax.text(n.child_by_field_name("constructor")).rsplit(".", 1)[-1] == _PIPE
    ]


def _strips(pipe: Node) -> bool:
    args = syntax.call_arguments(pipe)
    options = syntax.unwrap(args[0]) if args else None
    return any(syntax.bool_value(syntax.object_get(options, o)) for o in _STRIPPING_OPTIONS)


def _app_pipes(graph: ModuleGraph) -> tuple[Node, ...]:
    """`app.useGlobalPipes(new ValidationPipe(...))` anywhere in the project."""
    return tuple(
        pipe
        for ctx in graph.files()
        for call in ctx.nodes("call_expression")
        if ctx.callee_name(call).endswith("useGlobalPipes")
        for pipe in _pipes_in(call)
    )


def _global_pipes(graph: ModuleGraph) -> bool:
    return bool(graph.fact(_app_pipes))


def _global_strips(graph: ModuleGraph) -> bool:
    return any(_strips(p) for p in graph.fact(_app_pipes))
