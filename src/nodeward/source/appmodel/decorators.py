"""TypeScript decorators as the app model reads them (NestJS, routing-controllers): a
decorator's name and arguments, the decorators of a class and of a method, and the route
path a decorator names."""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.appmodel.resolve import Resolver
from nodeward.source.context import FileContext
from nodeward.source.parse import Node


@dataclass(frozen=True)
class Decorator:
    name: str
    args: list[Node]
    node: Node


def decorator(node: Node) -> Decorator | None:
    """`Get` with its arguments for `@Get(':id')` (or `@common.Get(...)`), `Public` for
    `@Public`; None for shapes that are no call or name."""
    inner = node.named_children[0] if node.named_children else None
    if inner is None:
        return None
    if inner.type == "identifier":
        return Decorator(syntax.text(inner), [], node)
    if inner.type != "call_expression":
        return None
    fn = inner.child_by_field_name("function")
    return Decorator(syntax.text(fn).rsplit(".", 1)[-1], syntax.call_arguments(inner), node)


def decorators(nodes: list[Node]) -> list[Decorator]:
    return [d for d in (decorator(n) for n in nodes) if d is not None]


def class_decorators(cls: Node) -> list[Decorator]:
    """A class's own decorators and those written before `export` (`@Controller() export
    class ...`)."""
    found = [c for c in cls.named_children if c.type == "decorator"]
    parent = cls.parent
    if parent is not None and parent.type == "export_statement":
        found += [c for c in parent.named_children if c.type == "decorator"]
    return decorators(found)


def method_decorators(method: Node) -> list[Decorator]:
    """Decorators above a method are its preceding siblings in the class body."""
    found: list[Node] = []
    sibling = method.prev_named_sibling
    while sibling is not None and sibling.type in ("decorator", "comment"):
        if sibling.type == "decorator":
            found.append(sibling)
        sibling = sibling.prev_named_sibling
    found.reverse()
    return decorators(found + [c for c in method.named_children if c.type == "decorator"])


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
