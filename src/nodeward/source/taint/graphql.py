"""GraphQL resolvers: their `args` parameter is client data.

The shapes real servers write, whatever the server library (Apollo Server, graphql-yoga,
mercurius, express-graphql / graphql-http, graphql-tools):
- a resolver map `{ Query: { user(parent, args, context) {...} }, Mutation: {...} }`:
  args is the second parameter;
- a graphql-js field config `{ type: UserType, args: {...}, resolve(parent, args) {...} }`:
  args is the second parameter;
- a root value for buildSchema (`rootValue: { user: ({ id }) => ... }`, or an object
  passed as `rootValue: root` / `rootValue: controller.root` from any file): args is the
  first parameter.
The functions may be written inline or named (`user: getUser`, declared in the same file).
Maps assembled from other files (`Query: { ...commentQueries }`, an imported resolver)
are followed by graphql_maps.py. NestJS `@Args()` and type-graphql `@Arg()` parameters
are handled with the other Nest decorators (nest.py).
"""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.taint.graphql_maps import ROOT_TYPES, linked_resolvers

_FIELD_CONFIG_KEYS = frozenset({"type", "args"})

#: (file, start byte of the function) -> the index of its `args` parameter
Resolvers = dict[tuple[str, int], int]


def _key_of(obj: Node) -> str | None:
    """The property name an object literal is the value of: `Query: { ... }` -> Query."""
    parent = obj.parent
    if parent is None or parent.type != "pair":
        return None
    key = parent.child_by_field_name("key")
    return syntax.string_value(key) or syntax.text(key)


def _declared_name(obj: Node) -> str | None:
    parent = obj.parent
    while parent is not None and parent.type in ("as_expression", "satisfies_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return syntax.text(name) if name is not None and name.type == "identifier" else None
    return None


def root_value_names(files: list[FileContext]) -> frozenset[str]:
    """Names of the objects passed as `rootValue` anywhere in the project: `root` for
    `rootValue: root`, `graphqlroot` for `rootValue: controller.graphqlroot`."""
    names = set()
    for ctx in files:
        if not ctx.mentions("rootValue"):
            continue  # both loops below compare a node's text with it
        for pair in ctx.nodes("pair"):
            if syntax.text(pair.child_by_field_name("key")) != "rootValue":
                continue
            value = syntax.unwrap(pair.child_by_field_name("value"))
            if value is not None and value.type == "identifier":
                names.add(syntax.text(value))
            elif value is not None and value.type == "member_expression":
                names.add(syntax.text(value.child_by_field_name("property")))
        if any(syntax.text(s) == "rootValue" for s in ctx.nodes("shorthand_property_identifier")):
            names.add("rootValue")
    return frozenset(names)


def _args_index(obj: Node, key: str, roots: frozenset[str]) -> int | None:
    """The args position of a function stored under `key` in object literal `obj`."""
    if key == "resolve" and {k for k, _v, _p in syntax.object_entries(obj)} & _FIELD_CONFIG_KEYS:
        return 1
    if _key_of(obj) in ROOT_TYPES:
        return 1
    if _key_of(obj) == "rootValue" or _declared_name(obj) in roots:
        return 0
    return None


def _function_of(ctx: FileContext, value: Node | None) -> Node | None:
    """The function a property value is: inline, or named and declared in the file."""
    value = syntax.unwrap(value)
    if value is not None and value.type == "identifier":
        value = syntax.unwrap(ctx.declaration(syntax.text(value)))
    return value if value is not None and value.type in syntax.FUNCTION_TYPES else None


def find_resolvers(files: list[FileContext], graph: ModuleGraph | None = None) -> Resolvers:
    """Every resolver function of the project, with the position of its args."""
    roots = root_value_names(files)
    found: Resolvers = {}
    if graph is not None:
        for where, resolver in linked_resolvers(files, graph):
            found[(where.rel, resolver.start_byte)] = 1
    # _args_index answers only for a key spelled `resolve`, an object under a root type or
    # `rootValue`, or one declared with a root value's name: a file spelling none of them
    # holds no resolver map (ctx.may_spell: a string key may be written with escapes)
    spelled = (*ROOT_TYPES, "rootValue", "resolve")
    for ctx in files:
        if not any(ctx.may_spell(word) for word in spelled) and not any(
            ctx.mentions(name) for name in roots
        ):
            continue
        for obj in ctx.nodes("object"):
            for member in syntax.named_children(obj):
                func: Node | None
                if member.type == "method_definition":
                    key, func = syntax.text(member.child_by_field_name("name")), member
                elif member.type == "pair":
                    key_node = member.child_by_field_name("key")
                    key = syntax.string_value(key_node) or syntax.text(key_node)
                    func = _function_of(ctx, member.child_by_field_name("value"))
                elif member.type == "shorthand_property_identifier":
                    key = syntax.text(member)
                    func = _function_of(ctx, member)
                else:
                    continue
                if func is None:
                    continue
                index = _args_index(obj, key, roots)
                if index is not None:
                    found[(ctx.rel, func.start_byte)] = index
    return found


def args_param(resolvers: Resolvers, ctx: FileContext, func: Node) -> Node | None:
    """The parameter that holds the GraphQL arguments, when `func` is a resolver."""
    index = resolvers.get((ctx.rel, func.start_byte))
    if index is None:
        return None
    params = syntax.function_params(func)
    return params[index] if len(params) > index else None
