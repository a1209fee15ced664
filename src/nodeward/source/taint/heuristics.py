"""Sinks recognised by method and receiver names when no model row resolved the callee
(a connection handed to a callback, `this.db`, an ODM model class): medium confidence.

The names are data (names.NAMED_SINKS, MASS_ASSIGNMENT_METHODS, RECORD_READS,
MODEL_FACTORIES); this module only tests a call against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.findings import Confidence
from nodeward.source import syntax
from nodeward.source.taint import nest
from nodeward.source.taint.call_sites import EvaluatedCall
from nodeward.source.taint.names import (
    BUILTIN_OBJECTS,
    MASS_ASSIGNMENT_METHODS,
    MODEL_FACTORIES,
    NAMED_SINKS,
    NOSQL_METHODS,
    RECORD_READS,
    NamedSink,
    ReceiverTest,
)
from nodeward.source.taint.sequelize_calls import is_sequelize_call
from nodeward.source.taint.sinks import mass_assignment, sink

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis


def _by_method(rows: tuple[NamedSink, ...]) -> dict[str, tuple[NamedSink, ...]]:
    """The rows that name each method, in table order (the first match decides)."""
    index: dict[str, list[NamedSink]] = {}
    for row in rows:
        for method in row.methods:
            index.setdefault(method, []).append(row)
    return {method: tuple(found) for method, found in index.items()}


#: NAMED_SINKS by method name: most calls name none of their methods
_NAMED_BY_METHOD = _by_method(NAMED_SINKS)


@dataclass(frozen=True)
class _Receiver:
    """What the names say about the receiver of `receiver.method(...)`."""

    text: str  # as written: `this.db`, `db.User`
    name: str  # its last name: `db`, `User`
    model: bool  # a model class (`User`), or `this` in a Mongoose schema static
    collection: bool  # a collection handle: `db.collection("c")`, `usersCollection`
    model_member: bool  # `db.Product`, `models.User`


def heuristic_sinks(fa: FunctionAnalysis, site: EvaluatedCall) -> bool:
    """Sinks recognised by method and receiver names when no model row resolved.
    Returns whether the call was one (its result then holds no request data)."""
    method = site.method
    if not site.args:  # `User.findAll()`: every record
        return (
            method in RECORD_READS
            and site.receiver is not None
            and site.receiver.type in ("identifier", "member_expression")
            and _class_like(syntax.text(site.receiver).rsplit(".", 1)[-1])
        )
    fn = site.fn
    if site.node.type == "new_expression" and fn is not None and fn.type == "identifier":
        name = syntax.text(fn)
        if _class_like(name) and is_model_name(fa, name):
            mass_assignment(fa, site.node, site.args[0], site.arg_taints[0], f"new {name}()")
        return False
    index = MASS_ASSIGNMENT_METHODS.get(method)
    rows = _NAMED_BY_METHOD.get(method, ())
    if index is None and not rows and not method.startswith("find"):
        return False  # no row names the method: what the receiver is changes nothing
    receiver = _describe(fa, site)
    store = receiver.model or receiver.collection
    if store and index is not None and index < len(site.args):
        label = f"{receiver.text}.{method}()"
        mass_assignment(fa, site.node, site.args[index], site.arg_taints[index], label)
    for row in rows:
        if _matches(fa, row, site, receiver):
            _report(fa, row, site, receiver)
            return True
    # database reads and writes return records, not the request
    return (store or receiver.model_member) and (
        method in MASS_ASSIGNMENT_METHODS or method.startswith("find")
    )


def _describe(fa: FunctionAnalysis, site: EvaluatedCall) -> _Receiver:
    node = site.receiver
    text = syntax.text(node) if node is not None else ""
    name = text.rsplit(".", 1)[-1]
    kind = node.type if node is not None else ""
    model = (kind == "identifier" and _class_like(name)) or (
        # `this.find(criteria)` in a Mongoose schema static: `this` is the model
        kind == "this" and fa.engine.schema_methods.is_static(fa.ctx, fa.unit)
    )
    value = fa.ctx.value_of(node) if node is not None else None
    collection = (
        ".collection(" in text
        or name.lower().endswith("collection")  # usersCollection, this.collection
        or ".collection(" in syntax.text(value)[:200]
        or (_store_method(site.method) and nest.is_typed_store(node))  # `orders: Collection<T>`
    )
    model_member = kind == "member_expression" and _class_like(name)
    return _Receiver(text, name, model, collection, model_member)


def _store_method(method: str) -> bool:
    """A method whose receiver's being a store changes the answer (the declared type is
    looked up only for these)."""
    return method in NOSQL_METHODS or method in MASS_ASSIGNMENT_METHODS or method.startswith("find")


def _class_like(name: str) -> bool:
    return name[:1].isupper() and name not in BUILTIN_OBJECTS


def _matches(
    fa: FunctionAnalysis, row: NamedSink, site: EvaluatedCall, receiver: _Receiver
) -> bool:
    if site.method not in row.methods:
        return False
    if row.not_sequelize and is_sequelize_call(fa.ctx, site.args):
        return False
    match row.receiver:
        case ReceiverTest.ANY:
            return True
        case ReceiverTest.NAME:
            return row.pattern is not None and row.pattern.search(receiver.name) is not None
        case ReceiverTest.TEXT:
            return row.pattern is not None and row.pattern.search(receiver.text) is not None
        case ReceiverTest.TYPED_SQL_CLIENT:
            return nest.is_typed_sql_client(site.receiver)
        case ReceiverTest.STORE:
            return receiver.model or receiver.collection


def _report(fa: FunctionAnalysis, row: NamedSink, site: EvaluatedCall, receiver: _Receiver) -> None:
    label = row.label.format(receiver=receiver.text, method=site.method)
    pairs = zip(site.args, site.arg_taints, strict=True)
    for arg, taint in pairs if row.every_argument else [next(pairs)]:
        sink(fa, site.node, arg, taint, row.kind, label, Confidence.MEDIUM)


def is_model_name(fa: FunctionAnalysis, name: str) -> bool:
    """A class imported from a project module (`models/user`) or made by an ODM."""
    declared = fa.ctx.declaration(name)
    if declared is not None and declared.type == "class_declaration":
        return True
    ref = fa.ctx.ref_of(fa.ctx.first_identifier(name))
    if ref is None:
        return False
    return ref.module.startswith(".") or any(step in MODEL_FACTORIES for step in ref.path)
