"""NW611: log calls that write passwords, tokens or whole request bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.catalog.exposure import SENSITIVE_DATA_LOGGED
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.call_index import in_document_order
from nodeward.source.context import CALL, FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.query_logging import query_logging

LOG_METHODS = frozenset(
    {
        "log",
        "info",
        "warn",
        "warning",
        "error",
        "debug",
        "trace",
        "fatal",
        "verbose",
        "silly",
        "http",
        "notice",
        "critical",
    }
)
_LOGGER_RECEIVER = re.compile(r"^(?:console|.*log(?:ger)?|winston|pino|bunyan|signale)$", re.I)
LOGGER_MODULES = frozenset(
    {"winston", "pino", "bunyan", "log4js", "loglevel", "signale", "consola"}
)
_LOGGING_MODULES = LOGGER_MODULES | {"debug", "morgan"}
#: Last names of values that are secrets or personal data wherever they come from.
SENSITIVE_NAMES = re.compile(
    r"^(?:.*password|passwd|pwd|.*secret|.*token|api_?key|apiKey|authorization|cookie|cookies|"
    r"credit_?card.*|card_?number|cvv|cvc|ssn|private_?key|privateKey)$",
    re.IGNORECASE,
)
_NOT_SENSITIVE = re.compile(r"length|expires|expiry|type|name|field|hash|count|url", re.I)
_REQUEST_OBJECTS = ("req", "request", "ctx.request")
#: Whole request parts that carry credentials: the body, the headers, the cookies.
_WHOLE_PARTS = frozenset({"body", "headers", "cookies", "signedCookies"})


def _logging_calls(ctx: FileContext) -> list[Node]:
    """The calls _check_file() may report, in document order: into a logger module,
    `debug` or morgan, or a method of LOG_METHODS (the chain's last name _log_call reads)."""
    index = ctx.call_index
    into = (call for call, _ref in index.calls_into(_LOGGING_MODULES))
    return in_document_order(into, index.calls_named(LOG_METHODS))


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for call in _logging_calls(ctx):
        label = _log_call(ctx, call)
        if label is not None:
            for arg in syntax.call_arguments(call):
                what = _sensitive(arg)
                if what is not None:
                    yield SENSITIVE_DATA_LOGGED.finding(
                        ctx.location(call),
                        f"{label}() writes {what} to the log; log an identifier instead and "
                        "redact secrets",
                    )
                    break
        ref = ctx.callee(call)
        if ref is not None and ref.is_("morgan", "token"):
            args = syntax.call_arguments(call)
            body = args[1] if len(args) > 1 else None
            if body is not None and re.search(r"\b(?:req|request)\.body\b", syntax.text(body)):
                yield SENSITIVE_DATA_LOGGED.finding(
                    ctx.location(call),
                    "This morgan token logs the request body of every request, passwords "
                    "included; log selected, non-secret fields instead",
                )
    yield from query_logging(ctx)


def _log_call(ctx: FileContext, call: Node) -> str | None:
    """The logger call as written (`console.log`, `logger.info`, `debug`), or None."""
    ref = ctx.callee(call)
    if ref is not None:
        if ref.module == "debug" and ref.path == (CALL,):
            return ctx.callee_name(call) or "debug"
        if ref.module in LOGGER_MODULES and ref.path and ref.path[-1] in LOG_METHODS:
            return ctx.callee_name(call)
    chain = syntax.member_chain(call.child_by_field_name("function"))
    if chain is None or len(chain) < 2 or chain[-1] not in LOG_METHODS:
        return None
    receiver = chain[-2]
    if receiver == "console" or _LOGGER_RECEIVER.match(receiver):
        return ".".join(chain)
    return None


def _sensitive(arg: Node) -> str | None:
    """What a logged expression exposes, looking into templates, concatenations, objects
    and JSON.stringify; None when nothing sensitive is in it."""
    for node in _walk_values(arg):
        chain = _chain(node)
        if chain is None:
            continue
        dotted = ".".join(chain)
        for request in _REQUEST_OBJECTS:
            prefix = request + "."
            if not dotted.startswith(prefix):
                continue
            rest = dotted[len(prefix) :].split(".")
            if len(rest) == 1 and rest[0] in _WHOLE_PARTS and not _is_member_object(node):
                return f"the whole `{dotted}`"
            if (
                rest[0] == "headers"
                and len(rest) > 1
                and rest[1].lower()
                in (
                    "authorization",
                    "cookie",
                    "x-api-key",
                )
            ):
                return f"the `{dotted}` header"
        last = chain[-1]
        if (
            SENSITIVE_NAMES.match(last)
            and not _NOT_SENSITIVE.search(last)
            and not _is_member_object(node)
        ):
            return f"`{dotted}`"
    return None


def _walk_values(node: Node) -> Iterator[Node]:
    """The nodes of a logged expression, not descending into functions (a JSON.stringify
    replacer's parameters are not logged values)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in syntax.FUNCTION_TYPES:
            continue
        yield current
        stack.extend(reversed(current.named_children))


def _chain(node: Node) -> list[str] | None:
    if node.type == "shorthand_property_identifier":
        return [syntax.text(node)]
    if node.type in ("identifier", "member_expression", "subscript_expression"):
        parent = node.parent
        if parent is not None and parent.type == "pair":
            key = parent.child_by_field_name("key")
            if key is not None and key.id == node.id:
                return None  # an object key, not a value
        return syntax.member_chain(node)
    return None


def _is_member_object(node: Node) -> bool:
    """`req.body` in `req.body.email`: only the full expression counts."""
    parent = node.parent
    if parent is None or parent.type not in ("member_expression", "subscript_expression"):
        return False
    obj = parent.child_by_field_name("object")
    return obj is not None and obj.id == node.id


CHECKER = Checker(rules=(SENSITIVE_DATA_LOGGED,), check_file=_check_file)
