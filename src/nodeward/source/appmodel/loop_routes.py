"""Routes registered in a loop over a table the file writes out:
`for (const r of routes) app[r.method](r.path, r.handler)`,
`routes.forEach(({ path, handler }) => router.get(path, handler))`,
`Object.keys(handlers).forEach((name) => app.post("/" + name, ...))`.

The registration is read once per element of the table, with the loop variable (or the
iteration callback's parameter) bound to that element alone, so a route's method, path and
handler come from the same record. Only tables written out are read (an array literal, in
the file or exported by a project module, or `Object.keys` of an object literal), with at
most MAX_ELEMENTS elements; a loop over anything else leaves the registration to the route
table's placeholders. A handler is taken from the record only when the record is in the
registering file (the route table reads handlers in the file that registers them).
"""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.loop_bindings import (
    Element,
    Found,
    binding_scope,
    declares,
    is_collection_iterator,
    pick,
    walked_table,
)
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.scopes import MODULE

#: Elements of a table registered one by one; a longer table is a placeholder route.
MAX_ELEMENTS = 64
_MAX_HOPS = 6


@dataclass(frozen=True)
class Loop:
    """A for-of loop or an iteration callback: what binds each element, and to what."""

    scope: Node  # the for-of statement or the callback (its names' declaring scope)
    pattern: Node  # the loop variable or the parameter receiving each element
    table: Node  # the expression iterated
    key: Node | None = None  # lodash's `(value, key)`: the parameter receiving the key


def enclosing_loop(ctx: FileContext, call: Node) -> Loop | None:
    """The innermost loop over a table around a registration call."""
    for node in syntax.ancestors(call):
        if node.type == "for_in_statement":
            if syntax.text(node.child_by_field_name("operator")) != "of":
                return None
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            return Loop(node, left, right) if left is not None and right is not None else None
        if node.type in syntax.FUNCTION_TYPES:
            walked = walked_table(ctx, node)
            params = syntax.function_params(node)
            if walked is None or walked[1] >= len(params):
                return None
            holder = node.parent.parent if node.parent is not None else None
            keyed = (holder is not None and is_collection_iterator(ctx, holder)) or _is_map(
                ctx.value_of(walked[0])
            )  # `(value, key)`: lodash over an object, a Map's forEach
            key = params[1] if keyed and len(params) > 1 else None
            return Loop(node, params[walked[1]], walked[0], key)
    return None


def elements(ctx: FileContext, loop: Loop, graph: ModuleGraph) -> list[Element] | None:
    """The elements of an array literal (in the file or exported by a project module),
    the entries of an object literal (`Object.keys`, `Object.entries`, lodash) or of a
    `new Map([...])` (None: no such table, or more than MAX_ELEMENTS)."""
    node = syntax.unwrap(ctx.value_of(loop.table))
    table_ctx = ctx
    if node is not None and node.type in ("identifier", "call_expression", "member_expression"):
        resolved = graph.resolve_import(ctx, node)  # `const routes = require("./routes")`
        if resolved is not None:
            table_ctx, node = resolved.ctx, syntax.unwrap(resolved.ctx.value_of(resolved.node))
    found: list[Element] | None = None
    if node is not None and node.type == "array":
        found = [Element(table_ctx, e) for e in node.named_children if e.type != "comment"]
    elif node is not None and node.type == "object" and loop.key is not None:
        found = [Element(table_ctx, v, key=k) for k, v in _entries(node)]  # `_.forEach(t, ...)`
    elif node is not None and _is_map(node):  # `new Map([["zip", f], ...])`
        found = [Element(table_ctx, v, keyed=True, key=k) for k, v in _map_entries(node)]
    elif node is not None and node.type == "call_expression":
        args = syntax.call_arguments(node)
        keyed = syntax.unwrap(ctx.value_of(args[0])) if args else None
        callee = syntax.text(node.child_by_field_name("function"))
        keys_ctx, entries = ctx, _entries(keyed) if keyed is not None else []
        if keyed is not None and keyed.type != "object":  # `Object.keys(controllers)`
            keys_ctx, entries = _module_entries(graph, ctx, keyed) or (ctx, [])
        if callee == "Object.keys":
            found = [Element(keys_ctx, k) for k, _v in entries]
        elif callee == "Object.entries":
            found = [Element(keys_ctx, v, keyed=True, key=k) for k, v in entries]
    if found is None or len(found) > MAX_ELEMENTS:
        return None
    return found


