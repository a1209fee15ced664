"""Secrets written to a database store as they were received: a password field (NW211) or
a personal-data field such as an SSN or a date of birth (NW631) whose value is request data
that went through no hashing or encryption call on the way, in the handler or in a DAO or
service of another module (the sink is checked where the write happens; a parameter's
value is followed back to the caller by the function summaries).

The fields are read from the written object itself, not from its taint: an object built
from many request fields keeps only a few traces (values.MAX_TRACES), and the password
must not be the one dropped. Hashing is recognised by the callee's name (names.HASHING_CALL:
bcrypt.hash, argon2.hash, crypto.scryptSync, createCipheriv(...).update, a project's own
hashPassword()), which clears both kinds from what the call returns. A store whose model
hashes in a hook or setter (a mongoose `pre('save')`, a sequelize hook, a typeorm
@BeforeInsert) is left out: see store_models()."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.findings import Confidence
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.served import named_calls

if TYPE_CHECKING:
    from nodeward.project import Project
    from nodeward.source.taint.analysis import FunctionAnalysis

#: Keys under which a write nests the values it stores: mongo `{ $set: values }`, prisma
#: `{ data: values }`, sequelize `{ values }`.
_NESTING_KEYS = ("$set", "$setOnInsert", "data", "values")
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pass"})
#: Words that make a password-like key about something else.
_NOT_THE_PASSWORD = re.compile(
    r"hash|digest|crypt|salt|confirm|repeat|reset|token|expir|changed|policy|length|"
    r"hint|strength|required|updated|last|at$",
    re.IGNORECASE,
)
#: Personal data that privacy laws and PCI DSS require to be encrypted at rest, by key
#: with `_`, `-` and case ignored.
_PERSONAL_KEYS = frozenset(
    {
        "ssn",
        "socialsecuritynumber",
        "socialsecurity",
        "dob",
        "dateofbirth",
        "birthdate",
        "birthday",
        "creditcard",
        "creditcardnumber",
        "cardnumber",
        "ccnumber",
        "cvv",
        "cvc",
        "iban",
        "bankaccountnumber",
        "taxid",
        "passportnumber",
        "nationalid",
    }
)
#: Password-hashing packages (see also rules/passwords.py, which the engine cannot import).
HASHING_PACKAGES = frozenset(
    {"bcrypt", "bcryptjs", "bcrypt-nodejs", "argon2", "@node-rs/argon2", "@node-rs/bcrypt"}
)
_HOOK_TEXT = re.compile(
    r"\.pre\(\s*['\"](?:save|validate|updateOne|findOneAndUpdate)|beforeCreate|beforeSave|"
    r"beforeUpdate|beforeBulkCreate|@BeforeInsert|@BeforeUpdate|setDataValue|\bset\s*\("
)
_MODEL_CLASS = re.compile(r"@Entity|@Table|extends\s+Model\b")


def field_kind(key: str) -> SinkKind | None:
    lowered = key.lower()
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", key)}
    if ("password" in lowered or "passwd" in lowered or words & _PASSWORD_WORDS) and not (
        _NOT_THE_PASSWORD.search(key)
    ):
        return SinkKind.PLAIN_PASSWORD
    if re.sub(r"[_\-]", "", lowered) in _PERSONAL_KEYS:
        return SinkKind.PLAIN_PERSONAL
    return None


def check_plain_fields(fa: FunctionAnalysis, call: Node, arg: Node, store: str, label: str) -> None:
    """Each secret field of the object `arg` that `call` writes into `store`."""
    if fa.engine.store_models.exempt(store, label):
        return
    from nodeward.source.taint.sinks import sink  # sinks imports this module

    for key, value, place in written_fields(fa.ctx, arg):
        kind = field_kind(key)
        if kind is None:
            continue
        taint = frozenset(t for t in fa.eval(value) if kind not in t.cleared)
        where = f"{label} (field `{key}`)"
        sink(fa, place, value, taint, kind, where, Confidence.MEDIUM)


def written_fields(ctx: FileContext, arg: Node) -> Iterator[tuple[str, Node, Node]]:
    """(key, value, the pair or assignment) of the object a write stores: its literal,
    the literals nested under `$set` / `data` / `values`, the literal given to the model's
    constructor (`new User({ ... })`), and `record.key = value` assignments to the variable
    written in the function that declares it (`user.password = x; await user.save()`)."""
    arg = _saved_document(arg)
    record = syntax.unwrap(ctx.value_of(arg))
    if record is not None and record.type == "new_expression":
        params = syntax.call_arguments(record)
        record = syntax.unwrap(ctx.value_of(params[0])) if params else None
    if record is not None and record.type == "object":
        for key, value, pair in syntax.object_entries(record):
            if key in _NESTING_KEYS:
                yield from written_fields(ctx, value)
            else:
                yield key, value, pair
    yield from _assigned_fields(ctx, arg, record)


def _saved_document(arg: Node) -> Node:
    """`doc.save()` writes `doc`."""
    fn = arg.child_by_field_name("function") if arg.type == "call_expression" else None
    if fn is not None and fn.type == "member_expression":
        return fn.child_by_field_name("object") or arg
    return arg


def _assigned_fields(
    ctx: FileContext, arg: Node, record: Node | None
) -> Iterator[tuple[str, Node, Node]]:
    name_node = syntax.unwrap(arg)
    if name_node is None or name_node.type not in ("identifier", "shorthand_property_identifier"):
        return
    name = syntax.text(name_node)
    scope = syntax.enclosing_function(record if record is not None else name_node)
    if scope is None:
        return
    for assignment in ctx.within(scope, "assignment_expression"):
        left = assignment.child_by_field_name("left")
        right = assignment.child_by_field_name("right")
        if left is None or right is None or left.type != "member_expression":
            continue
        if syntax.text(left.child_by_field_name("object")) != name:
            continue
        yield syntax.text(left.child_by_field_name("property")), right, assignment


@dataclass(frozen=True)
class StoreModels:
    """What the project says about its stores' models, for the plaintext checks."""

    #: stores whose model hashes or encrypts in a hook or a setter
    hooked: frozenset[str] = frozenset()
    #: stores whose definition the project shows: a model, or a raw collection handle
    defined: frozenset[str] = frozenset()
    #: the project uses a password-hashing package: a model defined out of sight (a
    #: shared package, generated code) may hash in a hook
    hashes: bool = False

    def exempt(self, store: str, label: str) -> bool:
        if store in self.hooked:
            return True
        raw = label.startswith(("an INSERT", "an UPDATE")) or "prisma." in label
        return self.hashes and not raw and store not in self.defined


