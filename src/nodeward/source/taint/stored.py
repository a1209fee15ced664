"""Stored data: which database store (a mongoose or sequelize model, a MongoDB collection,
a prisma model, an SQL table) a call writes or reads, so that request data written in one
handler can be followed to the page another handler renders from the same store (stored
XSS, NW904).

The engine asks two questions of each call: does it read a store (its result is then a
STORED-origin taint naming the store) and does it write one (the written values are then a
STORE "sink", whose request-origin hits say which stores hold request data). The flow rule
joins both at the end of the single engine pass: only stores written from request data
count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.values import Hit, OriginKind, Render, Source, Taint, Trace

_READS = frozenset(
    {
        "find",
        "findOne",
        "findById",
        "findAll",
        "findByPk",
        "findAndCountAll",
        "findOneAndUpdate",
        "findMany",
        "findUnique",
        "findFirst",
        "aggregate",
    }
)
#: write method -> the argument that holds the written values
_WRITES = {
    "create": 0,
    "createMany": 0,
    "bulkCreate": 0,
    "insert": 0,
    "insertOne": 0,
    "insertMany": 0,
    "upsert": 0,
    "build": 0,  # sequelize Model.build(values).save()
    "updateOne": 1,
    "updateMany": 1,
    "findOneAndUpdate": 1,
    "findByIdAndUpdate": 1,
    "replaceOne": 1,
    "findOneAndReplace": 1,
}
_SQL_METHODS = frozenset(
    {"query", "execute", "run", "all", "get", "each", "exec", "prepare", "raw"}
    | {"none", "one", "many", "any", "oneOrNone", "manyOrNone"}  # pg-promise
)
_IDENT = r"[`\"'\[]?([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)?)"
_SQL_WRITE = re.compile(
    rf"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE)\s+{_IDENT}", re.I
)
_SQL_READ = re.compile(rf"\bSELECT\b[^;]*?\bFROM\s+{_IDENT}", re.I | re.S)
_NOT_MODELS = frozenset(
    {"Promise", "Object", "Array", "JSON", "Math", "Reflect", "Number", "String", "Date", "Map"}
)
_HANDLE_SUFFIX = re.compile(r"(?<=[a-z0-9])(Model|Collection|Col|Repository|Repo|Table)$")
_MAX_SQL_TEXT = 2_000


@dataclass(frozen=True)
class Store:
    """A store as written in the code (`Comment`, `comments`) and its key for matching
    model names with collection and table names (`comment`)."""

    name: str
    key: str


def store_key(name: str) -> str:
    """`Comment`, `comments`, `CommentModel`, `memosCol` and `public.comments` all name the
    same store: drop the schema, handle suffixes, case and a plural `s`."""
    name = _HANDLE_SUFFIX.sub("", name.rsplit(".", 1)[-1])
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if key.endswith("ies") and len(key) > 4:
        return key[:-3] + "y"
    if key.endswith("s") and not key.endswith("ss") and len(key) > 3:
        return key[:-1]
    return key


def _store(name: str) -> Store | None:
    key = store_key(name)
    return Store(name, key) if key else None


def _named_call_store(node: Node) -> Store | None:
    """`db.collection("memos")`, `mongoose.model("Memo")`, `sequelize.define("Memo", ..)`,
    `getRepository(Memo)`."""
    callee = node.child_by_field_name("function")
    args = syntax.call_arguments(node)
    if callee is None or not args:
        return None
    method = syntax.text(callee).rsplit(".", 1)[-1]
    if method in ("collection", "model", "define", "table"):
        name = syntax.string_value(args[0])
        return _store(name) if name else None
    if method == "getRepository" and args[0].type == "identifier":
        return _store(syntax.text(args[0]))
    return None


def _model_name(name: str) -> bool:
    return name[:1].isupper() and name not in _NOT_MODELS


def receiver_store(ctx: FileContext, receiver: Node | None) -> Store | None:
    """The store a method's receiver names: a model (`Comment`, `db.Comment`, a variable
    initialised with `mongoose.model("Comment")`), a collection handle, `prisma.comment`."""
    node = syntax.unwrap(receiver)
    if node is None:
        return None
    if node.type == "call_expression":
        return _named_call_store(node)
    if node.type == "identifier":
        value = syntax.unwrap(ctx.value_of(node))
        if value is not None and value.type == "call_expression":
            found = _named_call_store(value)
            if found is not None:
                return found
        name = syntax.text(node)
        return _store(name) if _model_name(name) or _HANDLE_SUFFIX.search(name) else None
    if node.type == "member_expression":
        name = syntax.text(node.child_by_field_name("property"))
        owner = syntax.text(node.child_by_field_name("object")).rsplit(".", 1)[-1]
        if _model_name(name) or _HANDLE_SUFFIX.search(name) or owner.lower() == "prisma":
            return _store(name)
    return None


def _method(call: Node) -> tuple[str, Node | None]:
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "member_expression":
        return "", None
    return syntax.text(callee.child_by_field_name("property")), callee.child_by_field_name("object")


def _sql_text(ctx: FileContext, args: list[Node]) -> str:
    if not args:
        return ""
    value = ctx.value_of(args[0])
    query = syntax.object_get(value, "text") or syntax.object_get(value, "sql")
    return syntax.text(query if query is not None else value)[:_MAX_SQL_TEXT]


def _sql_statement(
    pattern: re.Pattern[str], ctx: FileContext, call: Node, method: str
) -> re.Match[str] | None:
    """The statement an SQL client call (`method`) runs, when it matches `pattern`."""
    if method not in _SQL_METHODS:
        return None
    return pattern.search(_sql_text(ctx, syntax.call_arguments(call)))


#: The methods a call must name for read_taint to find a read (a store read or an SQL
#: client's SELECT).
READ_METHODS = _READS | _SQL_METHODS


def read_taint(ctx: FileContext, call: Node) -> Taint:
    """A database read's result: one STORED-origin trace naming the store."""
    if call.type != "call_expression":
        return frozenset()
    return _read_taint(ctx, call, *_method(call))


