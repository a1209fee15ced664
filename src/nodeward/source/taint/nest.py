"""NestJS controllers as request handlers.

A method of a `@Controller()` class with a route decorator (`@Get()`, `@Post(':id')`, ...)
handles a route. Its parameters are filled by decorators: `@Query()`, `@Body()`,
`@Param()` and `@Headers()` hand it request data (the whole container, or one field when
the decorator names a key), `@Req()` the request and `@Res()` the response. A conversion
pipe (`@Param('id', ParseIntPipe)`) turns the value into a number, boolean, UUID or enum
member before the method runs.

Services reach the controller by constructor injection
(`constructor(private readonly users: UsersService)`) or a typed field, so
`this.users.find(q)` calls `UsersService.find`: the type names the class.

What the method returns is the response body. With the default Express adapter Nest calls
`res.json(body)` for objects and `res.send(String(body))` for anything else
(platform-express ExpressAdapter.reply), and Express serves a string as text/html unless a
content type was set: a returned request string is reflected XSS. The Fastify adapter
calls `reply.send(body)`, which serves strings as text/plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.decorators import (
    class_decorator_nodes,
    class_of,
    decorators,
    member_decorator_nodes,
    named,
    own_decorator_nodes,
)
from nodeward.source.frameworks.base import returns_html
from nodeward.source.frameworks.decorator_routes import NEST_ROUTES
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.taint.methods import class_method, class_named


class NestSource(Enum):
    """What a parameter decorator injects; the value is the request member it reads."""

    QUERY = "query"
    BODY = "body"
    PARAMS = "params"
    HEADERS = "headers"
    # routing-controllers' @CookieParam, @UploadedFile, @UploadedFiles (routing_controllers.py)
    COOKIES = "cookies"
    FILE = "file"
    FILES = "files"


_SOURCE_DECORATORS = {
    "Query": NestSource.QUERY,
    "Body": NestSource.BODY,
    "Param": NestSource.PARAMS,
    "Headers": NestSource.HEADERS,
}
# @nestjs/graphql and type-graphql: a `@Resolver()` class's operations take client data
# through `@Args()` / `@Arg("name")` (the GraphQL variables of the request body); they
# answer JSON. `@Ctx()`, `@Root()`, `@Parent()` and `@Info()` are the server's own values.
_GRAPHQL_SOURCE_DECORATORS = {"Args": NestSource.BODY, "Arg": NestSource.BODY}
_GRAPHQL_OPERATIONS = frozenset(
    {"Query", "Mutation", "Subscription", "ResolveField", "FieldResolver"}
)
# GraphQL scalars the server parses before the resolver runs: `@Arg("id", () => Int)`,
# `@Args("id", { type: () => Int })` can only hold a number or a boolean.
_NON_TEXT_SCALARS = frozenset(
    {"Int", "Float", "Boolean", "GraphQLInt", "GraphQLFloat", "GraphQLBoolean"}
)
_REQUEST_DECORATORS = frozenset({"Req", "Request"})
_RESPONSE_DECORATORS = frozenset({"Res", "Response"})
_ROUTE_DECORATORS = frozenset(NEST_ROUTES)
#: Decorators with which a method renders, redirects or streams instead of sending its
#: return value
_NOT_HTML = frozenset({"Render", "Redirect", "Sse"})
# Pipes whose output is a number, boolean, UUID or enum member: nothing an attacker can
# shape into SQL, HTML or a path.
_CONVERTING_PIPES = frozenset(
    {"ParseIntPipe", "ParseFloatPipe", "ParseBoolPipe", "ParseUUIDPipe", "ParseEnumPipe"}
)


@dataclass(frozen=True)
class NestParam:
    """A controller parameter filled with request data."""

    name: str
    source: NestSource
    key: str | None  # `@Query('q')`: one field of the container
    node: Node
    #: `@Arg("data") { title }: RecipeInput`, `@Body() { name }: Dto`: the names bound
    #: from the container (`name` is then empty)
    pattern: Node | None = None


@dataclass(frozen=True)
class NestHandler:
    params: tuple[NestParam, ...]
    converted: frozenset[str]  # parameters a conversion pipe made safe
    request: str | None
    response: str | None
    #: the return value is sent as text/html (Express adapter, no @Render, no @Res, no
    #: non-HTML @Header('Content-Type', ...))
    returns_html: bool
    framework: str = "Nest"  # who sends the return value, for messages


def _converts(args: list[Node]) -> bool:
    """A conversion pipe among a parameter decorator's arguments: `ParseIntPipe` or
    `new ParseIntPipe({ errorHttpStatusCode: 400 })`."""
    for arg in args:
        node = syntax.unwrap(arg)
        if node is not None and node.type == "new_expression":
            node = node.child_by_field_name("constructor")
        if syntax.text(node).rsplit(".", 1)[-1] in _CONVERTING_PIPES:
            return True
    return False


def _scalar_typed(args: list[Node]) -> bool:
    """A GraphQL argument declared as a number or boolean scalar: `() => Int`, or
    `{ type: () => Float }` among the decorator's arguments."""
    for arg in args:
        node = syntax.unwrap(arg)
        if node is not None and node.type == "object":
            node = syntax.unwrap(syntax.object_get(node, "type"))
        if node is None or node.type != "arrow_function":
            continue
        body = syntax.unwrap(node.child_by_field_name("body"))
        if syntax.text(body).rsplit(".", 1)[-1] in _NON_TEXT_SCALARS:
            return True
    return False


