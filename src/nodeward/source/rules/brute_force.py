"""Brute force on the app model: authentication routes with no rate limit or lockout."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.dos import LOGIN_NO_RATE_LIMIT
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source.appmodel import Guard
from nodeward.source.appmodel.inspect import chain_names, handler_text, is_auth_route
from nodeward.source.rules.framework_fixes import rate_limit_fix

_ATTEMPT_COUNTER = re.compile(
    r"failed_?attempts|login_?attempts|attempts|lock_?until|lockout|locked_?until|\.consume\(",
    re.IGNORECASE,
)


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    for app in analysis.app_model.apps:
        for route in app.routes:
            if not route.complete or not is_auth_route(route):
                continue
            if route.guarded_by(Guard.RATE_LIMIT) or _ATTEMPT_COUNTER.search(handler_text(route)):
                continue
            yield LOGIN_NO_RATE_LIMIT.finding(
                route.location,
                f"{route.label} is an authentication route with no rate limiter in its chain "
                f"({chain_names(route)}); {rate_limit_fix(app.framework)}",
            )


CHECKER = Checker(rules=(LOGIN_NO_RATE_LIMIT,), check_project=_check_project)
