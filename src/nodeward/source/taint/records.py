"""Which of the project's database models hold secrets (password hashes, tokens, ...) that
a whole record would leak: mongoose schemas, sequelize models, typeorm entities."""

from __future__ import annotations

from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.taint.names import SENSITIVE_FIELDS
from nodeward.source.taint.served import named_calls

#: The calls that declare a model: mongoose `model`, sequelize `define` and `Model.init`.
_MODEL_METHODS = frozenset({"model", "define", "init"})


def _hidden(value: Node) -> bool:
    """`password: { type: String, select: false }` is left out of queries by default."""
    return syntax.bool_value(syntax.object_get(value, "select")) is False


def _secret_fields(fields: Node | None) -> set[str]:
    return {
        key
        for key, value, _pair in syntax.object_entries(fields)
        if key in SENSITIVE_FIELDS and not _hidden(value)
    }


def _schema_fields(ctx: FileContext, schema: Node | None) -> Node | None:
    """The fields object of `new Schema({...})`, directly or through a variable."""
    value = syntax.unwrap(ctx.value_of(schema))
    if value is not None and value.type == "new_expression":
        args = syntax.call_arguments(value)
        return args[0] if args else None
    return value


def _assigned_name(call: Node) -> str | None:
    parent = call.parent
    while parent is not None and parent.type in ("await_expression", "parenthesized_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return syntax.text(name) if name is not None and name.type == "identifier" else None
    return None


def _file_models(ctx: FileContext) -> set[str]:
    if b"toJSON" in ctx.parsed.text.source:  # ASCII: the same test as on the decoded text
        return set()  # a toJSON transform decides what leaves: trust it
    names: set[str] = set()
    # a superset of the calls whose callee_name() ends in one of the methods
    candidates = ctx.call_index.calls_named(_MODEL_METHODS)
    for call, callee in named_calls(ctx, candidates):
        args = syntax.call_arguments(call)
        method = callee.rsplit(".", 1)[-1]
        if method in ("model", "define") and len(args) >= 2:
            name = syntax.string_value(args[0])
            fields = _schema_fields(ctx, args[1]) if method == "model" else args[1]
            if name and _secret_fields(fields):
                names.add(name)
                names.add(_assigned_name(call) or name)
        elif method == "init" and args and "." in callee and _secret_fields(args[0]):
            names.add(callee.rsplit(".", 1)[0])  # sequelize: User.init({...})
    for cls in ctx.nodes("class_declaration"):
        columns = [
            syntax.text(f.child_by_field_name("name"))
            for f in ctx.within(cls, "public_field_definition")
            if "@Exclude" not in syntax.text(f) and "select: false" not in syntax.text(f)
        ]
        class_name = cls.child_by_field_name("name")
        if SENSITIVE_FIELDS & set(columns) and class_name is not None:
            names.add(syntax.text(class_name))
    return names


def models_with_secrets(project: Project) -> frozenset[str]:
    names: set[str] = set()
    for ctx in project.files:
        names |= _file_models(ctx)
    return frozenset(names)
