"""Security headers on the app model: helmet applied after the routes it should cover."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source.appmodel import App, Guard
from nodeward.source.appmodel.inspect import route_list

HEADERS_ORDER = RuleMeta(
    code="NW320",
    name="headers-middleware-order",
    title="helmet is applied after routes it should cover, or only to some routers",
    cwe=(693, 1021),
    owasp=Owasp.A05,
    practices=(Practice.SECURITY_HEADERS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Reports `app.use(helmet())` registered after routes of the same app (Express runs "
        "middleware in registration order, so those routes answer without the headers), "
        "and helmet applied to some routers while other routes of the app go without it."
    ),
    why=(
        "Routes registered before helmet send no Content-Security-Policy, HSTS, "
        "X-Frame-Options or nosniff headers and keep X-Powered-By: the protection the "
        "code seems to have is missing exactly where it was forgotten."
    ),
    example=('app.get("/", home);\napp.use(helmet());'),
    use_instead=('app.use(helmet());\napp.get("/", home);'),
    fix="Call app.use(helmet()) right after creating the app, before any route or router",
    references=(
        "helmet: https://helmetjs.github.io/",
        "Express security best practices: https://expressjs.com/en/advanced/best-practice-security.html",
    ),
)


def _check_app(app: App) -> Finding | None:
    helmet_uses = [u for u in app.uses if u.middleware.has(Guard.HELMET)]
    if helmet_uses:
        first = helmet_uses[0]
        # CORS preflight answers (app.options("*", cors())) carry no page to protect
        before = [r for r in first.routes_before if r.method.lower() != "options"]
        if before:
            return HEADERS_ORDER.finding(
                first.middleware.location,
                f"{first.middleware.name} is applied after {len(before)} route"
                f"{'s' if len(before) > 1 else ''} of app `{app.name}` ({route_list(before)}), "
                "which answer without its headers; move app.use(helmet()) above the first route",
            )
        return None
    covered = [r for r in app.routes if r.guarded_by(Guard.HELMET)]
    uncovered = [
        r
        for r in app.routes
        if r.complete and not r.guarded_by(Guard.HELMET) and r.method.lower() != "options"
    ]
    if not covered or not uncovered:
        return None
    helmet = next(m for m in covered[0].chain if m.has(Guard.HELMET))
    return HEADERS_ORDER.finding(
        helmet.location,
        f"{helmet.name} covers only some routers of app `{app.name}`; "
        f"{route_list(uncovered)} answer without its headers; apply app.use(helmet()) at "
        "app level before any route",
    )


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    for app in analysis.app_model.apps:
        finding = _check_app(app)
        if finding is not None:
            yield finding


CHECKER = Checker(rules=(HEADERS_ORDER,), check_project=_check_project)
