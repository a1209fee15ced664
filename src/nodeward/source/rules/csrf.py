"""CSRF on the app model: state-changing routes of cookie-session apps without protection."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.project import Project
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source import syntax
from nodeward.source.appmodel import App, Guard, Middleware
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

CSRF_MISSING = RuleMeta(
    code="NW501",
    name="csrf-protection-missing",
    title="State-changing routes of a cookie-session app have no CSRF protection",
    cwe=(352,),
    owasp=Owasp.A01,
    practices=(Practice.CSRF,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Builds the route table and reports, once per application, the POST, PUT, PATCH and "
        "DELETE routes whose middleware chain includes a cookie session (express-session, "
        "cookie-session, koa-session, also applied in a NestJS main.ts with "
        "`app.use(session(...))`; on Fastify @fastify/session, @fastify/secure-session, or "
        "@fastify/cookie when the app sets credential cookies with `reply.setCookie`) but "
        "no CSRF protection (csurf, csrf-csrf, csrf-sync, lusca.csrf, tiny-csrf, an "
        "Origin/Referer check; on Fastify @fastify/csrf-protection's `app.csrfProtection` "
        "as a route's `onRequest` hook or in `app.addHook('onRequest', ...)`; also a "
        "project middleware that hands the request to one of them to exempt a path), when the "
        "session cookie is not SameSite `lax` or `strict`. The fix names the framework's "
        "own CSRF tool."
    ),
    why=(
        "Browsers attach the session cookie to requests any other site triggers. Without a "
        "CSRF token or a SameSite cookie, a page on another origin can post a form to these "
        "routes and act as the signed-in user: change the e-mail, transfer money, delete data."
    ),
    example=(
        "app.use(session({ secret: process.env.SECRET }));\n"
        'app.post("/account/email", requireAuth, updateEmail);'
    ),
    use_instead=(
        "const { doubleCsrfProtection } = doubleCsrf({ getSecret: () => process.env.CSRF });\n"
        'app.use(session({ secret: process.env.SECRET, cookie: { sameSite: "lax" } }));\n'
        "app.use(doubleCsrfProtection);\n"
        'app.post("/account/email", requireAuth, updateEmail);'
    ),
    fix=(
        "Add CSRF middleware (csrf-csrf doubleCsrfProtection or csrf-sync) before the "
        "state-changing routes (on Fastify @fastify/csrf-protection's onRequest hook "
        'app.csrfProtection), and set the session cookie\'s sameSite to "lax" or "strict"'
    ),
    references=(
        "OWASP CSRF Prevention Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html",
        "Express security best practices: https://expressjs.com/en/advanced/best-practice-security.html",
        "@fastify/csrf-protection: https://github.com/fastify/csrf-protection",
        "NestJS CSRF protection: https://docs.nestjs.com/security/csrf",
    ),
)


def is_cookie_session(middleware: Middleware, auth_cookies: bool = False) -> bool:
    """A cookie-backed session in the chain; @fastify/cookie counts when the project sets
    credential cookies with it (`auth_cookies`)."""
    ref = middleware.ref
    if ref is None:
        return False
    return ref.module in COOKIE_SESSION_MODULES or (
        auth_cookies and ref.module in FASTIFY_COOKIE_PLUGINS
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


def _check_app(app: App, auth_cookies: list[tuple[FileContext, Node | None]]) -> Finding | None:
    exposed = []
    sessions: list[Middleware] = []
    for route in app.routes:
        if route.method not in STATE_CHANGING or not route.complete:
            continue
        in_chain = [m for m in route.chain if is_cookie_session(m, bool(auth_cookies))]
        if not in_chain:
            continue
        sessions += in_chain
        if not route.guarded_by(Guard.CSRF):
            exposed.append(route)
    if not exposed or any(same_site_protected(m) for m in sessions):
        return None
    cookie_plugin = all(
        m.ref is not None and m.ref.module in FASTIFY_COOKIE_PLUGINS for m in sessions
    )
    if cookie_plugin and all(
        options is not None and _safe_same_site(syntax.object_get(options, "sameSite")) is True
        for _ctx, options in auth_cookies
    ):
        return None
    # Name the session store when there is one; @fastify/cookie only when it is all.
    named = next((m for m in sessions if is_cookie_session(m)), sessions[0])
    module = named.ref.module if named.ref is not None else "session"
    what = "signed credential cookies of" if cookie_plugin else "the cookie of"
    count = f"{len(exposed)} state-changing route{'s' if len(exposed) > 1 else ''}"
    return CSRF_MISSING.finding(
        app.location,
        f"{count} of app `{app.name}` use {what} {module} without CSRF protection: "
        f"{route_list(exposed)}; {csrf_fix(app.framework)}, and set the session cookie's "
        'sameSite to "lax"',
    )


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    auth_cookies = _auth_cookie_options(analysis.project)
    for app in analysis.app_model.apps:
        finding = _check_app(app, auth_cookies)
        if finding is not None:
            yield finding


CHECKER = Checker(rules=(CSRF_MISSING,), check_project=_check_project)