def _read_taint(ctx: FileContext, call: Node, method: str, receiver: Node | None) -> Taint:
    store = receiver_store(ctx, receiver) if method in _READS else None
    label = f"{syntax.text(receiver)}.{method}()" if store is not None else ""
    if store is None:
        statement = _sql_statement(_SQL_READ, ctx, call, method)
        store = _store(statement.group(1)) if statement is not None else None
        label = f"a SELECT from {store.name}" if store is not None else ""
    if store is None or len(label) > 80:
        return frozenset()
    location = ctx.location(call)
    description = f"a {store.name} record read by {label}"
    source = Source(description, location, OriginKind.STORED, store.key)
    return frozenset({Trace(origin=source, steps=(FlowStep(location, f"read: {description}"),))})


@dataclass(frozen=True)
class Write:
    store: Store
    label: str
    values: tuple[Node, ...]  # the arguments that hold the written values


#: Methods write_of() judges besides _WRITES and the SQL clients'.
_WRITE_METHODS = frozenset({"update", "save"})


def write_of(ctx: FileContext, call: Node) -> Write | None:
    """A call that writes values into a named store (`Comment.create(x)`,
    `db.collection("c").insertOne(x)`, `INSERT INTO comments` with values), or None.
    `doc.save()` is left to the engine: its store comes from the receiver's taint."""
    if call.type != "call_expression":
        return None
    return _write_of(ctx, call, *_method(call))