def store_models(project: Project) -> StoreModels:
    """Models defined in files that have both a hook and a hashing call are hooked; every
    model and `collection("name")` handle seen is defined."""
    from nodeward.source.taint.stored import store_key

    hooked: set[str] = set()
    defined: set[str] = set()
    for ctx in project.files:
        names = _defined_models(ctx)
        if not names:
            continue
        keys = {store_key(name) for name in names}
        defined |= keys
        # a hook's hashing call spells one of these (bcrypt.hash, argon2.hash, scrypt,
        # crypto.createHash); names.HASHING_CALL, searched case-insensitively in the whole
        # text as well, matched wherever they did and cost ~1 ms a model file
        lowered = ctx.parsed.text.source.lower()
        if b"hash" not in lowered and b"crypt" not in lowered:
            continue
        if _HOOK_TEXT.search(syntax.text(ctx.parsed.tree.root_node)):
            hooked |= keys
    hashes = any(project.uses_package(name) for name in HASHING_PACKAGES)
    return StoreModels(frozenset(hooked), frozenset(defined), hashes)


#: The callee names _defined_models reads (`mongoose.model`, `db.collection`, `User.init`).
_DEFINING_METHODS = frozenset({"model", "define", "collection", "table", "init"})


def _defined_models(ctx: FileContext) -> set[str]:
    names: set[str] = set()
    # only calls whose callee can end in one of the methods are named (most calls do not)
    candidates = ctx.call_index.calls_named(_DEFINING_METHODS)
    for call, name in named_calls(ctx, candidates):
        args = syntax.call_arguments(call)
        method = name.rsplit(".", 1)[-1]
        if method in ("model", "define", "collection", "table") and args:
            model = syntax.string_value(args[0])
            if model:
                names.add(model)
        elif method == "init" and "." in name:
            names.add(name.rsplit(".", 1)[0])
    for cls in ctx.nodes("class_declaration"):
        class_name = cls.child_by_field_name("name")
        if class_name is not None and _MODEL_CLASS.search(syntax.text(cls)[:2000]):
            names.add(syntax.text(class_name))
    return names
