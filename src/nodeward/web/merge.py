"""One weakness, one finding: live findings that confirm a static one are merged into it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from nodeward.findings import Finding, HttpLocation, SourceLocation
from nodeward.web.routes import StaticRoute

#: Weaknesses of the whole app: any static finding of the code confirms any live one.
APP_WIDE = frozenset(
    {"NW301", "NW302", "NW303", "NW304", "NW401", "NW801", "NW802", "NW803", "NW804"}
)
_PARAMETER = re.compile(r":\w")
_ROUTE_IN_SNIPPET = re.compile(r"""["'`](/[^"'`\s]*)["'`]""")


def _route_of(static: SourceLocation, routes: Sequence[StaticRoute]) -> str | None:
    """The route whose handler contains the static finding, else the route string written
    on the finding's line (e.g. a registration `app.get("/admin", ...)`)."""
    for route in routes:
        if route.file == static.path and route.first_line <= static.line <= route.last_line:
            return route.path
    written = _ROUTE_IN_SNIPPET.search(static.snippet)
    return written.group(1) if written else None


def _matches(static: Finding, live: Finding, routes: Sequence[StaticRoute]) -> bool:
    """Same weakness: same rule, and for route-level rules the live URL's path matches the
    static finding's route (`:param` matches any segment): the route whose handler holds it,
    the route written on its line, or, for a finding reported at the app, a route its
    message names."""
    if static.rule != live.rule or not isinstance(live.location, HttpLocation):
        return False
    if static.rule in APP_WIDE:
        return True
    if not isinstance(static.location, SourceLocation):
        return False
    path = "/" + re.sub(r"[?#].*", "", live.location.url.split("://", 1)[-1].partition("/")[2])
    route = _route_of(static.location, routes)
    if route is None:
        # Reported at the app (e.g. "routes POST /login, POST /transfer lack CSRF
        # protection"): the same weakness when it names this route.
        return (
            re.search(rf"\b{live.location.method} {re.escape(path)}(?![\w/.-])", static.message)
            is not None
        )
    return route_pattern(route).fullmatch(path) is not None


def route_pattern(route: str) -> re.Pattern[str]:
    """The paths an Express route matches: a segment with parameters (`:id`, `:from-:to`)
    is any one segment. Parameters each read as `[^/]+` side by side in one segment would
    split a long segment in every way (polynomial backtracking on a crawled URL)."""
    segments = ["[^/]+" if _PARAMETER.search(s) else re.escape(s) for s in route.split("/")]
    return re.compile("/".join(segments).rstrip("/") + "/?", re.I)


def merge(
    static: Iterable[Finding], live: Iterable[Finding], routes: Sequence[StaticRoute] = ()
) -> list[Finding]:
    """Static findings first (live confirmations folded in), then the live-only ones."""
    merged = list(static)
    for finding in live:
        index = next((i for i, s in enumerate(merged) if _matches(s, finding, routes)), None)
        if index is None:
            merged.append(finding)
            continue
        target = merged[index]
        merged[index] = replace(
            target, confirmed=True, evidence=(*target.evidence, *finding.evidence)
        )
    return merged
