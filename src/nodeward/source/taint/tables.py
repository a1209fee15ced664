"""Calls through function tables: functions stored in an object literal, an array or a
`Map`, called through a computed member.

`sinks[name](input)`, `handlers[i](req.query.x)`, `table[i].handler(x)` and
`registry.get(kind)(x)` name no function the engine can pick: the call may reach every
function of the table, so each one's summary applies (the union of what they return and
the sinks each one reaches with the arguments). The table is read where it is declared:
in the calling file or in the module it is imported from (`module.exports = { a, b }`,
`exports.a = ...`, `import * as sinks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

if TYPE_CHECKING:
    from nodeward.source.taint.engine import TaintEngine

#: More functions than this in one table: the table is a library's registry, not a
#: dispatch the request chooses; only the first ones are followed.
MAX_TABLE_FUNCTIONS = 24

Found = tuple[FileContext, Node]


def table_functions(engine: TaintEngine, ctx: FileContext, call: Node) -> tuple[Found, ...]:
    """The functions a call through a table may reach (none when it is no such call)."""
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None:
        return ()
    if callee.type == "subscript_expression":  # sinks[name](x)
        return _entries(engine, ctx, callee.child_by_field_name("object"), None)
    if callee.type == "member_expression":  # table[i].handler(x)
        obj = syntax.unwrap(callee.child_by_field_name("object"))
        if obj is not None and obj.type == "subscript_expression":
            field = syntax.text(callee.child_by_field_name("property"))
            return _entries(engine, ctx, obj.child_by_field_name("object"), field)
    if callee.type == "call_expression":  # registry.get(kind)(x)
        getter = syntax.unwrap(callee.child_by_field_name("function"))
        if (
            getter is not None
            and getter.type == "member_expression"
            and syntax.text(getter.child_by_field_name("property")) == "get"
        ):
            return _entries(engine, ctx, getter.child_by_field_name("object"), None, maps=True)
    return ()


def _entries(
    engine: TaintEngine,
    ctx: FileContext,
    table: Node | None,
    field: str | None,
    *,
    maps: bool = False,
) -> tuple[Found, ...]:
    """The functions of a table (`maps`: only a `new Map(...)`, read with `.get`)."""
    located = _table(engine, ctx, table)
    if located is None or (maps and located[1].type != "new_expression"):
        return ()
    table_ctx, node = located
    found: list[Found] = []
    values = (
        list(engine.graph.exports(table_ctx).values()) if node.type == "program" else _values(node)
    )
    for value in values[:MAX_TABLE_FUNCTIONS]:
        stored: Node | None = value
        if field is not None:  # the element is a record: its `field` is the function
            record = syntax.unwrap(table_ctx.value_of(value))
            stored = syntax.object_get(record, field) if record is not None else None
        function = _function(engine, table_ctx, stored) if stored is not None else None
        if function is not None and function not in found:
            found.append(function)
    return tuple(found)


def _table(engine: TaintEngine, ctx: FileContext, table: Node | None) -> Found | None:
    """The object, array or `new Map(...)` a table expression holds."""
    table = syntax.unwrap(table)
    if table is None:
        return None
    value = syntax.unwrap(ctx.value_of(table))
    if value is not None and _is_table(value):
        return ctx, value
    if table.type not in ("identifier", "member_expression"):
        return None
    resolved = engine.graph.resolve_import(ctx, table)
    if resolved is not None:
        node = syntax.unwrap(resolved.ctx.value_of(resolved.node))
        if node is not None and _is_table(node):
            return resolved.ctx, node
    return _module_exports(engine, ctx, table)


def _module_exports(engine: TaintEngine, ctx: FileContext, table: Node) -> Found | None:
    """`const sinks = require("./sinks")` where the module exports its functions one by
    one: the module's export list is the table (its `program` node stands for it)."""
    ref = ctx.ref_of(table)
    if ref is None or ref.path:
        return None
    module = engine.graph.resolve(ctx.rel, ref.module)
    if module is None or not engine.graph.exports(module):
        return None
    return module, module.parsed.root


def _is_table(node: Node) -> bool:
    return node.type in ("object", "array") or (
        node.type == "new_expression"
        and syntax.text(node.child_by_field_name("constructor")) == "Map"
    )


def _values(node: Node) -> list[Node]:
    """The values stored in a table: an object's properties and methods, an array's
    elements, a Map's `[key, value]` entries."""
    if node.type == "object":
        values = []
        for member in node.named_children:
            if member.type == "pair":
                value = member.child_by_field_name("value")
                if value is not None:
                    values.append(value)
            elif member.type in ("method_definition", "shorthand_property_identifier"):
                values.append(member)
        return values
    if node.type == "array":
        return list(node.named_children)
    if node.type == "new_expression":
        args = syntax.call_arguments(node)
        entries = syntax.unwrap(args[0]) if args else None
        if entries is None or entries.type != "array":
            return []
        pairs = (syntax.unwrap(e) for e in entries.named_children)
        return [p.named_children[1] for p in pairs if p is not None and len(p.named_children) == 2]
    return []


def _function(engine: TaintEngine, ctx: FileContext, value: Node) -> Found | None:
    """The project function a table's value is: written inline, declared in the file or
    imported."""
    node = syntax.unwrap(value)
    if node is None:
        return None
    if node.type == "method_definition" or node.type in syntax.FUNCTION_TYPES:
        return ctx, node
    if node.type in ("identifier", "shorthand_property_identifier"):
        declared = syntax.unwrap(ctx.declaration(syntax.text(node)))
        if declared is not None and declared.type in syntax.FUNCTION_TYPES:
            return ctx, declared
    if node.type not in ("identifier", "shorthand_property_identifier", "member_expression"):
        return None
    resolved = engine.graph.resolve_import(ctx, node)
    found = syntax.unwrap(resolved.node) if resolved is not None else None
    if resolved is not None and found is not None and found.type == "identifier":
        found = syntax.unwrap(resolved.ctx.declaration(syntax.text(found)))
    if resolved is not None and found is not None and found.type in syntax.FUNCTION_TYPES:
        return resolved.ctx, found
    return None


#: function_values.py reads tables the same way: the values one stores, the function one is
stored_values = _values
function_of = _function

__all__ = ["MAX_TABLE_FUNCTIONS", "function_of", "stored_values", "table_functions"]
