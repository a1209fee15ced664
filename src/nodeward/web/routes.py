"""The static route table, turned into URLs the probe can request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.config import Config
from nodeward.findings import Skip

if TYPE_CHECKING:
    from nodeward.source.appmodel import Route

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


def _handler_span(route: Route) -> tuple[str, int, int]:
    function = route.handler.function
    if function is None or route.handler.ctx is None:
        line = route.location.line
        return route.location.path, line, line
    start, end = function.start_point[0] + 1, function.end_point[0] + 1
    return route.handler.location.path, start, end


def static_routes(config: Config) -> tuple[tuple[StaticRoute, ...], tuple[Skip, ...]]:
    """Every route of the project's app model, with sample values for its parameters."""
    try:
        from nodeward.discover import DiscoveryOptions, discover
        from nodeward.project import load_project
        from nodeward.source.appmodel import app_model
    except ImportError:  # an install without the app model: crawl links and forms only
        return (), (Skip(str(config.path), "no app model; crawling links and forms only"),)
    inventory = discover(
        config.path,
        DiscoveryOptions(
            include_node_modules=config.include_node_modules,
            max_file_size=config.max_file_size,
            exclude=config.exclude,
        ),
    )
    project = load_project(inventory, config)
    found: dict[tuple[str, str], StaticRoute] = {}
    for _app, route in app_model(project).routes():
        sample = sample_path(route.path)
        if sample is not None and sample.startswith("/"):
            method = route.method.upper()
            method = "GET" if method in ("ALL", "USE") else method
            file, first, last = _handler_span(route)
            found.setdefault(
                (method, sample), StaticRoute(method, route.path, sample, file, first, last)
            )
    return tuple(found.values()), ()
