"""TypeScript decorators as the app model and the taint engine read them (NestJS,
routing-controllers, class-validator): a decorator's name and arguments, and the decorators
of a class, of a class member and of a parameter."""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source import syntax
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
    """The decorators among `nodes`, parsed, in the order given."""
    parsed = (decorator(n) for n in nodes if n.type == "decorator")
    return [d for d in parsed if d is not None]


def named(found: list[Decorator]) -> dict[str, list[Node]]:
    """Decorator name -> its arguments; of repeated names, the last in `found` counts."""
    return {d.name: d.args for d in found}


def own_decorator_nodes(node: Node) -> list[Node]:
    """The decorators written on `node` itself (a parameter's `@Body()`)."""
    return [c for c in node.named_children if c.type == "decorator"]


def class_decorator_nodes(cls: Node) -> list[Node]:
    """A class's own decorators and those written before `export` (`@Controller() export
    class ...`)."""
    found = own_decorator_nodes(cls)
    parent = cls.parent
    if parent is not None and parent.type == "export_statement":
        found += own_decorator_nodes(parent)
    return found


def member_decorator_nodes(member: Node, *, nearest_first: bool = False) -> list[Node]:
    """The decorators of a method or field: tree-sitter leaves those written above it as
    its preceding siblings in the class body. In document order, or with the nearest
    sibling first; then the member's own."""
    siblings: list[Node] = []
    sibling = member.prev_named_sibling
    while sibling is not None and sibling.type in ("decorator", "comment"):
        if sibling.type == "decorator":
            siblings.append(sibling)
        sibling = sibling.prev_named_sibling
    if not nearest_first:
        siblings.reverse()
    return siblings + own_decorator_nodes(member)


def class_decorators(cls: Node) -> list[Decorator]:
    return decorators(class_decorator_nodes(cls))


def method_decorators(method: Node) -> list[Decorator]:
    """A method's decorators in document order."""
    return decorators(member_decorator_nodes(method))


def class_of(member: Node) -> Node | None:
    """The class a method or field is declared in."""
    body = member.parent
    cls = body.parent if body is not None and body.type == "class_body" else None
    return cls if cls is not None and cls.type in syntax.CLASS_TYPES else None