def _write_of(ctx: FileContext, call: Node, method: str, receiver: Node | None) -> Write | None:
    index = _WRITES.get(method)
    if index is None and method not in _WRITE_METHODS and method not in _SQL_METHODS:
        return None  # most calls: no store method, no SQL client
    args = syntax.call_arguments(call)
    args = [a for a in args if a.type not in syntax.FUNCTION_TYPES]  # node-style callbacks
    store = receiver_store(ctx, receiver) if index is not None else None
    if store is not None and index is not None:
        if len(args) == 1:  # prisma update({ where, data }), mongodb insertOne(doc)
            index = 0
        if index < len(args):
            return Write(store, f"{syntax.text(receiver)}.{method}()", (args[index],))
        return None
    if method == "update" and args:
        store = receiver_store(ctx, receiver)
        if store is None:
            return None
        # sequelize update(values, { where }); mongoose/mongodb update(filter, values)
        sequelize = len(args) > 1 and syntax.object_get(ctx.value_of(args[1]), "where")
        chosen = args[0] if sequelize or len(args) == 1 else args[1]
        return Write(store, f"{syntax.text(receiver)}.update()", (chosen,))
    if method == "save" and args and receiver is not None:  # mongodb collection.save(doc)
        store = receiver_store(ctx, receiver)
        if store is not None and _HANDLE_SUFFIX.search(syntax.text(receiver)) is not None:
            return Write(store, f"{syntax.text(receiver)}.save()", (args[0],))
    statement = _sql_statement(_SQL_WRITE, ctx, call, method)
    store = _store(statement.group(1)) if statement is not None else None
    if statement is None or store is None:
        return None
    verb = "an UPDATE of" if statement.group(0)[:1].upper() == "U" else "an INSERT into"
    return Write(store, f"{verb} {store.name}", tuple(args[:2]))


#: Store methods whose result is a count, a flag or a driver's status object.
_STATUS_METHODS = frozenset(
    {"delete", "deleteOne", "deleteMany", "remove", "destroy", "softDelete", "count"}
    | {"countDocuments", "exists", "increment", "decrement", "restore"}
)


class StoreCall(Enum):
    READ = "read"  # answers records (followed as STORED data) or a status
    WRITE = "write"  # answers the record it saved: the written values inside an object


def store_call(ctx: FileContext, call: Node) -> StoreCall | None:
    """Whether a call reads, deletes or writes records of a named store
    (`repo.findOne({ slug })`, `Comment.deleteOne(filter)`, `repo.save(entity)`). Its
    result is what the database answers, not the filter or the values passed in."""
    if call.type != "call_expression":
        return None
    method, receiver = _method(call)
    return _store_call(ctx, method, receiver, lambda: _write_of(ctx, call, method, receiver))


def _store_call(
    ctx: FileContext, method: str, receiver: Node | None, write: Callable[[], Write | None]
) -> StoreCall | None:
    if method in _READS or method in _STATUS_METHODS:
        return StoreCall.READ if receiver_store(ctx, receiver) is not None else None
    return StoreCall.WRITE if write() is not None else None


@dataclass(frozen=True)
class CallFacts:
    """store_call, write_of and read_taint of one call, its method looked up once."""

    kind: StoreCall | None
    write: Write | None
    read: Taint


def call_facts(ctx: FileContext, call: Node) -> CallFacts:
    if call.type != "call_expression":
        return CallFacts(None, None, frozenset())
    method, receiver = _method(call)
    write = _write_of(ctx, call, method, receiver)
    kind = _store_call(ctx, method, receiver, lambda: write)
    return CallFacts(kind, write, _read_taint(ctx, call, method, receiver))


def saved_stores(ctx: FileContext, receiver: Node | None, taint: Taint) -> tuple[Store, ...]:
    """The stores `doc.save()` writes: `new Comment(...)`, `Comment.build(...)`, or a record
    read from a store earlier (its taint names the store)."""
    value = syntax.unwrap(ctx.value_of(receiver))
    found: dict[str, Store] = {}
    if value is not None and value.type == "new_expression":
        constructor = value.child_by_field_name("constructor")
        store = receiver_store(ctx, constructor) if constructor is not None else None
        if store is not None:
            found[store.key] = store
    for trace in taint:
        origin = trace.origin
        if isinstance(origin, Source) and origin.kind is OriginKind.STORED and origin.store:
            found.setdefault(origin.store, Store(origin.store, origin.store))
    return tuple(found.values())


