"""CSRF on the app model: state-changing routes of cookie-session apps without protection."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.project import Project
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source import syntax
from nodeward.source.appmodel import App, Guard, Middleware, app_model
from nodeward.source.appmodel.inspect import route_list
from nodeward.source.appmodel.model import STATE_CHANGING

COOKIE_SESSION_MODULES = frozenset({"express-session", "cookie-session", "koa-session"})
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
        "cookie-session) but no CSRF protection (csurf, csrf-csrf, csrf-sync, lusca.csrf, "
        "tiny-csrf, an Origin/Referer check), when the session cookie is not SameSite "
        "`lax` or `strict`."
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
        'state-changing routes, and set the session cookie\'s sameSite to "lax" or "strict"'
    ),
    references=(
        "OWASP CSRF Prevention Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html",
        "Express security best practices: https://expressjs.com/en/advanced/best-practice-security.html",
    ),
)


def is_cookie_session(middleware: Middleware) -> bool:
    ref = middleware.ref
    return ref is not None and ref.module in COOKIE_SESSION_MODULES


def same_site_protected(middleware: Middleware) -> bool:
    """Whether the session middleware's options set SameSite lax/strict (express-session's
    `cookie.sameSite`, cookie-session's top-level `sameSite`)."""
    ctx = middleware.ctx
    call = ctx.value_of(middleware.node)
    if call is None or call.type != "call_expression":
        return False
    args = syntax.call_arguments(call)
    options = ctx.value_of(args[0]) if args else None
    if options is None:
        return False
    cookie = ctx.value_of(syntax.object_get(options, "cookie"))
    for value in (syntax.object_get(cookie, "sameSite"), syntax.object_get(options, "sameSite")):
        if value is None:
            continue
        if syntax.bool_value(value) is True:
            return True
        text = syntax.string_value(value)
        if text is None or text.lower() in _SAFE_SAME_SITE:
            return True  # set from configuration: assume the author chose a value
    return False


def _check_app(app: App) -> Finding | None:
    exposed = []
    sessions: list[Middleware] = []
    for route in app.routes:
        if route.method not in STATE_CHANGING or not route.complete:
            continue
        in_chain = [m for m in route.chain if is_cookie_session(m)]
        if not in_chain:
            continue
        sessions += in_chain
        if not route.guarded_by(Guard.CSRF):
            exposed.append(route)
    if not exposed or any(same_site_protected(m) for m in sessions):
        return None
    module = sessions[0].ref.module if sessions[0].ref is not None else "session"
    count = f"{len(exposed)} state-changing route{'s' if len(exposed) > 1 else ''}"
    return CSRF_MISSING.finding(
        app.location,
        f"{count} of app `{app.name}` use the {module} cookie without CSRF protection: "
        f"{route_list(exposed)}; add csrf-csrf's doubleCsrfProtection (or csrf-sync) before "
        'them and set the session cookie\'s sameSite to "lax"',
    )


def _check_project(project: Project) -> Iterator[Finding]:
    for app in app_model(project).apps:
        finding = _check_app(app)
        if finding is not None:
            yield finding


CHECKER = Checker(rules=(CSRF_MISSING,), check_project=_check_project)
