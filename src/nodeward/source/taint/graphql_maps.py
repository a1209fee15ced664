"""GraphQL resolver maps put together from other files.

Larger servers keep their resolvers beside the types they serve and assemble the map in
an index file:
- `Query: { ...commentQueries, ...reportQueries }`: operation maps spread in, declared in
  this file or imported;
- `Query: queries`, `{ Query, Mutation }`: a whole operation map held in a name;
- `Mutation: { exportComments }`, `user: userResolver`: one resolver imported from the
  file that defines it;
- `export const Query = { ... }`: an operation map named after its root type, merged
  elsewhere.
Each function of such a map takes the client's arguments second, as in an inline map
(graphql.py). Imports are followed through the module graph, a fixed number of hops.
"""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node

ROOT_TYPES = frozenset({"Query", "Mutation", "Subscription"})
#: spreads of spreads: `Query: { ...userQueries }` where userQueries spreads others
_MAX_NESTING = 3

_NAMES = frozenset({"identifier", "shorthand_property_identifier", "member_expression"})
#: (file, function) of each resolver the linked maps hold
Linked = list[tuple[FileContext, Node]]


def _object_of(
    graph: ModuleGraph, ctx: FileContext, node: Node | None
) -> tuple[FileContext, Node] | None:
    """The object literal an expression is: inline, a name of this file, or an import
    (`require("./query")`, `import Mutation from "./mutation"`, `queries.Query`)."""
    value = syntax.unwrap(ctx.value_of(node))
    if value is not None and value.type == "object":
        return ctx, value
    node = syntax.unwrap(node)
    if node is None or node.type not in _NAMES:
        return None
    found = graph.resolve_import(ctx, node)
    if found is None:
        return None
    target = syntax.unwrap(found.ctx.value_of(found.node))
    return (found.ctx, target) if target is not None and target.type == "object" else None


def _function_of(
    graph: ModuleGraph, ctx: FileContext, node: Node
) -> tuple[FileContext, Node] | None:
    """The function a map member names, when another file defines it (the functions of
    this file are found by graphql.py)."""
    found = graph.resolve_import(ctx, node)
    if found is None:
        return None
    target = syntax.unwrap(found.ctx.value_of(found.node))
    if target is not None and target.type in syntax.FUNCTION_TYPES:
        return found.ctx, target
    return None


def _members(
    graph: ModuleGraph, ctx: FileContext, obj: Node, depth: int
) -> Iterator[tuple[FileContext, Node]]:
    """The resolvers of operation map `obj`: its functions, those of the maps it spreads
    in, and imported functions it names."""
    for member in syntax.named_children(obj):
        if member.type == "method_definition":
            yield ctx, member
        elif member.type == "spread_element" and depth < _MAX_NESTING:
            spread = member.named_children[0] if member.named_children else None
            inner = _object_of(graph, ctx, spread)
            if inner is not None:
                yield from _members(graph, *inner, depth + 1)
        elif member.type in ("pair", "shorthand_property_identifier"):
            value = member if member.type != "pair" else member.child_by_field_name("value")
            value = syntax.unwrap(value)
            if value is None:
                continue
            local = syntax.unwrap(ctx.value_of(value))
            if local is not None and local.type in syntax.FUNCTION_TYPES:
                yield ctx, local
            elif value.type in _NAMES:
                imported = _function_of(graph, ctx, value)
                if imported is not None:
                    yield imported


def _root_values(ctx: FileContext) -> Iterator[Node]:
    """What the file puts under a root type: `Query: <value>`, `{ Mutation }`,
    `const Query = <value>`."""
    for pair in ctx.nodes("pair"):
        if syntax.property_key(pair) in ROOT_TYPES and (value := pair.child_by_field_name("value")):
            yield value
    for shorthand in ctx.nodes("shorthand_property_identifier"):
        parent = shorthand.parent
        if syntax.text(shorthand) in ROOT_TYPES and parent is not None and parent.type == "object":
            yield shorthand
    for declarator in ctx.nodes("variable_declarator"):
        name = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if (
            name is not None
            and name.type == "identifier"
            and syntax.text(name) in ROOT_TYPES
            and value is not None
        ):
            yield value


def linked_resolvers(files: list[FileContext], graph: ModuleGraph) -> Linked:
    """Every resolver function that an operation map of the project holds, wherever the
    map and the function are written."""
    found: Linked = []
    for ctx in files:
        if not any(ctx.may_spell(root) for root in ROOT_TYPES):
            continue  # _root_values compares keys and names with a root type
        for value in _root_values(ctx):
            target = _object_of(graph, ctx, value)
            if target is not None:
                found += _members(graph, *target, 0)
    return found
