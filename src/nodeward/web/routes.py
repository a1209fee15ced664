"""The static route table, turned into URLs the probe can request."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nodeward.findings import Route

_PARAM = re.compile(r":(\w+)(\([^)]*\))?\??")
_SAMPLES = {"id": "1", "slug": "nodeward", "name": "nodeward", "page": "1", "lang": "en"}


@dataclass(frozen=True)
class StaticRoute:
    method: str
    path: str
    """The route's path as written, e.g. /users/:id"""
    sample: str
    """The path with sample values, e.g. /users/1"""
    file: str = ""
    first_line: int = 0
    last_line: int = 0
    """Where the route's handler is written, to tie static findings inside it to the route."""


def sample_path(path: str) -> str | None:
    """/users/:id -> /users/1; None for paths the probe cannot fill (regexes, wildcards)."""
    if any(c in path for c in "*()[]") and not _PARAM.search(path):
        return None

    def value(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        return _SAMPLES.get(name, "1" if name.endswith("id") else "nodeward")

    filled = _PARAM.sub(value, path)
    return None if any(c in filled for c in "*()[]") else filled


def static_routes(routes: tuple[Route, ...]) -> tuple[StaticRoute, ...]:
    """Every route of the scan's route table that the probe can request, with sample values
    for its parameters (the table comes from the report: the project is not parsed again)."""
    found: dict[tuple[str, str], StaticRoute] = {}
    for route in routes:
        sample = sample_path(route.path)
        if sample is None or not sample.startswith("/"):
            continue
        method = "GET" if route.method in ("ALL", "USE") else route.method
        span = route.handler_location or route.location
        found.setdefault(
            (method, sample),
            StaticRoute(
                method, route.path, sample, span.path, span.line, span.end_line or span.line
            ),
        )
    return tuple(found.values())
