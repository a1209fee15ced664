"""The route decorators of NestJS and routing-controllers: decorator -> HTTP method, one
table per framework, read by the route table (nestjs_routes.py,
routing_controllers_routes.py) and by the taint engine (taint/nest.py,
routing_controllers.py) to recognise the same controller methods; and the path a
route decorator names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

if TYPE_CHECKING:
    from nodeward.source.appmodel.resolve import Resolver

NEST_ROUTES = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "All": "ALL",
    "Head": "HEAD",
    "Options": "OPTIONS",
    "Search": "SEARCH",
}
ROUTING_CONTROLLERS_ROUTES = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "All": "ALL",
    "Head": "HEAD",
}
#: routing-controllers' `@Method("get", "/x")`: a route whose method is an argument
ROUTING_CONTROLLERS_METHOD = "Method"
ROUTING_CONTROLLERS_CONTROLLERS = frozenset({"Controller", "JsonController"})


def first_path(resolver: Resolver, ctx: FileContext, args: list[Node]) -> str | None:
    """`'users'`, `['users', 'people']` (the first), `{ path: 'users' }`, or `''`; None
    when the path is not a constant."""
    if not args:
        return ""
    value = syntax.unwrap(resolver.value(ctx, args[0]))
    if value is not None and value.type == "object":
        node = syntax.object_get(value, "path")
        return "" if node is None else resolver.string(ctx, node)
    if value is not None and value.type == "array":
        return resolver.string(ctx, value.named_children[0]) if value.named_children else ""
    return resolver.string(ctx, args[0])