def bound_value(
    ctx: FileContext, expr: Node | None, loop: Loop, element: Element, hops: int = 0
) -> Found | None:
    """The expression `expr` stands for when the loop is at `element` (`r.path` -> the
    record's `path` literal, in the record's file), or None when it reads no loop
    variable."""
    expr = syntax.unwrap(expr)
    if expr is None or hops > _MAX_HOPS:
        return None
    if expr.type == "member_expression":
        record = bound_value(ctx, expr.child_by_field_name("object"), loop, element, hops + 1)
        prop = syntax.text(expr.child_by_field_name("property"))
        if record is None:
            return None
        field = syntax.object_get(record[0].value_of(record[1]), prop)
        return (record[0], field) if field is not None else None
    if expr.type != "identifier":
        return None
    name = syntax.text(expr)
    start = ctx.scope_of(name, expr)
    if start == MODULE or binding_scope(expr, start) != loop.scope:
        bound = ctx.binding(expr) if start != MODULE else None
        return bound_value(ctx, bound, loop, element, hops + 1) if bound is not None else None
    if loop.key is not None and declares(loop.key, name):
        return (element.ctx, element.key) if element.key is not None else None
    if not declares(loop.pattern, name):
        return None
    picked = pick(loop.pattern, name, element)
    return picked[0] if len(picked) == 1 else None


def bound_string(
    ctx: FileContext, expr: Node | None, loop: Loop, element: Element, hops: int = 0
) -> str | None:
    """The string `expr` is when the loop is at `element`: literals, loop-bound fields
    and keys, and concatenations or template strings of them."""
    expr = syntax.unwrap(expr)
    if expr is None or hops > _MAX_HOPS:
        return None
    value = syntax.string_value(expr)
    if value is not None:
        return value
    if expr.type in ("property_identifier", "shorthand_property_identifier") or _declared(expr):
        return syntax.text(expr)  # a key read by Object.keys
    if expr.type == "binary_expression":
        if syntax.text(expr.child_by_field_name("operator")) != "+":
            return None
        parts = [expr.child_by_field_name("left"), expr.child_by_field_name("right")]
    elif expr.type == "template_string":
        parts = [
            c if c.type == "string_fragment" else next(iter(c.named_children), None)
            for c in expr.named_children
            if c.type in ("string_fragment", "template_substitution")
        ]
    else:
        bound = bound_value(ctx, expr, loop, element, hops + 1)
        return bound_string(*bound, loop, element, hops + 1) if bound is not None else None
    strings = [
        syntax.text(p)
        if p is not None and p.type == "string_fragment"
        else bound_string(ctx, p, loop, element, hops + 1)
        for p in parts
    ]
    return "".join(s for s in strings if s is not None) if None not in strings else None


def _declared(name: Node) -> bool:
    """Whether an identifier is the name a declaration gives (an export's key)."""
    parent = name.parent
    return (
        name.type == "identifier"
        and parent is not None
        and parent.type in ("variable_declarator", "function_declaration", "class_declaration")
        and parent.child_by_field_name("name") == name
    )


def _is_map(node: Node | None) -> bool:
    node = syntax.unwrap(node)
    return (
        node is not None
        and node.type == "new_expression"
        and syntax.text(node.child_by_field_name("constructor")) == "Map"
    )


def _map_entries(node: Node) -> list[tuple[Node, Node]]:
    """(key, value) of the `[key, value]` pairs a `new Map([...])` is built from."""
    args = syntax.call_arguments(node)
    pairs = syntax.unwrap(args[0]) if args else None
    if pairs is None or pairs.type != "array":
        return []
    found = []
    for pair in pairs.named_children:
        items = pair.named_children if pair.type == "array" else []
        if len(items) == 2:
            found.append((items[0], items[1]))
    return found


def _module_entries(
    graph: ModuleGraph, ctx: FileContext, node: Node
) -> tuple[FileContext, list[tuple[Node, Node]]] | None:
    """A project module's named exports as (key, value): `import * as controllers`,
    `require("./controllers")` exporting `exports.list = ...` or `export const list`."""
    ref = ctx.ref_of(node)
    module = graph.resolve(ctx.rel, ref.module) if ref is not None and not ref.path else None
    if module is None:
        return None
    found = []
    for name, value in graph.exports(module).items():
        key = _export_key(value)
        if key is not None and syntax.text(key) == name:
            found.append((key, value))
    return module, found


def _export_key(value: Node) -> Node | None:
    """The name node an export is written with (`exports.list =`, `export const list`)."""
    if value.type in ("function_declaration", "class_declaration"):
        return value.child_by_field_name("name")
    parent = value.parent
    if parent is None:
        return None
    if parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        return left.child_by_field_name("property") if left is not None else None
    if parent.type == "variable_declarator":
        return parent.child_by_field_name("name")
    return parent.child_by_field_name("key") if parent.type == "pair" else None


def _entries(obj: Node) -> list[tuple[Node, Node]]:
    """(key, value) of an object literal's properties (`a: 1`, `"b": f`, `c`, `d() {}`)."""
    if obj.type != "object":
        return []
    found = []
    for child in obj.named_children:
        if child.type == "pair":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
        elif child.type == "method_definition":
            key, value = child.child_by_field_name("name"), child
        elif child.type == "shorthand_property_identifier":
            key, value = child, child
        else:
            continue
        if key is not None and value is not None:
            found.append((key, value))
    return found


__all__ = ["MAX_ELEMENTS", "Loop", "bound_string", "bound_value", "elements", "enclosing_loop"]
