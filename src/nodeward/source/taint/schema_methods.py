"""Mongoose instance methods that serialise a document field by field.

Apps send documents through methods declared on the schema:

    UserSchema.methods.toAuthJSON = function () {
      return { username: this.username, email: this.email, token: this.generateJWT() };
    };
    ...
    res.json({ user: user.toAuthJSON() });

Without the definition, `user.toAuthJSON()` is an unknown call whose result carries the
whole document (password hash included) and its arguments. When the method is found and
every value it returns is either a yes-or-no (`this.favorites.some(...)`) or an object
literal that names the fields it copies (no spread, no bare `this`, no read of a secret
field such as `this.hash`), the call is analysed like a project function: its
arguments flow as its summary says, and the document itself contributes only the named,
non-secret fields, which hold no request data of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

Found = tuple[FileContext, Node]


class SchemaMethods:
    """Every `X.methods.name = function` (and `X.methods = { name() {} }`,
    `X.method("name", fn)`) in the project, by method name."""

    def __init__(
        self,
        files: Iterable[FileContext],
        secret_fields: frozenset[str],
        boolean_methods: frozenset[str],
    ) -> None:
        self._secret_fields = secret_fields
        self._boolean_methods = boolean_methods
        self._by_name: dict[str, list[Found]] = defaultdict(list)
        self._statics: dict[str, list[Found]] = defaultdict(list)
        self._static_starts: set[tuple[str, int]] = set()
        self._summarisable: dict[str, Found | None] = {}  # summarisable() by method name
        for ctx in files:
            for name, func in _declared(ctx):
                self._by_name[name].append((ctx, func))
            for name, func in _declared(ctx, "statics", "static"):
                self._statics[name].append((ctx, func))
                self._static_starts.add((ctx.rel, func.start_byte))

    @property
    def empty(self) -> bool:
        """No schema method or static anywhere in the project."""
        return not self._by_name and not self._statics

    def static_method(self, call: Node) -> Found | None:
        """The schema static `Model.name(...)` calls (`Schema.statics.name = fn`,
        `Schema.static("name", fn)`), when it is the only static of that name: it runs
        with `this` bound to the model."""
        fn = call.child_by_field_name("function")
        if call.type != "call_expression" or fn is None or fn.type != "member_expression":
            return None
        receiver = fn.child_by_field_name("object")
        name = syntax.text(receiver).rsplit(".", 1)[-1]
        if receiver is None or receiver.type not in ("identifier", "member_expression"):
            return None
        if not name[:1].isupper():
            return None  # models are capitalised: `Article.list()`, `db.Article.list()`
        found = self._statics.get(syntax.text(fn.child_by_field_name("property")), [])
        return found[0] if len(found) == 1 else None

    def is_static(self, ctx: FileContext, func: Node) -> bool:
        """Whether `func` is a schema static, where `this` is the model."""
        return (ctx.rel, func.start_byte) in self._static_starts

    def summarisable(self, call: Node) -> Found | None:
        """The schema method `doc.name(...)` calls, when it is the only one of that name
        and it returns field-by-field copies without secrets, or a boolean."""
        fn = call.child_by_field_name("function")
        if call.type != "call_expression" or fn is None or fn.type != "member_expression":
            return None
        name = syntax.text(fn.child_by_field_name("property"))
        if name not in self._summarisable:  # the answer depends on the name alone
            self._summarisable[name] = self._summarisable_method(name)
        return self._summarisable[name]

    def _summarisable_method(self, name: str) -> Found | None:
        found = self._by_name.get(name, [])
        if len(found) != 1:
            return None
        ctx, func = found[0]
        body = func.child_by_field_name("body")
        block = body is not None and body.type == "statement_block"
        returned = syntax.returned_values(func) if block else []  # `this` needs a function
        if returned and all(
            _is_boolean(value, self._boolean_methods) or _copies_fields(value, self._secret_fields)
            for value in returned
        ):
            return ctx, func
        return None


def _declared(
    ctx: FileContext, table: str = "methods", adder: str = "method"
) -> Iterable[tuple[str, Node]]:
    """Functions put in a schema's `methods` table (or, with "statics" and "static", its
    `statics` table), by name, each once (a shorthand method `{ name() {} }` is both an
    object entry and a method definition)."""
    seen: set[int] = set()
    for name, func in _table_entries(ctx, table, adder):
        if func.start_byte not in seen:
            seen.add(func.start_byte)
            yield name, func


def _table_entries(ctx: FileContext, table: str, adder: str) -> Iterable[tuple[str, Node]]:
    source = ctx.parsed.text.source
    # (each loop below needs its name spelled in the file, or an escape that hides it)
    assignments = ctx.nodes("assignment_expression") if ctx.may_spell(table) else []
    for assign in assignments:
        right = syntax.unwrap(assign.child_by_field_name("right"))
        if right is None or (right.type != "object" and right.type not in syntax.FUNCTION_TYPES):
            continue  # (tested first: most assignments store neither, and naming is dearer)
        left = assign.child_by_field_name("left")
        written = left.text if left is not None else None
        if written is None or (table.encode() not in written and b"\\" not in written):
            continue  # `table` is not spelled in the target (nor hidden by an escape)
        chain = syntax.member_chain(left)
        if chain is None:
            continue
        if len(chain) == 3 and chain[1] == table and right.type in syntax.FUNCTION_TYPES:
            yield chain[2], right
        elif len(chain) == 2 and chain[1] == table and right.type == "object":
            for key, value, _pair in syntax.object_entries(right):
                inner = syntax.unwrap(value)
                if inner is not None and inner.type in syntax.FUNCTION_TYPES:
                    yield key, inner
            for method in right.named_children:
                method_name = method.child_by_field_name("name")
                if method.type == "method_definition" and method_name is not None:
                    yield syntax.text(method_name), method
    # the call index files `x.adder(...)` under `adder` (a superset, checked below)
    for call in ctx.call_index.calls_named((adder,)) if adder.encode() in source else []:
        fn = call.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            continue
        prop = fn.child_by_field_name("property")
        if prop is None or prop.text != adder.encode():  # (ASCII: as the decoded text)
            continue
        args = syntax.call_arguments(call)
        if len(args) != 2:
            continue
        func = syntax.unwrap(args[1])
        name = syntax.string_value(args[0])
        if name is not None and func is not None and func.type in syntax.FUNCTION_TYPES:
            yield name, func


_COMPARISONS = frozenset({"===", "!==", "==", "!=", "<", ">", "<=", ">=", "instanceof", "in"})


def _is_boolean(value: Node, boolean_methods: frozenset[str]) -> bool:
    """`a === b`, `!x`, `true`, `this.favorites.some(...)`: no data, only a yes or no."""
    node = syntax.unwrap(value)
    if node is None:
        return False
    if node.type in ("true", "false"):
        return True
    if node.type == "unary_expression":
        return syntax.text(node.child_by_field_name("operator")) == "!"
    if node.type == "binary_expression":
        return syntax.text(node.child_by_field_name("operator")) in _COMPARISONS
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        return (
            fn is not None
            and fn.type == "member_expression"
            and syntax.text(fn.child_by_field_name("property")) in boolean_methods
        )
    return False


def _copies_fields(value: Node, secret_fields: frozenset[str]) -> bool:
    """An object literal of `key: value` pairs, none reading a secret field, none
    spreading or embedding the document (`this`) whole."""
    literal = syntax.unwrap(value)
    if literal is None or literal.type != "object":
        return False
    for child in literal.named_children:
        if child.type == "comment":
            continue
        if child.type != "pair":
            return False  # a spread, a shorthand (`{ password }`) or a method
        if _embeds_document(child.child_by_field_name("value"), secret_fields):
            return False
    return True


def _embeds_document(value: Node | None, secret_fields: frozenset[str]) -> bool:
    """`this`, `this.toObject()`, `this.toJSON()` or a secret `this.hash` as (part of)
    a value. A computed value under a secret-sounding key (`token: this.generateJWT()`)
    is not the stored field."""
    if value is None:
        return False
    for node in syntax.walk(value):
        if node.type != "this":
            continue
        parent = node.parent
        if parent is None or parent.type != "member_expression":
            return True
        field = syntax.text(parent.child_by_field_name("property"))
        if field in secret_fields or field in ("toObject", "toJSON", "_doc"):
            return True
    return False
