"""What a middleware does, from the package it comes from, its name, or its body.

Package tables are data; a project's own middleware is judged by its name (`requireAuth`,
`isAdmin`) or, failing that, by a body that reads the session user, or verifies a token
(jsonwebtoken's verify, jose's jwtVerify), and answers 401/403."""

from __future__ import annotations

import re

from nodeward.source import syntax
from nodeward.source.appmodel.model import Guard, Middleware
from nodeward.source.context import CALL, FileContext, Ref
from nodeward.source.parse import Node

#: package -> the guard its middleware provides (any member or call of the package).
PACKAGE_GUARDS: dict[str, Guard] = {
    "csurf": Guard.CSRF,
    "@dr.pogodin/csurf": Guard.CSRF,
    "csrf-csrf": Guard.CSRF,
    "csrf-sync": Guard.CSRF,
    "tiny-csrf": Guard.CSRF,
    "koa-csrf": Guard.CSRF,
    "@koa/csrf": Guard.CSRF,
    "express-rate-limit": Guard.RATE_LIMIT,
    "express-slow-down": Guard.RATE_LIMIT,
    "express-brute": Guard.RATE_LIMIT,
    "express-limiter": Guard.RATE_LIMIT,
    "rate-limiter-flexible": Guard.RATE_LIMIT,
    "koa-ratelimit": Guard.RATE_LIMIT,
    "express-jwt": Guard.AUTH,
    "express-openid-connect": Guard.AUTH,
    "express-basic-auth": Guard.AUTH,
    "connect-ensure-login": Guard.AUTH,
    "express-oauth2-jwt-bearer": Guard.AUTH,
    "koa-jwt": Guard.AUTH,
    "@nestjs/passport": Guard.AUTH,  # AuthGuard('jwt')
    "@nestjs/throttler": Guard.RATE_LIMIT,  # ThrottlerGuard
    "@fastify/rate-limit": Guard.RATE_LIMIT,  # app.rateLimit() as a route hook
    "@fastify/helmet": Guard.HELMET,
    "helmet": Guard.HELMET,
    "koa-helmet": Guard.HELMET,
    "express-session": Guard.SESSION,
    "cookie-session": Guard.SESSION,
    "koa-session": Guard.SESSION,
    "express-validator": Guard.VALIDATION,
    "celebrate": Guard.VALIDATION,
    "express-prom-bundle": Guard.DIAGNOSTICS,
    "express-status-monitor": Guard.DIAGNOSTICS,
    "swagger-stats": Guard.DIAGNOSTICS,
}

_AUTH_NAME = re.compile(
    r"auth|ensure_?(log|user|admin|sign)|require|protect|isadmin|checkrole|role|verify|guard|"
    r"logged|permission|jwt",
    re.IGNORECASE,
)
_CSRF_NAME = re.compile(r"csrf|xsrf|origin|referer", re.IGNORECASE)
_LIMIT_NAME = re.compile(r"limit|throttl|brute|slow_?down|lockout", re.IGNORECASE)
_VALIDATION_NAME = re.compile(r"valid|schema|sanitiz", re.IGNORECASE)
_USER_READ = re.compile(
    r"\b(req|request)\.(user|session\.user|session\.userId|auth|isAuthenticated)\b|\broles?\b"
)
_VERIFIES_TOKEN = re.compile(r"\.jwtVerify\(")
_DENY = re.compile(r"\b(401|403)\b|Unauthorized|Forbidden|redirect\(['\"`]/login")


def judged_middleware(
    ctx: FileContext,
    node: Node,
    name: str,
    ref: Ref | None,
    definition: Node | None,
    definition_ctx: FileContext | None,
) -> Middleware:
    """A chain entry with its guards: from the package table (a package's middleware is
    labelled with the package) and from its definition's body when the project wrote it."""
    label = name if ref is None or ref.module.startswith(".") else f"{name} {ref.module}"
    return Middleware(
        name=name,
        ref=ref,
        location=ctx.location(node),
        guards=guards_of(label, ref, definition, definition_ctx),
        node=node,
        ctx=ctx,
        definition=definition,
        definition_ctx=definition_ctx,
    )


def guards_of(
    name: str, ref: Ref | None, definition: Node | None, ctx: FileContext | None = None
) -> frozenset[Guard]:
    if _handles_errors(definition):
        return frozenset()  # runs only after a failure: it stops no request that succeeds
    found: set[Guard] = set()
    if ref is not None:
        if ref.module in PACKAGE_GUARDS:
            found.add(PACKAGE_GUARDS[ref.module])
        if ref.module == "passport" and "authenticate" in ref.path:
            found.add(Guard.AUTH)
        if ref.module == "lusca" and (not ref.path or ref.path[0] == "csrf"):
            found.add(Guard.CSRF)  # lusca({ csrf: true }) or lusca.csrf()
        if ref.module == "lusca" and ref.path[:1] in (("xframe",), ("hsts",)):
            found.add(Guard.HELMET)
    # a package we know does something else (helmet.frameguard()) is judged by the table
    known_other = ref is not None and PACKAGE_GUARDS.get(ref.module, Guard.AUTH) is not Guard.AUTH
    if _AUTH_NAME.search(name) and not known_other and not _never_denies(definition, ctx):
        found.add(Guard.AUTH)
    if _CSRF_NAME.search(name):
        found.add(Guard.CSRF)
    if _LIMIT_NAME.search(name):
        found.add(Guard.RATE_LIMIT)
    if _VALIDATION_NAME.search(name) or (ref is not None and ref.module == "joi"):
        found.add(Guard.VALIDATION)
    if "helmet" in name.lower():
        found.add(Guard.HELMET)
    if definition is not None:
        found |= guards_from_body(definition)
        if ctx is not None and _calls_auth_package(definition, ctx):
            found.add(Guard.AUTH)  # denyAll = () => expressJwt({ secret: ... })
        if ctx is not None and _verifies_token(definition, ctx):
            found.add(Guard.AUTH)  # validate = (req, res, next) => { jwt.verify(...); ... 401 }
        if ctx is not None:
            found |= _delegated_guards(definition, ctx)
    return frozenset(found)


