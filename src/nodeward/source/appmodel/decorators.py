"""The route path a NestJS or routing-controllers decorator names (the decorators
themselves are read by nodeward.source.decorators)."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.appmodel.resolve import Resolver
from nodeward.source.context import FileContext
from nodeward.source.parse import Node


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