def nest_handler(method: Node) -> NestHandler | None:
    """The roles of a controller route method's parameters, or None when `method` is not
    one."""
    if method.type != "method_definition":
        return None
    cls = class_of(method)
    class_decorators = named(decorators(class_decorator_nodes(cls))) if cls is not None else {}
    graphql = "Resolver" in class_decorators
    if not graphql and "Controller" not in class_decorators:
        return None
    # nearest first, so that of a repeated decorator the topmost counts
    on_method = named(decorators(member_decorator_nodes(method, nearest_first=True)))
    if not (_GRAPHQL_OPERATIONS if graphql else _ROUTE_DECORATORS) & on_method.keys():
        return None
    sources = _GRAPHQL_SOURCE_DECORATORS if graphql else _SOURCE_DECORATORS
    params: list[NestParam] = []
    converted: set[str] = set()
    request = response = None
    passthrough = False
    for param in syntax.function_params(method):
        pattern = destructured(param)
        name = syntax.param_name(param) or ("" if pattern is not None else None)
        if name is None:
            continue
        for found in decorators(own_decorator_nodes(param)):
            kind, args = found.name, found.args
            if not name and kind not in sources:
                continue  # a destructured `@Req() { user }`: not followed
            if kind in _REQUEST_DECORATORS:
                request = name
            elif kind in _RESPONSE_DECORATORS:
                response = name
                passthrough = any(
                    syntax.bool_value(syntax.object_get(a, "passthrough")) for a in args
                )
            elif kind in sources:
                key = syntax.string_value(args[0]) if args else None
                if _converts(args) or (graphql and _scalar_typed(args)):
                    converted.add(name)
                else:
                    params.append(NestParam(name, sources[kind], key, param, pattern))
    answered = response is not None and not passthrough  # @Res() without passthrough
    return NestHandler(
        params=tuple(params),
        converted=frozenset(converted),
        request=request,
        response=response,
        returns_html=not graphql and returns_html(on_method, answered=answered, non_html=_NOT_HTML),
    )


def destructured(param: Node) -> Node | None:
    """The object pattern of a destructured parameter (`{ title }: RecipeInput`)."""
    pattern = param.child_by_field_name("pattern") if param.type == "required_parameter" else param
    return pattern if pattern is not None and pattern.type == "object_pattern" else None


