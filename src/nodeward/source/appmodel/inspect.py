"""Questions rules ask about a route: is it a login route, what does its handler call,
does its handler mention the session user. Heuristics live here, once."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.source import syntax
from nodeward.source.appmodel.guards import PACKAGE_GUARDS
from nodeward.source.appmodel.model import Guard, Middleware, Route
from nodeward.source.context import FileContext, Ref
from nodeward.source.parse import Node

# Any segment: /auth/login/callback. Last segment only: /auth, /token, /sessions (a
# /auth/password or /sessions/:id/items route is not a login).
_LOGIN_SEGMENT = re.compile(r"^(log-?in|sign-?in|signon|authenticate)$", re.IGNORECASE)
_LOGIN_LAST = re.compile(r"^(auth|sessions?|token|local)$", re.IGNORECASE)
_AUTH_SEGMENT = re.compile(
    r"^(log-?in|sign-?in|signon|authenticate|refresh-?token|"
    r"reset|reset-?password|password-?reset|forgot|forgot-?password|otp|verify-?code|"
    r"verify-?otp|2fa|mfa|two-?factor)$",
    re.IGNORECASE,
)
_AUTH_LAST = re.compile(r"^(auth|oauth|token|tokens)$", re.IGNORECASE)
_LOGOUT = re.compile(r"log-?out|sign-?out", re.IGNORECASE)
_PASSWORD_CHECKS = (
    ("bcrypt", "compare"),
    ("bcrypt", "compareSync"),
    ("bcryptjs", "compare"),
    ("bcryptjs", "compareSync"),
    ("argon2", "verify"),
    ("@node-rs/argon2", "verify"),
    ("@node-rs/bcrypt", "compare"),
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "ALL"})


def segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s and not s.startswith(":")]


def handler_text(route: Route) -> str:
    return syntax.text(route.handler.function)


def handler_calls(route: Route) -> Iterator[tuple[FileContext, Node, Ref | None]]:
    func, ctx = route.handler.function, route.handler.ctx
    if func is None or ctx is None:
        return
    for node in ctx.within(func, "call_expression"):
        yield ctx, node, ctx.callee(node)


def verifies_password(route: Route) -> bool:
    for _ctx, _call, ref in handler_calls(route):
        if ref is not None and any(ref.is_(m, p) for m, p in _PASSWORD_CHECKS):
            return True
    text = handler_text(route)
    return bool(
        re.search(r"\.(comparePassword|verifyPassword|validPassword|checkPassword)\(", text)
    )


def passport_local(middleware: Middleware) -> bool:
    """`passport.authenticate("local", ...)`: a password login handled by passport."""
    ref = middleware.ref
    node = middleware.node
    if node.type != "call_expression":
        return False
    if ref is None:
        # `module.exports = (app, passport) => { app.post("/login", passport.authenticate(
        # "local"), ...) }`: passport handed to a route-setup function is not resolvable.
        callee = syntax.member_chain(node.child_by_field_name("function"))
        if callee != ["passport", "authenticate"]:
            return False
    elif ref.module != "passport" or "authenticate" not in ref.path:
        return False
    args = syntax.call_arguments(node)
    return bool(args) and syntax.string_value(args[0]) in ("local", "local-login", "login")


def is_auth_route(route: Route) -> bool:
    """A route that checks credentials or issues them: login, token, password reset, OTP."""
    if route.method not in WRITE_METHODS or _LOGOUT.search(route.path):
        return False
    parts = segments(route.path)
    if any(_AUTH_SEGMENT.match(s) for s in parts) or (parts and _AUTH_LAST.match(parts[-1])):
        return True
    if re.search(r"password/(reset|forgot)", route.path, re.IGNORECASE):
        return True
    return verifies_password(route) or any(passport_local(m) for m in route.chain)


def is_login_route(route: Route) -> bool:
    """A route that signs a user in with a password."""
    if route.method not in WRITE_METHODS or _LOGOUT.search(route.path):
        return False
    if any(passport_local(m) for m in route.chain) or verifies_password(route):
        return True
    parts = segments(route.path)
    named = any(_LOGIN_SEGMENT.match(s) for s in parts) or bool(
        parts and _LOGIN_LAST.match(parts[-1])
    )
    return named and "password" in handler_text(route).lower()


_SESSION_USER = re.compile(
    # `req.user`, and TypeScript's `(req as AuthedRequest).user`
    r"\b(req|request)(\s+as\s+\w+\))?\.(user|session|auth|userId|currentUser)\b"
    r"|res\.locals\.(user|currentUser)"
    r"|ctx\.state\.user|ctx\.session"
)


_ROLE_MIDDLEWARE = re.compile(
    r"role|admin|permi|authoriz(e|ation)(?!d)|privilege|scope|can[A-Z]|abilit|polic|acl|rbac|deny|"
    r"staff|superuser",
    re.IGNORECASE,
)
ROLE_WORDS = re.compile(r"\b(role|roles|isAdmin|is_admin|admin|permissions?|scopes?)\b")


def checks_role(middleware: Middleware) -> bool:
    """A middleware that names or tests a role (`requireRole("admin")`, `isAccounting` whose
    body compares `user.role`); a package known for something else (helmet) is not one."""
    ref = middleware.ref
    if ref is not None and PACKAGE_GUARDS.get(ref.module, Guard.AUTH) is not Guard.AUTH:
        return False
    if _ROLE_MIDDLEWARE.search(middleware.name):
        return True
    definition = middleware.definition
    return definition is not None and ROLE_WORDS.search(syntax.text(definition)) is not None


def mentions_session_user(text: str) -> bool:
    return _SESSION_USER.search(text) is not None


def body_denies_without_user(route: Route) -> bool:
    """A handler that checks the session user itself and answers 401/403."""
    text = handler_text(route)
    return (
        mentions_session_user(text)
        and re.search(r"\b(401|403)\b|Forbidden|Unauthorized", text) is not None
    )


def chain_names(route: Route, limit: int = 6) -> str:
    names = [m.name for m in route.chain]
    if not names:
        return "no middleware"
    shown = ", ".join(names[:limit])
    return shown + (f", +{len(names) - limit} more" if len(names) > limit else "")


def authenticated(route: Route) -> bool:
    return route.guarded_by(Guard.AUTH) or body_denies_without_user(route)


def route_list(routes: list[Route], limit: int = 5) -> str:
    shown = ", ".join(r.label for r in routes[:limit])
    return shown + (f" and {len(routes) - limit} more" if len(routes) > limit else "")
