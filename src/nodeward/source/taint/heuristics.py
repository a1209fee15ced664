"""Sinks recognised by method and receiver names when no model row resolved the callee
(a connection handed to a callback, `this.db`, an ODM model class): medium confidence."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nodeward.findings import Confidence
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint import (
    nest,
)
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.names import (
    BUILTIN_OBJECTS,
    LOGGER_METHODS,
    LOGGER_RECEIVER,
    MASS_ASSIGNMENT_METHODS,
    NOSQL_METHODS,
    QUERY_BUILDER_METHODS,
    RAW_SQL_METHODS,
    RECORD_READS,
    SQL_METHODS,
    SQL_RECEIVER,
    SQLITE_METHODS,
)
from nodeward.source.taint.sequelize_calls import is_sequelize_call
from nodeward.source.taint.sinks import mass_assignment, sink
from nodeward.source.taint.values import (
    Taint,
)

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis


def heuristic_sinks(
    fa: FunctionAnalysis,
    call: Node,
    fn: Node | None,
    receiver: Node | None,
    method: str,
    args: list[Node],
    arg_taints: list[Taint],
    receiver_taint: Taint,
) -> bool:
    """Sinks recognised by method and receiver names when no model row resolved.
    Returns whether the call was one (its result then holds no request data)."""
    receiver_text = syntax.text(receiver) if receiver is not None else ""
    receiver_name = receiver_text.rsplit(".", 1)[-1]
    if not args:  # `User.findAll()`: every record
        return (
            method in RECORD_READS
            and receiver is not None
            and receiver.type in ("identifier", "member_expression")
            and receiver_name[:1].isupper()
            and receiver_name not in BUILTIN_OBJECTS
        )
    medium = Confidence.MEDIUM
    if (
        method in RAW_SQL_METHODS
        or (method in SQL_METHODS and SQL_RECEIVER.search(receiver_name))
        or (method in SQL_METHODS and nest.is_typed_sql_client(receiver))
        or (method in SQLITE_METHODS and re.search(r"db|database|sqlite", receiver_name, re.I))
    ):
        sink(fa, call, args[0], arg_taints[0], SinkKind.SQL, f"{receiver_text}.{method}()", medium)
        return True
    if method in QUERY_BUILDER_METHODS and "createQueryBuilder" in receiver_text:
        sink(fa, call, args[0], arg_taints[0], SinkKind.SQL, f"query builder {method}()", medium)
        return True
    is_model = (
        receiver is not None
        and receiver.type == "identifier"
        and receiver_name[:1].isupper()
        and receiver_name not in BUILTIN_OBJECTS
    ) or (  # `this.find(criteria)` in a Mongoose schema static: `this` is the model
        receiver is not None
        and receiver.type == "this"
        and fa.engine.schema_methods.is_static(fa.ctx, fa.unit)
    )
    receiver_value = fa.ctx.value_of(receiver) if receiver is not None else None
    is_collection = (
        ".collection(" in receiver_text
        or receiver_name.lower().endswith("collection")  # usersCollection, this.collection
        or ".collection(" in syntax.text(receiver_value)[:200]
    )
    if call.type == "new_expression" and fn is not None and fn.type == "identifier":
        name = syntax.text(fn)
        if name[:1].isupper() and name not in BUILTIN_OBJECTS and is_model_name(fa, name):
            mass_assignment(fa, call, args[0], arg_taints[0], f"new {name}()")
        return False
    if (is_model or is_collection) and method in MASS_ASSIGNMENT_METHODS:
        index = MASS_ASSIGNMENT_METHODS[method]
        if index < len(args):
            mass_assignment(fa, call, args[index], arg_taints[index], f"{receiver_text}.{method}()")
    if (
        (is_model or is_collection)
        and method in NOSQL_METHODS
        and not is_sequelize_call(fa.ctx, args)  # `{ where }`: Symbol operators only
    ):
        sink(
            fa, call, args[0], arg_taints[0], SinkKind.NOSQL, f"{receiver_text}.{method}()", medium
        )
        return True
    is_model_member = (  # `db.Product.findAll(...)`, `models.User.findOne(...)`
        receiver is not None
        and receiver.type == "member_expression"
        and receiver_name[:1].isupper()
        and receiver_name not in BUILTIN_OBJECTS
    )
    if (is_model or is_collection or is_model_member) and (
        method in MASS_ASSIGNMENT_METHODS or method.startswith("find")
    ):
        return True  # database reads and writes return records, not the request
    if method in LOGGER_METHODS and LOGGER_RECEIVER.match(receiver_text):
        for arg, taint in zip(args, arg_taints, strict=True):
            sink(fa, call, arg, taint, SinkKind.LOG, f"{receiver_text}.{method}()", medium)
        return True
    return False


def is_model_name(fa: FunctionAnalysis, name: str) -> bool:
    """A class imported from a project module (`models/user`) or made by an ODM."""
    declared = fa.ctx.declaration(name)
    if declared is not None and declared.type == "class_declaration":
        return True
    ref = fa.ctx.ref_of(fa.ctx.first_identifier(name))
    if ref is None:
        return False
    return ref.module.startswith(".") or "model" in ref.path or "define" in ref.path
