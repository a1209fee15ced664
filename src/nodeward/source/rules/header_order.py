"""Security headers on the app model: helmet applied after the routes it should cover."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.headers import HEADERS_ORDER
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source.appmodel import App, Guard
from nodeward.source.appmodel.inspect import route_list


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
