"""Access control on the app model: unprotected admin routes, authorization decided by the
client, and (through rules/idor.py) records fetched by a request id without an ownership
check (IDOR)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.access import ADMIN_UNPROTECTED, CLIENT_AUTHORIZATION, IDOR
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.appmodel import Route
from nodeward.source.appmodel.inspect import (
    ROLE_WORDS,
    authenticated,
    chain_names,
    checks_role,
    handler_text,
    segments,
)
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.diagnostics import is_diagnostics_route
from nodeward.source.rules.idor import idor_findings
from nodeward.source.rules.privileged_actions import (
    app_files,
    privileged_findings,
    role_change_findings,
    role_guard_defined,
    static_page,
)

_ADMIN_SEGMENT = re.compile(
    r"^(admin\w*|administrator|manage|management|internal|dashboard|superuser|sudo|staff)$",
    re.IGNORECASE,
)
_ROLE_PATH = re.compile(r"/users?/:\w+/(role|roles|permissions|admin)\b", re.IGNORECASE)
_ADMIN_HANDLER = re.compile(
    r"^(admin\w*|(delete|remove|ban|promote|demote)Users?|(set|grant|update|change)(User)?Roles?)$"
)


def is_privileged(route: Route) -> bool:
    if any(_ADMIN_SEGMENT.match(s) for s in segments(route.path)):
        return True
    if _ROLE_PATH.search(route.path):
        return True
    name = route.handler.name.rsplit(".", 1)[-1]
    return _ADMIN_HANDLER.match(name) is not None


def _admin_findings(route: Route, knows_roles: bool = False) -> Iterator[Finding]:
    if not route.complete or not is_privileged(route) or is_diagnostics_route(route):
        return
    if authenticated(route):
        # only in apps that check roles somewhere: there, a bare sign-in check on an admin
        # route is a forgotten role check rather than an admin-only login
        if knows_roles and _STRONG_ADMIN.search(route.path) and not _role_checked(route):
            yield ADMIN_UNPROTECTED.finding(
                route.location,
                f"{route.label} is a privileged route that only checks that a user is signed "
                f"in ({chain_names(route)}): any account can use it; add a role check such "
                'as requireRole("admin") before the handler',
            )
        return
    if static_page(route):
        return
    yield ADMIN_UNPROTECTED.finding(
        route.location,
        f"{route.label} is a privileged route with no authentication or role check in its "
        f'chain ({chain_names(route)}); add e.g. requireAuth and requireRole("admin") before '
        "the handler",
    )


_STRONG_ADMIN = re.compile(r"/(admin\w*|administrator|superuser|sudo)(/|$)", re.IGNORECASE)


def _role_checked(route: Route) -> bool:
    """A middleware that names or tests a role, or a handler that looks at one."""
    if any(checks_role(middleware) for middleware in route.chain):
        return True
    return ROLE_WORDS.search(handler_text(route)) is not None


# -- NW503 ----------------------------------------------------------------------------

_CLIENT_SOURCES = frozenset({"body", "query", "cookies", "headers", "params"})
_PRIVILEGE_KEY = re.compile(
    r"role|admin|is_?admin|permission|privilege|access_?level|superuser|is_?staff|x-user-role",
    re.IGNORECASE,
)


def _needles(pattern: str) -> tuple[str, ...]:
    """For an alternation of literals with optional `_` (`is_?admin`), one literal each
    alternative always contains, lower-cased: a text holding none matches no alternative."""
    needles = []
    for alternative in pattern.split("|"):
        pieces = alternative.split("_?")
        if not all(re.fullmatch(r"[a-z-]+", piece) for piece in pieces):
            raise ValueError(f"not a plain alternative: {alternative!r}")
        needles.append(max(pieces, key=len))
    return tuple(dict.fromkeys(needles))


#: what _PRIVILEGE_KEY's every match contains (checked when the module loads)
_PRIVILEGE_NEEDLES = _needles(_PRIVILEGE_KEY.pattern)
_COMPARISONS = frozenset({"===", "==", "!==", "!="})


def _client_privilege(ctx: FileContext, node: Node | None) -> str | None:
    """`req.body.role` / `req.headers["x-user-role"]` / `req.get("x-role")` -> its text."""
    node = syntax.unwrap(node)
    if node is None:
        return None
    if node.type == "unary_expression":
        return _client_privilege(ctx, node.named_children[0] if node.named_children else None)
    if node.type == "call_expression":
        chain = syntax.member_chain(node.child_by_field_name("function"))
        args = syntax.call_arguments(node)
        name = syntax.string_value(args[0]) if args else None
        if chain in (["req", "get"], ["req", "header"]) and name and _PRIVILEGE_KEY.search(name):
            return syntax.text(node)
        return None
    chain = syntax.member_chain(node)
    if chain is None or len(chain) < 3:
        return None
    if chain[0] in ("req", "request") and chain[1] in _CLIENT_SOURCES:
        return syntax.text(node) if _PRIVILEGE_KEY.search(chain[2]) else None
    if chain[:2] == ["ctx", "request"] and len(chain) > 3 and chain[2] in ("body", "query"):
        return syntax.text(node) if _PRIVILEGE_KEY.search(chain[3]) else None
    return None


def _tested_directly(node: Node, condition: Node) -> bool:
    """`if (req.query.isAdmin)`, `if (!x && req.cookies.admin)`: tested for truthiness."""
    if node.type not in ("member_expression", "subscript_expression", "call_expression"):
        return False
    if node == syntax.unwrap(condition):
        return True
    parent = node.parent
    if parent is None or parent.type not in ("unary_expression", "binary_expression"):
        return False
    return syntax.text(parent.child_by_field_name("operator")) in ("&&", "||", "!")


def _conditions(ctx: FileContext) -> Iterator[Node]:
    for statement in ctx.nodes("if_statement", "ternary_expression"):
        condition = statement.child_by_field_name("condition")
        if condition is not None:
            yield condition


def _may_name_a_privilege(condition: Node) -> bool:
    """Whether a condition's text can hold a name _PRIVILEGE_KEY matches: every name
    _client_privilege reads is written in it, with at most escapes (`"r\\ole"`) whose
    backslashes are dropped here. Most conditions do not: no walk of them."""
    text = syntax.text(condition).replace("\\", "")
    # An ASCII text without a literal every match holds has none (quicker to rule out
    # than the search; str's case folding also matches a few non-ASCII letters, the
    # long s, U+017F, for `s`: those texts are searched).
    if text.isascii():
        lowered = text.lower()
        if not any(needle in lowered for needle in _PRIVILEGE_NEEDLES):
            return False
    return _PRIVILEGE_KEY.search(text) is not None


def _client_authorization(ctx: FileContext) -> Iterator[Finding]:
    for condition in _conditions(ctx):
        if not _may_name_a_privilege(condition):
            continue
        for node in syntax.walk(condition):
            found = None
            if node.type == "binary_expression":
                operator = node.child_by_field_name("operator")
                if syntax.text(operator) in _COMPARISONS:
                    left = node.child_by_field_name("left")
                    right = node.child_by_field_name("right")
                    found = _client_privilege(ctx, left) or _client_privilege(ctx, right)
            elif _tested_directly(node, condition):
                found = _client_privilege(ctx, node)
            if found is not None:
                yield CLIENT_AUTHORIZATION.finding(
                    ctx.location(node),
                    f"Authorization is decided from `{found}`, which the client sets; "
                    "use the server-side identity (req.user.role from the session or a "
                    "verified token)",
                )
                break


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    for app in analysis.app_model.apps:
        knows_roles = any(_role_checked(r) for r in app.routes)
        for route in app.routes:
            admin = list(_admin_findings(route, knows_roles))
            yield from admin
            if not admin and is_privileged(route):
                yield from role_change_findings(route)
        ordinary = tuple(r for r in app.routes if not is_privileged(r))
        if ordinary:
            knows_roles = knows_roles or role_guard_defined(app_files(app.routes))
            yield from privileged_findings(ordinary, knows_roles)
    # a router no app mounts is incomplete only for the app-level chain it lacks, which
    # holds no per-record ownership check: its own authentication and handler still count
    for owner, route in analysis.app_model.routes():
        if (route.complete or owner is None) and not is_privileged(route):
            yield from idor_findings(route)


CHECKER = Checker(
    rules=(ADMIN_UNPROTECTED, CLIENT_AUTHORIZATION, IDOR),
    check_file=_client_authorization,
    check_project=_check_project,
)
