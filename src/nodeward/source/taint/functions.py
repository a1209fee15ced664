"""Call resolution for plain project functions and constructors: the function a call
names in its file or through an import, and the methods an object made by `new` carries.
Methods reached through `this` and classes are in methods.py; callbacks in callbacks.py;
promise executors in promises.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.taint import nest

if TYPE_CHECKING:
    from nodeward.source.taint.engine import TaintEngine


CONSTRUCTOR_TYPES = syntax.FUNCTION_TYPES | {"class", "class_declaration"}


def constructor_target(
    engine: TaintEngine, ctx: FileContext, name: Node
) -> tuple[FileContext, Node] | None:
    """The project function or class a constructor expression names."""
    node = syntax.unwrap(name)
    if node is None or node.type not in ("identifier", "member_expression"):
        return None
    if node.type == "identifier":
        declared = syntax.unwrap(ctx.declaration(syntax.text(node)))
        if declared is not None and declared.type in CONSTRUCTOR_TYPES:
            return ctx, declared
    resolved = engine.graph.resolve_import(ctx, node)
    if resolved is None:
        return None
    found = syntax.unwrap(resolved.node)
    if found is not None and found.type in ("identifier", "shorthand_property_identifier"):
        found = syntax.unwrap(resolved.ctx.declaration(syntax.text(found)))
    if found is not None and found.type in CONSTRUCTOR_TYPES:
        return resolved.ctx, found
    return None


def instance_method(
    engine: TaintEngine, ctx: FileContext, callee: Node
) -> tuple[FileContext, Node] | None:
    """`dao.update(...)` where `const dao = new DAO(db)`: the method the constructor
    function assigns (`this.update = function ...`) or the class declares."""
    name = syntax.text(callee.child_by_field_name("property"))
    made = _instance(engine, ctx, callee.child_by_field_name("object"))
    if made is None:
        return None
    new_ctx, receiver = made
    constructor = receiver.child_by_field_name("constructor")
    target = constructor_target(engine, new_ctx, constructor) if constructor is not None else None
    if target is None:
        return None
    target_ctx, func = target
    return engine.class_methods.constructed_member(target_ctx, func, name) or _prototype_method(
        engine, target_ctx, func, name
    )


def _prototype_method(
    engine: TaintEngine, ctx: FileContext, constructor: Node, name: str
) -> tuple[FileContext, Node] | None:
    """`Dao.prototype.find = function (...) {...}` in the constructor's file."""
    declared = constructor.child_by_field_name("name")
    if declared is None and constructor.parent is not None:
        declared = constructor.parent.child_by_field_name("name")  # `const Dao = function`
    if declared is None or declared.type != "identifier":
        return None
    method = engine.field_writes(ctx).function_at(f"{syntax.text(declared)}.prototype.{name}")
    return (ctx, method) if method is not None else None


def _instance(
    engine: TaintEngine, ctx: FileContext, obj: Node | None
) -> tuple[FileContext, Node] | None:
    """The `new` expression a call's receiver holds: `const dao = new Dao(db)` in this
    file, a field a constructor sets (`this.dao = new Dao(db)`), or an instance another
    module exports (`module.exports = new Dao(db)`)."""
    receiver = ctx.value_of(obj)
    if receiver is not None and receiver.type == "member_expression":
        receiver = engine.class_methods.field_value(ctx, receiver) or receiver
    if receiver is not None and receiver.type == "new_expression":
        return ctx, receiver
    obj = syntax.unwrap(obj)
    if obj is None or obj.type not in ("identifier", "member_expression"):
        return None
    resolved = engine.graph.resolve_import(ctx, obj)
    if resolved is None:
        return None
    node = syntax.unwrap(resolved.ctx.value_of(resolved.node))
    if node is not None and node.type == "new_expression":
        return resolved.ctx, node
    return None


def project_function(
    engine: TaintEngine, ctx: FileContext, call: Node
) -> tuple[FileContext, Node] | None:
    """The project function a call invokes, in this file or through an import."""
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None:
        return None
    if callee.type == "identifier":
        declared = ctx.declaration(syntax.text(callee))
        declared = syntax.unwrap(declared)
        if declared is not None and declared.type in syntax.FUNCTION_TYPES:
            return ctx, declared
    if callee.type not in ("identifier", "member_expression"):
        return None
    if callee.type == "member_expression":
        method = (
            instance_method(engine, ctx, callee)
            or nest.injected_method(engine.graph, ctx, callee)
            or engine.class_methods.own(ctx, callee)
            or engine.class_methods.static(ctx, callee)
        )
        if method is not None:
            return method
    resolved = engine.graph.resolve_import(ctx, callee)
    node = syntax.unwrap(resolved.node) if resolved is not None else None
    if resolved is not None and node is not None:
        if node.type in ("identifier", "shorthand_property_identifier"):
            # `module.exports = { getUser }`: the export names a local declaration
            node = syntax.unwrap(resolved.ctx.declaration(syntax.text(node)))
        if node is not None and node.type in syntax.FUNCTION_TYPES:
            return resolved.ctx, node
    if callee.type == "member_expression":
        assigned = engine.field_writes(ctx).assigned_function(callee)
        if assigned is not None:
            return ctx, assigned
    return None