def type_name(annotated: Node) -> str | None:
    """`UsersService` for `: UsersService`, `Repository` for `: Repository<User>`."""
    annotation = annotated.child_by_field_name("type")
    inner = (
        annotation.named_children[0]
        if annotation is not None and annotation.named_children
        else None
    )
    if inner is not None and inner.type == "generic_type":
        inner = inner.named_children[0] if inner.named_children else None
    if inner is not None and inner.type in ("type_identifier", "nested_type_identifier"):
        return syntax.text(inner).rsplit(".", 1)[-1]
    return None


def injected_type(node: Node, field: str) -> str | None:
    """The declared class of `this.<field>` in the class around `node`: a constructor
    parameter property (`private readonly users: UsersService`) or a typed field."""
    cls = next((a for a in syntax.ancestors(node) if a.type in syntax.CLASS_TYPES), None)
    body = cls.child_by_field_name("body") if cls is not None else None
    if body is None:
        return None
    for member in body.named_children:
        if member.type == "public_field_definition":
            if syntax.text(member.child_by_field_name("name")) == field:
                return type_name(member) or _injected_by_call(member)
        elif (
            member.type == "method_definition"
            and syntax.text(member.child_by_field_name("name")) == "constructor"
        ):
            for param in syntax.function_params(member):
                is_property = any(
                    c.type in ("accessibility_modifier", "readonly") or syntax.text(c) == "readonly"
                    for c in param.children
                )
                if is_property and syntax.param_name(param) == field:
                    return type_name(param)
    return None


def _injected_by_call(field: Node) -> str | None:
    """`UsersService` for `private users = inject(UsersService)` (Angular's `inject`)."""
    value = syntax.unwrap(field.child_by_field_name("value"))
    if value is None or value.type != "call_expression":
        return None
    args = syntax.call_arguments(value)
    if syntax.text(value.child_by_field_name("function")) != "inject" or not args:
        return None
    return syntax.text(args[0]) if args[0].type == "identifier" else None


def this_field(receiver: Node | None) -> str | None:
    """`users` for `this.users`."""
    node = syntax.unwrap(receiver)
    if node is None or node.type != "member_expression":
        return None
    obj = node.child_by_field_name("object")
    if obj is None or obj.type != "this":
        return None
    return syntax.text(node.child_by_field_name("property"))


def injected_method(
    graph: ModuleGraph, ctx: FileContext, callee: Node
) -> tuple[FileContext, Node] | None:
    """`this.users.find(...)` where `users` is injected as a `UsersService`: the method
    `find` that class (in this file or imported) declares."""
    field = this_field(callee.child_by_field_name("object"))
    type_name = injected_type(callee, field) if field is not None else None
    if type_name is None:
        return None
    target = class_named(graph, ctx, type_name)
    if target is None:
        return None
    target_ctx, cls = target
    method = syntax.text(callee.child_by_field_name("property"))
    return class_method(graph, target_ctx, cls, method)


# TypeORM and Prisma clients, by the type a service declares them with: `query` takes SQL.
_SQL_CLIENT_TYPES = frozenset(
    {"Repository", "DataSource", "EntityManager", "Connection", "QueryRunner", "Sequelize"}
)


def is_typed_sql_client(receiver: Node | None) -> bool:
    """`this.repo` declared as `Repository<User>` (or DataSource, EntityManager, ...)."""
    field = this_field(receiver)
    if field is None or receiver is None:
        return False
    return injected_type(receiver, field) in _SQL_CLIENT_TYPES


def uses_fastify_adapter(files: list[FileContext]) -> bool:
    """The app is bootstrapped with `new FastifyAdapter()` (@nestjs/platform-fastify)."""
    return any("@nestjs/platform-fastify" in ctx.imported_modules() for ctx in files)


# MongoDB handles by the type a class declares them with: the driver's `Collection<T>` and
# Mongoose's `Model<T>` (NestJS `@InjectModel`) take query objects and pipelines.
_STORE_TYPES = frozenset({"Collection", "Model"})


def is_typed_store(receiver: Node | None) -> bool:
    """`this.orders` declared as `Collection<Order>` or `Model<OrderDocument>`."""
    field = this_field(receiver)
    if field is None or receiver is None:
        return False
    return injected_type(receiver, field) in _STORE_TYPES