#: Express and Connect call a middleware with four parameters only with an error.
_ERROR_HANDLER_ARITY = 4


def _handles_errors(definition: Node | None) -> bool:
    """An error-handling middleware `(err, req, res, next) => ...`, or a factory that
    returns one (`() => (err, req, res, next) => ...`)."""
    if definition is None or definition.type not in syntax.FUNCTION_TYPES:
        return False
    candidates = [definition, *syntax.returned_values(definition)]
    return any(
        node.type in syntax.FUNCTION_TYPES
        and len(syntax.function_params(node)) == _ERROR_HANDLER_ARITY
        for node in candidates
    )


#: Guards a project middleware takes on when its body hands the request to a package's
#: middleware: `(req, res, next) => skip(req) ? next() : lusca.csrf()(req, res, next)`.
_DELEGABLE = frozenset({Guard.CSRF, Guard.RATE_LIMIT})


def _delegated_guards(definition: Node, ctx: FileContext) -> set[Guard]:
    """CSRF or rate limiting that a wrapper applies by calling the package's middleware
    with the request (usually to exempt a path, such as an upload or a webhook): the
    routes behind the wrapper are protected except for that exemption."""
    found: set[Guard] = set()
    for node in syntax.walk(definition):
        if node.type != "call_expression" or len(syntax.call_arguments(node)) < 2:
            continue
        ref = ctx.callee(node)
        if ref is None or not ref.path or ref.path[-1] != CALL:
            continue
        guard = _package_guard(ref)
        if guard in _DELEGABLE:
            found.add(guard)
    return found


def _package_guard(ref: Ref) -> Guard | None:
    if ref.module == "lusca" and ref.path[:1] == ("csrf",):
        return Guard.CSRF
    return PACKAGE_GUARDS.get(ref.module)


_MAY_DENY = re.compile(
    r"\b(401|403)\b|Unauthori[sz]ed|Forbidden|\.status\(|sendStatus\(|redirect\(|\bthrow\b|"
    r"\bnext\(\s*[^)\s]|reject\(|ctx\.(throw|assert)\(|\.end\("
)


def _never_denies(definition: Node | None, ctx: FileContext | None) -> bool:
    """A project middleware with an auth-like name (`updateAuthenticatedUsers`,
    `loadAuthUser`) whose body can neither answer, throw, pass an error on, nor call an
    auth package: it always calls next(), so it guards nothing."""
    if definition is None or ctx is None:
        return False
    return not _MAY_DENY.search(syntax.text(definition)) and not _calls_auth_package(
        definition, ctx
    )


def _calls_auth_package(definition: Node, ctx: FileContext) -> bool:
    for node in syntax.walk(definition):
        if node.type in ("call_expression", "new_expression"):
            ref = ctx.callee(node)
            if ref is not None and (
                PACKAGE_GUARDS.get(ref.module) is Guard.AUTH
                or (ref.module == "passport" and "authenticate" in ref.path)
            ):
                return True
    return False


#: Functions that check a token's signature: a middleware that calls one and can answer
#: 401/403 is an authentication check whatever its name (`validateToken`, `checkHeader`).
_TOKEN_VERIFIERS = (
    ("jsonwebtoken", ("verify",)),
    ("jose", ("jwtVerify",)),
    ("jwt-simple", ("decode",)),
)


def _verifies_token(definition: Node, ctx: FileContext) -> bool:
    if not _DENY.search(syntax.text(definition)):
        return False
    for call in ctx.within(definition, "call_expression"):
        ref = ctx.callee(call)
        if ref is not None and any(ref.is_(m, *p) for m, p in _TOKEN_VERIFIERS):
            return True
    return False


def guards_from_body(definition: Node) -> set[Guard]:
    """A project middleware that reads the session user and denies with 401/403 is an
    auth check whatever it is called; one that consumes a limiter is a rate limit."""
    body = syntax.text(definition)
    found: set[Guard] = set()
    if _USER_READ.search(body) and _DENY.search(body):
        found.add(Guard.AUTH)
    if _VERIFIES_TOKEN.search(body):
        found.add(Guard.AUTH)  # a Fastify hook: `await request.jwtVerify()` (@fastify/jwt)
    if ".consume(" in body or "rateLimit" in body or "tooManyRequests" in body or "429" in body:
        found.add(Guard.RATE_LIMIT)
    # An Origin/Referer check that rejects; reading the Origin to reflect it (CORS) is not one.
    reads_origin = re.search(
        r"headers\.(origin|referer)|headers\[['\"](origin|referer)|get\(['\"](origin|referer)",
        body,
        re.IGNORECASE,
    )
    if reads_origin and re.search(r"\b403\b|Forbidden", body):
        found.add(Guard.CSRF)
    return found
