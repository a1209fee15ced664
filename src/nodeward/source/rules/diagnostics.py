"""Diagnostics exposed: metrics, debug, log-file and monitoring routes with no auth."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
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

DIAGNOSTICS_EXPOSED = RuleMeta(
    code="NW505",
    name="diagnostics-exposed",
    title="Metrics, debug or log route reachable without authentication",
    cwe=(200, 215, 306),
    owasp=Owasp.A01,
    practices=(Practice.ACCESS_CONTROL,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports routes in the route table that expose diagnostics — /metrics "
        "(prom-client `register.metrics()`, express-prom-bundle), /debug, /logs, /heapdump, "
        "/actuator, /env, a /status that dumps process.env, swagger-stats or "
        "express-status-monitor — with no authentication middleware before them."
    ),
    why=(
        "Diagnostics reveal internal hostnames, versions, environment variables and "
        "secrets, request rates and memory contents; a heap dump can contain session "
        "tokens. They are for operators, not for the Internet."
    ),
    example='app.get("/metrics", async (req, res) => res.end(await register.metrics()));',
    use_instead=(
        'app.get("/metrics", basicAuth({ users: { ops: process.env.METRICS_PASSWORD } }),\n'
        "  async (req, res) => res.end(await register.metrics()));"
    ),
    fix=(
        "Put authentication middleware in front of the diagnostics route, or serve it on "
        "a separate internal port"
    ),
    references=(
        "OWASP Top 10 A01 Broken Access Control: https://owasp.org/Top10/A01_2021-Broken_Access_Control/",
        "CWE-215 Insertion of Sensitive Information Into Debugging Code: https://cwe.mitre.org/data/definitions/215.html",
    ),
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
