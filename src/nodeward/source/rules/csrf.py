"""CSRF on the app model: state-changing routes of cookie-session apps without protection."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.access import CSRF_MISSING
from nodeward.checks import Checker
from nodeward.findings import Finding, FlowStep, SourceLocation
from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.appmodel import App, Guard, Middleware, Route
from nodeward.source.appmodel.inspect import route_list
from nodeward.source.appmodel.model import STATE_CHANGING
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.cookies import looks_like_auth_cookie, set_cookie_calls
from nodeward.source.rules.framework_fixes import csrf_fix

COOKIE_SESSION_MODULES = frozenset(
    {
        "express-session",
        "cookie-session",
        "koa-session",
        "@fastify/session",
        "@fastify/secure-session",
        "fastify-session",
        "fastify-secure-session",
    }
)
#: Session plugins Fastify takes as `app.register(plugin, options)`.
FASTIFY_SESSION_PLUGINS = frozenset(
    COOKIE_SESSION_MODULES - {"express-session", "cookie-session", "koa-session"}
)
#: @fastify/cookie is a session only where the app keeps credentials in its cookies.
FASTIFY_COOKIE_PLUGINS = frozenset({"@fastify/cookie", "fastify-cookie"})
_SAFE_SAME_SITE = frozenset({"lax", "strict"})
#: An authentication middleware that reads its credential from a cookie: `req.cookies.token`,
#: `req.signedCookies`, Koa's `ctx.cookies.get("jwt")`, Fastify's `request.cookies`.
_READS_COOKIES = re.compile(r"\.(?:signedCookies|cookies)\b")
#: Related locations a finding lists: the first exposed routes, enough to find them all.
MAX_ROUTES_SHOWN = 50


def is_cookie_session(middleware: Middleware, auth_cookies: bool = False) -> bool:
    """A cookie-backed session in the chain; @fastify/cookie counts when the project sets
    credential cookies with it (`auth_cookies`)."""
    ref = middleware.ref
    if ref is None:
        return False
    return ref.module in COOKIE_SESSION_MODULES or (
        auth_cookies and ref.module in FASTIFY_COOKIE_PLUGINS
    )


def authenticates_with_cookie(middleware: Middleware) -> bool:
    """An authentication middleware whose definition reads the request's cookies (a JWT
    or API token kept in a cookie): the browser sends it with forged requests too."""
    definition = middleware.definition
    return (
        middleware.has(Guard.AUTH)
        and definition is not None
        and _READS_COOKIES.search(syntax.text(definition)) is not None
    )


def _session_options(middleware: Middleware) -> Node | None:
    """The options object of a session middleware: `session({...})`, or the second
    argument of `app.register(fastifySession, {...})`."""
    ctx, node = middleware.ctx, middleware.node
    ref = middleware.ref
    if ref is not None and ref.module in FASTIFY_SESSION_PLUGINS:
        holder = node.parent
        register = holder.parent if holder is not None else None
        if register is None or register.type != "call_expression":
            return None
        args = syntax.call_arguments(register)
        if len(args) < 2 or args[0].start_byte != node.start_byte:
            return None
        return ctx.value_of(args[1])
    call = ctx.value_of(node)
    if call is None or call.type != "call_expression":
        return None
    args = syntax.call_arguments(call)
    return ctx.value_of(args[0]) if args else None


def _safe_same_site(value: Node | None) -> bool | None:
    """True for `sameSite: "lax" | "strict" | true` or a value from configuration (the
    author chose one), False for "none"/false, None when absent."""
    if value is None:
        return None
    if syntax.bool_value(value) is True:
        return True
    text = syntax.string_value(value)
    return text is None or text.lower() in _SAFE_SAME_SITE


def same_site_protected(middleware: Middleware) -> bool:
    """Whether the session middleware's options set SameSite lax/strict (express-session's,
    @fastify/session's and @fastify/secure-session's `cookie.sameSite`, cookie-session's
    top-level `sameSite`)."""
    ctx = middleware.ctx
    options = _session_options(middleware)
    if options is None:
        return False
    cookie = ctx.value_of(syntax.object_get(options, "cookie"))
    return any(
        _safe_same_site(value) is True
        for value in (syntax.object_get(cookie, "sameSite"), syntax.object_get(options, "sameSite"))
    )


def _auth_cookie_options(project: Project) -> list[tuple[FileContext, Node | None]]:
    """The options of every credential cookie set with @fastify/cookie's
    `reply.setCookie(name, value, options)` (None: no options)."""
    found: list[tuple[FileContext, Node | None]] = []
    for ctx in project.files:
        for _call, name, options in set_cookie_calls(ctx):
            if looks_like_auth_cookie(name):
                found.append((ctx, options))
    return found


def _cookie_credentials(route: Route, auth_cookies: bool) -> list[Middleware]:
    """The middleware of the route's chain that make the browser's cookies its credential."""
    return [
        m for m in route.chain if is_cookie_session(m, auth_cookies) or authenticates_with_cookie(m)
    ]


def _cookies_same_site(auth_cookies: list[tuple[FileContext, Node | None]]) -> bool:
    """Every credential cookie the project sets says SameSite lax or strict."""
    return bool(auth_cookies) and all(
        options is not None and _safe_same_site(syntax.object_get(options, "sameSite")) is True
        for _ctx, options in auth_cookies
    )


def _check_app(app: App, auth_cookies: list[tuple[FileContext, Node | None]]) -> Finding | None:
    exposed = []
    sessions: list[Middleware] = []
    for route in app.routes:
        if route.method not in STATE_CHANGING or not route.complete:
            continue
        in_chain = _cookie_credentials(route, bool(auth_cookies))
        if not in_chain:
            continue
        sessions += in_chain
        if not route.guarded_by(Guard.CSRF):
            exposed.append(route)
    if not exposed or any(same_site_protected(m) for m in sessions):
        return None
    # @fastify/cookie or a cookie-reading auth middleware: the cookies' own SameSite decides
    stores = [m for m in sessions if is_cookie_session(m)]
    if not stores and _cookies_same_site(auth_cookies):
        return None
    cookie_plugin = bool(sessions) and all(
        m.ref is not None and m.ref.module in FASTIFY_COOKIE_PLUGINS for m in sessions
    )
    if cookie_plugin and _cookies_same_site(auth_cookies):
        return None
    count = f"{len(exposed)} state-changing route{'s' if len(exposed) > 1 else ''}"
    return CSRF_MISSING.finding(
        app.location,
        f"{count} of app `{app.name}` {'use' if len(exposed) > 1 else 'uses'} "
        f"{_credential(stores, sessions, cookie_plugin)} "
        f"without CSRF protection: {route_list(exposed)}; {csrf_fix(app.framework)}, and set "
        f'the {"session" if stores else "credential"} cookie\'s sameSite to "lax"',
        flow=_route_steps(exposed),
    )


def _credential(stores: list[Middleware], sessions: list[Middleware], cookie_plugin: bool) -> str:
    """How the message names the cookie credential: the session store when there is one,
    @fastify/cookie when it is all, else the middleware that reads the cookie."""
    if cookie_plugin:
        named = sessions[0]
        module = named.ref.module if named.ref is not None else "session"
        return f"signed credential cookies of {module}"
    if stores:
        named = stores[0]
        return f"the cookie of {named.ref.module if named.ref is not None else 'session'}"
    return f"the credential cookie that `{sessions[0].name}` reads"


def _route_steps(routes: list[Route]) -> tuple[FlowStep, ...]:
    """Each exposed route's registration, as the finding's related locations."""
    return tuple(
        FlowStep(route.location, f"{route.label} changes state without a CSRF token check")
        for route in routes[:MAX_ROUTES_SHOWN]
        if isinstance(route.location, SourceLocation)
    )


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    auth_cookies = _auth_cookie_options(analysis.project)
    for app in analysis.app_model.apps:
        folder = PurePosixPath(app.ctx.rel).parent
        # the cookies this app sets: those of its folder tree, not a sibling app's
        own = [c for c in auth_cookies if folder in PurePosixPath(c[0].rel).parents]
        finding = _check_app(app, own)
        if finding is not None:
            yield finding


CHECKER = Checker(rules=(CSRF_MISSING,), check_project=_check_project)
