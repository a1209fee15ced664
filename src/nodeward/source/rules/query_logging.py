"""NW611, database clients that print every query: Sequelize logs each SQL statement with
`console.log` unless its options say `logging: false`, and the statements carry the values
of their WHERE clauses (e-mail addresses, reset tokens, password hashes)."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.catalog.exposure import SENSITIVE_DATA_LOGGED
from nodeward.findings import Confidence, Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_SEQUELIZE_MODULES = frozenset({"sequelize", "sequelize-typescript"})
#: `new Sequelize(...)` however it was imported.
_CONSTRUCTORS = frozenset({(), ("Sequelize",), ("default",)})
#: Index of the options argument by argument count: (uri, options), (db, user, pass, options).
_OPTIONS_AT = {2: 1, 4: 3}
_CONSOLE_METHODS = frozenset({"log", "info", "debug", "warn", "error", "trace"})


def query_logging(ctx: FileContext) -> Iterator[Finding]:
    if not ctx.imports_any(_SEQUELIZE_MODULES):
        return
    for call in ctx.nodes("new_expression"):
        ref = ctx.callee(call)
        if ref is None or ref.module not in _SEQUELIZE_MODULES or ref.path not in _CONSTRUCTORS:
            continue
        setting = _logging_setting(ctx, syntax.call_arguments(call))
        if setting is None:
            continue
        yield SENSITIVE_DATA_LOGGED.finding(
            ctx.location(call),
            f"new Sequelize() {setting}: every SQL statement is printed with the values of "
            "its WHERE clauses (e-mail addresses, tokens, password hashes); pass "
            "`logging: false`, or a logger gated on the environment",
            confidence=Confidence.LOW,
        )


def _logging_setting(ctx: FileContext, args: list[Node]) -> str | None:
    """How the constructor leaves query logging on, or None when it is off or not known
    here (options built elsewhere, spread in, or chosen by a condition)."""
    index = _OPTIONS_AT.get(len(args))
    if index is None:
        if len(args) == 3 or (len(args) == 1 and _connection_text(ctx, args[0])):
            return "has no options and keeps the default `logging: console.log`"
        options = ctx.value_of(args[0]) if len(args) == 1 else None
    else:
        options = ctx.value_of(args[index])
    if options is None or options.type != "object":
        return None
    value = syntax.object_get(options, "logging")
    if value is None:
        if syntax.has_spread(options):
            return None
        return "sets no `logging` option and keeps the default `console.log`"
    value = syntax.unwrap(ctx.value_of(value)) or value
    if syntax.bool_value(value) is True:
        return "sets `logging: true`"
    if _console_method(value):
        return f"sets `logging: {syntax.text(value)}`"
    return None


def _connection_text(ctx: FileContext, arg: Node) -> bool:
    """A connection URI: a string, a template or an environment variable."""
    value = syntax.unwrap(ctx.value_of(arg))
    if value is None:
        return False
    if value.type in ("string", "template_string"):
        return True
    chain = syntax.member_chain(value)
    return chain is not None and chain[:2] == ["process", "env"]


def _console_method(value: Node) -> bool:
    chain = syntax.member_chain(value)
    return (
        chain is not None
        and len(chain) == 2
        and chain[0] == "console"
        and (chain[1] in _CONSOLE_METHODS)
    )
