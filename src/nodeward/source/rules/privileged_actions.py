"""NW502 judged by what a route does and by its siblings, not by its path.

- A route that only checks sign-in but lists every user account or deletes accounts, in an
  app that has a role check (a middleware that tests `user.isAdmin` / `user.role` and calls
  next, whether or not any route uses it): any account can do what the role check was
  written for.
- A route that only checks sign-in but changes a role or an admin flag
  (`User.update({ role: req.body.role }, ...)`, `user.isAdmin = true; user.save()`),
  whether or not the app has a role check: it is the one that grants every other.
- A state-changing route whose path is shared by a sibling route that runs a role check
  (`router.delete("/products/:id", requireRole("admin"), ...)` and
  `router.put("/products/:id", requireAuth, ...)`): the role check was forgotten on it.

A handler that tests a role itself, or relates the record to the session user, is not
reported."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from nodeward.catalog.access import ADMIN_UNPROTECTED
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.appmodel import Guard, Route
from nodeward.source.appmodel.inspect import ROLE_WORDS, chain_names, checks_role, handler_calls
from nodeward.source.appmodel.model import STATE_CHANGING
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.idor import ownership_checked
from nodeward.source.rules.role_changes import role_change

_ROLE_TEST = re.compile(r"\b(isAdmin|is_admin|admin|role|roles)\b")
#: `getAllUsers`, `findAllNonAdminUsers`, `listAccounts`
_LISTS_USERS = re.compile(
    r"^(get|find|list|fetch|load|read)All\w*(Users|Accounts|Members)$|^list(Users|Accounts|Members)$"
)
_DELETES_USERS = re.compile(r"^(delete|remove|destroy|ban)(Users?|Accounts?|Members?)(ById)?$")
_USER_STORE = re.compile(
    r"^(users?|accounts?|members?)(_?(col|coll|collection|model|repo|repository))?$", re.I
)
_LIST_METHODS = frozenset({"find", "findAll", "findMany", "getAll", "list"})
_DELETE_METHODS = frozenset(
    {"deleteOne", "deleteMany", "destroy", "remove", "findByIdAndDelete", "findByIdAndRemove"}
)


def app_files(routes: Iterable[Route]) -> list[FileContext]:
    """The files that make up an app's routes: where they are registered, their handlers
    and their middleware (where a role middleware, used or not, is written)."""
    found: dict[str, FileContext] = {}
    for route in routes:
        contexts = [route.handler.ctx, *(m.ctx for m in route.chain)]
        contexts += [m.definition_ctx for m in route.chain]
        for ctx in contexts:
            if ctx is not None:
                found.setdefault(ctx.rel, ctx)
    return list(found.values())


def role_guard_defined(files: Iterable[FileContext]) -> bool:
    """Some middleware of these files tests a role of the user and calls `next`."""
    for ctx in files:
        for node in ctx.nodes("if_statement", "ternary_expression"):
            condition = node.child_by_field_name("condition")
            tests_role = condition is not None and _ROLE_TEST.search(syntax.text(condition))
            if tests_role and _in_middleware(ctx, node):
                return True
    return False


def _in_middleware(ctx: FileContext, node: Node) -> bool:
    """`node` sits in a `(req, res, next)` function (or a callback inside one) that calls
    its third parameter."""
    for scope in syntax.ancestors(node):
        if scope.type not in syntax.FUNCTION_TYPES:
            continue
        params = syntax.function_params(scope)
        if len(params) != 3:
            continue
        name = syntax.param_name(params[2])
        return name is not None and any(
            syntax.text(call.child_by_field_name("function")) == name
            for call in ctx.within(scope, "call_expression")
        )
    return False


def _privileged_call(ctx: FileContext, call: Node) -> str | None:
    """What a handler's call does that only an administrator should: list every account,
    delete accounts."""
    chain = syntax.member_chain(call.child_by_field_name("function"))
    if not chain:
        return None
    method = chain[-1]
    if _LISTS_USERS.match(method):
        return "lists every user account"
    if _DELETES_USERS.match(method):
        return "deletes user accounts"
    if len(chain) < 2 or not _USER_STORE.match(chain[-2]):
        return None
    args = syntax.call_arguments(call)
    if method in _LIST_METHODS and _unfiltered(args):
        return "lists every user account"
    if method in _DELETE_METHODS:
        return "deletes user accounts"
    return None


def _unfiltered(args: list[Node]) -> bool:
    """No filter, `{}`, or a filter on the role alone (`{ isAdmin: { $ne: true } }`)."""
    if not args:
        return True
    first = syntax.unwrap(args[0]) or args[0]
    if first.type != "object":
        return False
    keys = [
        syntax.text(p.child_by_field_name("key")) for p in first.named_children if p.type == "pair"
    ]
    return len(keys) == len(first.named_children) and all(
        _ROLE_TEST.search(k.strip("'\"")) for k in keys
    )


def _role_tested(route: Route) -> bool:
    """A role middleware in the chain, or a condition of the handler that tests a role."""
    if any(checks_role(m) for m in route.chain):
        return True
    func, ctx = route.handler.function, route.handler.ctx
    if func is None or ctx is None:
        return True  # unknown handler: nothing to judge
    for node in ctx.within(func, "if_statement", "ternary_expression"):
        condition = node.child_by_field_name("condition")
        if condition is not None and ROLE_WORDS.search(syntax.text(condition)):
            return True
    return False


def _action_findings(route: Route) -> Iterator[Finding]:
    for _ctx, call, _ref in handler_calls(route):
        action = _privileged_call(_ctx, call)
        if action is not None:
            yield ADMIN_UNPROTECTED.finding(
                route.location,
                f"{route.label} {action} (`{' '.join(syntax.text(call).split())[:60]}`) "
                f"with only a sign-in check ({chain_names(route)}), while the app has a role "
                'check; add it before the handler, e.g. requireRole("admin")',
            )
            return


def _role_change_findings(route: Route) -> Iterator[Finding]:
    """A signed-in route without a role check that changes a role or an admin flag: any
    account can make itself (or anyone) an administrator."""
    func, ctx = route.handler.function, route.handler.ctx
    change = role_change(ctx, func) if func is not None and ctx is not None else None
    if change is not None:
        yield ADMIN_UNPROTECTED.finding(
            route.location,
            f"{route.label} changes a role or admin flag "
            f"(`{' '.join(syntax.text(change).split())[:60]}`) with only a sign-in check "
            f"({chain_names(route)}); add a role check before the handler, "
            'e.g. requireRole("admin")',
        )


def role_change_findings(route: Route) -> Iterator[Finding]:
    """NW502 on a signed-in route of a privileged path (`/users/:id/role`) that changes a
    role with no role check: the path rule reports only unauthenticated ones there."""
    if route.complete and route.guarded_by(Guard.AUTH) and not _role_tested(route):
        yield from _role_change_findings(route)


_READ_METHODS = frozenset({"GET", "HEAD"})
#: what answers with a page or a file (`res.status(200).render("admin/login")`); data
#: (`res.json(...)`, `res.send(...)`) is judged by the path rule
_PAGE_CALLS = frozenset({"render", "sendFile", "redirect", "status", "type", "set", "header"})
_PAGE_ANSWERS = frozenset({"render", "sendFile", "redirect"})


def static_page(route: Route) -> bool:
    """A GET handler that only answers with a page it holds itself (a view, a file): every
    call renders, sends a file or redirects on its response (`res.render("admin/login")`)
    and it names nothing else, so it shows no stored data and changes nothing, whatever its path
    says. The admin sign-in page must be public."""
    func, ctx = route.handler.function, route.handler.ctx
    if route.method not in _READ_METHODS or func is None or ctx is None:
        return False
    params = {
        name for p in syntax.function_params(func) if (name := syntax.param_name(p)) is not None
    }
    if not params:
        return False
    body = func.child_by_field_name("body")
    if body is None:
        return False
    pages = 0
    for call in ctx.within(body, "call_expression"):
        chain = syntax.member_chain(call.child_by_field_name("function"))
        if not chain or chain[0] not in params or not _PAGE_CALLS.issuperset(chain[1:]):
            return False
        pages += chain[-1] in _PAGE_ANSWERS
    return pages > 0 and all(
        syntax.text(n) in params for n in ctx.within(body, "identifier", "this")
    )


def _sibling_findings(route: Route, siblings: list[Route]) -> Iterator[Finding]:
    if route.method not in STATE_CHANGING:
        return
    func, ctx = route.handler.function, route.handler.ctx
    if func is not None and ctx is not None and ownership_checked(func, ctx):
        return  # the author edits, an administrator deletes: both are meant
    for sibling in siblings:
        guard = next((m for m in sibling.chain if checks_role(m)), None)
        if sibling is not route and guard is not None and sibling.guarded_by(Guard.AUTH):
            yield ADMIN_UNPROTECTED.finding(
                route.location,
                f"{route.label} has no role check, while {sibling.label} on the same path "
                f"runs {guard.name}; add it to this route too",
            )
            return


def privileged_findings(routes: tuple[Route, ...], knows_roles: bool) -> Iterator[Finding]:
    """NW502 on the signed-in, role-less routes of one app (privileged paths excluded: the
    path rule judges those)."""
    by_path: dict[str, list[Route]] = {}
    for route in routes:
        by_path.setdefault(route.path, []).append(route)
    for route in routes:
        if not route.complete or not route.guarded_by(Guard.AUTH) or _role_tested(route):
            continue
        found = list(_sibling_findings(route, by_path[route.path]))
        if not found:
            found = list(_role_change_findings(route))
        if not found and knows_roles:
            found = list(_action_findings(route))
        yield from found
