"""Access control on the app model: unprotected admin routes, authorization decided by the
client, and records fetched by a request id without an ownership check (IDOR)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.access import ADMIN_UNPROTECTED, CLIENT_AUTHORIZATION, IDOR
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.appmodel import Guard, Route
from nodeward.source.appmodel.guards import PACKAGE_GUARDS
from nodeward.source.appmodel.inspect import (
    authenticated,
    chain_names,
    handler_calls,
    handler_text,
    mentions_session_user,
    segments,
)
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.diagnostics import is_diagnostics_route

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
    yield ADMIN_UNPROTECTED.finding(
        route.location,
        f"{route.label} is a privileged route with no authentication or role check in its "
        f'chain ({chain_names(route)}); add e.g. requireAuth and requireRole("admin") before '
        "the handler",
    )


_STRONG_ADMIN = re.compile(r"/(admin\w*|administrator|superuser|sudo)(/|$)", re.IGNORECASE)
_ROLE_MIDDLEWARE = re.compile(
    r"role|admin|permi|authoriz(e|ation)(?!d)|privilege|scope|can[A-Z]|abilit|polic|acl|rbac|deny|"
    r"staff|superuser",
    re.IGNORECASE,
)
_ROLE_IN_HANDLER = re.compile(r"\b(role|roles|isAdmin|is_admin|admin|permissions?|scopes?)\b")


def _role_checked(route: Route) -> bool:
    """A middleware that names or tests a role, or a handler that looks at one."""
    for middleware in route.chain:
        ref = middleware.ref
        if ref is not None and PACKAGE_GUARDS.get(ref.module, Guard.AUTH) is not Guard.AUTH:
            continue  # helmet.frameguard(), cors({ allowlist }): not about roles
        if _ROLE_MIDDLEWARE.search(middleware.name):
            return True
        if middleware.definition is not None and _ROLE_IN_HANDLER.search(
            syntax.text(middleware.definition)
        ):
            return True
    return _ROLE_IN_HANDLER.search(handler_text(route)) is not None


# -- NW503 ----------------------------------------------------------------------------

_CLIENT_SOURCES = frozenset({"body", "query", "cookies", "headers", "params"})
_PRIVILEGE_KEY = re.compile(
    r"role|admin|is_?admin|permission|privilege|access_?level|superuser|is_?staff|x-user-role",
    re.IGNORECASE,
)
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


def _client_authorization(ctx: FileContext) -> Iterator[Finding]:
    for condition in _conditions(ctx):
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


# -- NW504 ----------------------------------------------------------------------------

_BY_ID = frozenset(
    {
        "findById",
        "findByIdAndUpdate",
        "findByIdAndDelete",
        "findByIdAndRemove",
        "findOne",
        "findAll",
        "findOneAndUpdate",
        "findOneAndDelete",
        "updateOne",
        "deleteOne",
        "findByPk",
        "findUnique",
        "findFirst",
        "update",
        "destroy",
        "delete",
    }
)
_SQL_CALLS = frozenset({"query", "execute", "run", "get", "all", "raw"})
_REQUEST_ID = re.compile(
    r"\b(req|request)\.(params|query|body)(\.\w*id\b|\[['\"]\w*id['\"]\])", re.IGNORECASE
)
_OWNERSHIP_MIDDLEWARE = re.compile(
    # `authorize("owner")` or an authorization policy; `isAuthorized` only signs users in
    r"owner|own|authoriz(e|ation)(?!d)|can[A-Z]|permission|policy|ability",
    re.IGNORECASE,
)
_SQL_BY_ID = re.compile(r"\bwhere\b[^;]*\bid\s*=", re.IGNORECASE)


_DAO_BY_ID = re.compile(r"^(get|find|fetch|load|read|update|delete|remove)\w*By\w*Id", re.I)


def _request_value(ctx: FileContext, arg: Node) -> str:
    """The argument's text, or for a local name what it was declared as
    (`const userId = req.params.userId; dao.getByUserId(userId)`)."""
    if arg.type in ("identifier", "shorthand_property_identifier"):
        declared = ctx.declaration(syntax.text(arg))
        if declared is None:
            for scope in syntax.ancestors(arg):
                if scope.type in syntax.FUNCTION_TYPES:
                    for node in syntax.walk(scope):
                        name = node.child_by_field_name("name")
                        if (
                            node.type == "variable_declarator"
                            and name is not None
                            and syntax.text(name) == syntax.text(arg)
                        ):
                            declared = node.child_by_field_name("value")
                            break
                    break
        if declared is not None:
            return syntax.text(declared)
    return syntax.text(arg)


def _argument_text(ctx: FileContext, arg: Node) -> str:
    """The argument's text with, for a filter object, what the local names in it were
    declared as: `Notes.findAll({ where: { userid } })` after `const userid = req.params.userid`."""
    if arg.type != "object":
        return _request_value(ctx, arg)
    names = [
        node
        for node in syntax.walk(arg)
        if node.type in ("identifier", "shorthand_property_identifier")
        and (node.parent is None or node.parent.type != "member_expression")
    ]
    return " ".join([syntax.text(arg), *(_local_value(ctx, n) for n in names[:20])])


def _local_value(ctx: FileContext, name: Node) -> str:
    """What `name` was declared as in its own function (`const { userid } = req.user`
    binds `userid` to `req.user`), before a same-named declaration elsewhere in the file."""
    function = syntax.enclosing_function(name)
    wanted = syntax.text(name)
    for node in syntax.walk(function) if function is not None else ():
        if node.type != "variable_declarator" or node.start_byte > name.start_byte:
            continue
        target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if target is None or value is None:
            continue
        bound = {
            syntax.text(t)
            for t in syntax.walk(target)
            if t.type in ("identifier", "shorthand_property_identifier_pattern")
        }
        if wanted in bound:
            if target.type == "object_pattern":  # `{ projectId } = req.params`
                return f"{syntax.text(value)}.{wanted}"
            return syntax.text(value)
    return _request_value(ctx, name)


def _idor_call(ctx: FileContext, call: Node) -> bool:
    fn = call.child_by_field_name("function")
    chain = syntax.member_chain(fn)
    if chain is None or len(chain) < 2:
        return False
    args = syntax.call_arguments(call)
    args_text = " ".join(_argument_text(ctx, a) for a in args)
    if not _REQUEST_ID.search(args_text):
        return False
    if chain[-1] in _BY_ID or _DAO_BY_ID.match(chain[-1]):
        return True
    if chain[-1] == "find" and args and (syntax.unwrap(args[0]) or args[0]).type == "object":
        return True  # Model.find({ where: { id: req.body.id } }) (Sequelize 4, MongoDB)
    if chain[-1] in _SQL_CALLS and args:
        sql = syntax.string_value(args[0]) or syntax.text(args[0])
        return _SQL_BY_ID.search(sql) is not None
    return False


def _ownership_checked(route: Route) -> bool:
    """The session user takes part in a query or a comparison of the handler (rendering
    `req.user.name` back is no ownership check)."""
    func = route.handler.function
    if func is None:
        return mentions_session_user(handler_text(route))
    for node in syntax.walk(func):
        if node.type == "call_expression":
            args = [a for a in syntax.call_arguments(node) if a.type not in syntax.FUNCTION_TYPES]
            if any(mentions_session_user(syntax.text(a)) for a in args):
                chain = syntax.member_chain(node.child_by_field_name("function")) or []
                if not chain or chain[-1] not in _RESPONSE_CALLS:
                    return True
        elif node.type in ("if_statement", "ternary_expression", "binary_expression"):
            test = node.child_by_field_name("condition") or node
            if mentions_session_user(syntax.text(test)):
                return True
    return False


_RESPONSE_CALLS = frozenset({"render", "json", "send", "jsonp", "flash", "end", "write"})


def _idor_findings(route: Route) -> Iterator[Finding]:
    if not route.complete or not route.guarded_by(Guard.AUTH) or is_privileged(route):
        return
    if any(_OWNERSHIP_MIDDLEWARE.search(m.name) for m in route.chain):
        return
    if _ownership_checked(route):
        return
    for ctx, call, _ref in handler_calls(route):
        if _idor_call(ctx, call):
            yield IDOR.finding(
                ctx.location(call),
                f"{route.label} loads a record by an id from the request "
                f"(`{syntax.text(call)[:70]}`) and never compares it to the session user; "
                "scope the query to req.user (e.g. { _id: req.params.id, owner: req.user.id })",
            )
            return


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    for app in analysis.app_model.apps:
        knows_roles = any(_role_checked(r) for r in app.routes)
        for route in app.routes:
            yield from _admin_findings(route, knows_roles)
            yield from _idor_findings(route)


CHECKER = Checker(
    rules=(ADMIN_UNPROTECTED, CLIENT_AUTHORIZATION, IDOR),
    check_file=_client_authorization,
    check_project=_check_project,
)
