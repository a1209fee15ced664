"""NW541 for one field: a role or admin flag the client sends, written to a record.

`User.create({ name, role: req.body.role })`, `new User({ name, isAdmin })` after
`const { name, isAdmin } = req.body`, `user.role = req.body.role; user.save()`. The taint
rule reports whole bodies; this one reports the single privileged field picked out of the
body, which no spread or pick removes. A route that runs a role middleware (an
administrator managing roles), or whose handler tests a role in a condition (an allow-list
of the roles a user may choose), is not reported."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.access import MASS_ASSIGNMENT
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.appmodel import Route
from nodeward.source.appmodel.answering import answers
from nodeward.source.appmodel.inspect import ROLE_WORDS, checks_role
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.idor import local_binding

_PRIVILEGE_FIELD = re.compile(
    r"^(role|roles|isAdmin|is_admin|admin|isStaff|is_staff|superuser|isSuperuser|"
    r"permissions|accessLevel|access_level)$"
)
_REQUEST_FIELD = re.compile(
    r"((req|request)\.(body|query)|ctx\.request\.(body|query))(\.\w+|\[['\"]\w+['\"]\])"
)
_WRITES = frozenset(
    {
        "create",
        "insert",
        "insertOne",
        "insertMany",
        "update",
        "updateOne",
        "updateMany",
        "findOneAndUpdate",
        "findByIdAndUpdate",
        "upsert",
        "build",
        "save",
        "set",
    }
)
_NOT_RECORDS = frozenset({"req", "request", "res", "response", "reply", "ctx"})


def _request_value(ctx: FileContext, value: Node | None) -> str | None:
    """`req.body.role`, or a local name bound to a request field."""
    value = syntax.unwrap(value)
    if value is None:
        return None
    if value.type in ("member_expression", "subscript_expression"):
        text = syntax.text(value)
        return text if _REQUEST_FIELD.fullmatch(text) else None
    if value.type in ("identifier", "shorthand_property_identifier"):
        bound = local_binding(ctx, value)
        if bound is not None and _REQUEST_FIELD.fullmatch(bound.text):
            return bound.text
    return None


def _record_write(node: Node, func: Node) -> Node | None:
    """The create/update call or `new Model(...)` an object literal is handed to."""
    for parent in syntax.ancestors(node):
        if parent == func or parent.type in syntax.FUNCTION_TYPES:
            return None
        if parent.type == "new_expression":
            name = syntax.text(parent.child_by_field_name("constructor"))
            return parent if name[:1].isupper() else None
        if parent.type == "call_expression":
            chain = syntax.member_chain(parent.child_by_field_name("function")) or []
            if len(chain) >= 2 and chain[-1] in _WRITES and chain[0] not in _NOT_RECORDS:
                return parent
            return None
    return None


def _field_writes(ctx: FileContext, func: Node) -> Iterator[tuple[Node, str, str, Node]]:
    """(where, field, request value, the write) for each privileged field set from the
    request in an object handed to a record write, or assigned to a record's property."""
    for node in ctx.within(func, "pair", "shorthand_property_identifier"):
        if node.type == "pair":
            field, value = (
                syntax.text(node.child_by_field_name("key")),
                node.child_by_field_name("value"),
            )
        else:
            field, value = syntax.text(node), node
        if not _PRIVILEGE_FIELD.match(field.strip("'\"")):
            continue
        source = _request_value(ctx, value)
        write = _record_write(node, func) if source is not None else None
        if source is not None and write is not None:
            yield node, field, source, write
    for node in ctx.within(func, "assignment_expression"):
        chain = syntax.member_chain(node.child_by_field_name("left"))
        if not chain or len(chain) < 2 or chain[0] in _NOT_RECORDS:
            continue
        source = _request_value(ctx, node.child_by_field_name("right"))
        if source is not None and _PRIVILEGE_FIELD.match(chain[-1]):
            write = _saved(ctx, func, chain[0])
            if write is not None:
                yield node, chain[-1], source, write


def _saved(ctx: FileContext, func: Node, name: str) -> Node | None:
    """`record.save()` / `record.update(...)` in the function: the record is written."""
    for call in ctx.within(func, "call_expression"):
        chain = syntax.member_chain(call.child_by_field_name("function"))
        if chain and len(chain) == 2 and chain[0] == name and chain[1] in _WRITES:
            return call
    return None


def _role_tested(func: Node, ctx: FileContext) -> bool:
    for node in ctx.within(func, "if_statement", "ternary_expression", "switch_statement"):
        condition = node.child_by_field_name("condition") or node.child_by_field_name("value")
        if condition is not None and ROLE_WORDS.search(syntax.text(condition)):
            return True
    return False


def _functions(route: Route) -> Iterator[tuple[Node, FileContext]]:
    for middleware in route.chain:
        func, ctx = middleware.definition, middleware.definition_ctx
        if func is not None and ctx is not None and answers(func):
            yield func, ctx
    if route.handler.function is not None and route.handler.ctx is not None:
        yield route.handler.function, route.handler.ctx


def privilege_field_findings(
    analysis: AnalysisContext, reported: set[tuple[str, int]]
) -> Iterator[Finding]:
    """NW541 findings, except on the lines the taint rule already reported."""
    seen: set[tuple[str, int]] = set()
    for _app, route in analysis.app_model.routes():
        if any(checks_role(m) for m in route.chain):
            continue
        for func, ctx in _functions(route):
            if (ctx.rel, func.start_byte) in seen or _role_tested(func, ctx):
                continue
            seen.add((ctx.rel, func.start_byte))
            for node, field, source, write in _field_writes(ctx, func):
                location = ctx.location(node)
                if (location.path, location.line) in reported:
                    continue
                reported.add((location.path, location.line))
                snippet = " ".join(syntax.text(write).split())[:60]
                yield MASS_ASSIGNMENT.finding(
                    location,
                    f"{route.label} writes {source} to the record's `{field}` field "
                    f"(`{snippet}`): a client can make itself an administrator; set "
                    f"`{field}` on the server (a default, or an admin-only route)",
                )
