"""Diagnostics exposed: metrics, debug, log-file and monitoring routes with no auth."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.access import DIAGNOSTICS_EXPOSED
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source.appmodel import App, Guard, Route
from nodeward.source.appmodel.inspect import authenticated, handler_text, segments
from nodeward.source.appmodel.model import AppUse

_DIAGNOSTIC_SEGMENT = re.compile(
    r"^(metrics|prometheus|debug|__debug__|heapdump|heap-?snapshot|logs?|log-?files?|"
    r"actuator|env|environment|phpinfo|status-monitor|swagger-stats|profiler|pprof|"
    r"server-?status|config-?dump)$",
    re.IGNORECASE,
)
_STATUS_SEGMENT = re.compile(r"^(status|health|info|version)$", re.IGNORECASE)
_DUMPS = re.compile(
    r"process\.env\b(?!\.)|process\.memoryUsage|register\.metrics\(|heapdump|writeHeapSnapshot"
)


def is_diagnostics_route(route: Route) -> bool:
    parts = segments(route.path)
    if any(_DIAGNOSTIC_SEGMENT.match(s) for s in parts):
        return True
    text = handler_text(route)
    if "register.metrics(" in text:
        return True
    return any(_STATUS_SEGMENT.match(s) for s in parts) and _DUMPS.search(text) is not None


def _exposed_middleware(app: App) -> Iterator[AppUse]:
    """express-prom-bundle, express-status-monitor, swagger-stats applied with no auth
    middleware before them: they answer their own routes (/metrics, /status, ...)."""
    for index, use in enumerate(app.uses):
        if not use.middleware.has(Guard.DIAGNOSTICS):
            continue
        if not any(earlier.middleware.has(Guard.AUTH) for earlier in app.uses[:index]):
            yield use


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    for app in analysis.app_model.apps:
        for use in _exposed_middleware(app):
            yield DIAGNOSTICS_EXPOSED.finding(
                use.middleware.location,
                f"{use.middleware.name} serves diagnostics of app `{app.name}` with no "
                "authentication before it; mount it behind an auth middleware or on an "
                "internal port",
            )
        for route in app.routes:
            if route.complete and is_diagnostics_route(route) and not authenticated(route):
                yield DIAGNOSTICS_EXPOSED.finding(
                    route.location,
                    f"{route.label} exposes diagnostics with no authentication in its chain; "
                    "add an auth middleware before the handler or serve it on an internal port",
                )


CHECKER = Checker(rules=(DIAGNOSTICS_EXPOSED,), check_project=_check_project)