def result_callback(call: Node) -> Node | None:
    """The results parameter of a node-style callback: `(err, rows) => ...` passed last."""
    args = syntax.call_arguments(call)
    if not args or args[-1].type not in syntax.FUNCTION_TYPES:
        return None
    params = syntax.function_params(args[-1])
    return params[1] if len(params) >= 2 else None


def is_stored(trace: Trace) -> bool:
    return isinstance(trace.origin, Source) and trace.origin.kind is OriginKind.STORED


def only_stored(taint: Taint) -> Taint:
    return frozenset(t for t in taint if is_stored(t))


def only_records(taint: Taint) -> Taint:
    """What a read hands its callback: stored records, and records with secret fields
    (the data-exposure rule's RECORD origin)."""
    return frozenset(t for t in taint if is_stored(t) or t.is_record)


# -- joining writes and reads (after the engine pass) ---------------------------------


def request_writes(hits: Iterable[Hit]) -> dict[str, list[Hit]]:
    """Store key -> the writes of request data into it, shortest flow first. Values
    escaped for HTML before they were stored do not count."""
    found: dict[str, list[Hit]] = {}
    for hit in hits:
        origin = hit.trace.origin
        if hit.kind is not SinkKind.STORE or not hit.store or not isinstance(origin, Source):
            continue
        if origin.kind is not OriginKind.REQUEST or SinkKind.XSS in hit.trace.cleared:
            continue
        found.setdefault(hit.store, []).append(hit)
    for writes in found.values():
        writes.sort(
            key=lambda w: (
                len(w.trace.steps),
                w.sink.path,
                w.sink.line,
                w.sink.column,
                repr(w.trace.origin),  # hits come from sets: the origin breaks ties
            )
        )
    return found


def written_field(write: Hit) -> str | None:
    """The record field a write puts request data in (`{ text: req.body.text }` ->
    "text", `{ $set: { text } }` -> "text"), or None when it may be any field (a whole
    body, an SQL string)."""
    fields = write.trace.fields
    while fields and fields[0].startswith("$"):  # MongoDB update operators
        fields = fields[1:]
    return fields[0] if fields else None


def written_store(trace: Trace, writes: dict[str, list[Hit]]) -> Hit | None:
    """The write of request data that a stored record's trace reads back: into the same
    store, and into the field it reads (when both are known)."""
    origin = trace.origin
    if not isinstance(origin, Source) or origin.kind is not OriginKind.STORED:
        return None
    for write in writes.get(origin.store, ()):
        field = written_field(write)
        if not origin.field or field is None or field == origin.field:
            return write
    return None


def joined_steps(trace: Trace, write: Hit) -> tuple[FlowStep, ...]:
    """The write's flow (request data -> stored) followed by the read's flow to the sink."""
    stored = FlowStep(write.sink, f"stored by {write.label} (store: {write.store})")
    return (*write.trace.steps[:-1], stored, *trace.steps)


def stored_from(write: Hit) -> str:
    origin = write.trace.origin
    described = origin.description if isinstance(origin, Source) else "request data"
    return f"stored from {described} by {write.label} at {write.sink.path}:{write.sink.line}"


def _keep(taint: Taint, written: frozenset[str]) -> Taint:
    return frozenset(
        t
        for t in taint
        if not isinstance(t.origin, Source)
        or t.origin.kind is not OriginKind.STORED
        or t.origin.store in written
    )


def keep_written(renders: list[Render], written: frozenset[str]) -> list[Render]:
    """Renders with the records of stores never written from request data left out."""
    kept: list[Render] = []
    for render in renders:
        variables = {k: _keep(v, written) for k, v in render.variables.items()}
        fields = {k: {f: _keep(t, written) for f, t in v.items()} for k, v in render.fields.items()}
        kept.append(
            replace(
                render,
                variables={k: v for k, v in variables.items() if v},
                every_variable=_keep(render.every_variable, written),
                fields=fields,
            )
        )
    return kept
