"""What the app-model tests share: loading a fixture project, the route table as
comparable rows, a route by its label."""

from __future__ import annotations

from pathlib import Path

from nodeward.discover import DiscoveryOptions, discover
from nodeward.project import Project, load_project
from nodeward.source.appmodel import AppModel, Route


def project_at(path: Path) -> Project:
    return load_project(discover(path, DiscoveryOptions()))


def route_table(model: AppModel) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(method, full path, chain names, handler file:line) of every app's routes."""
    return [
        (
            r.method,
            r.path,
            tuple(m.name for m in r.chain),
            f"{r.handler.location.path}:{r.handler.location.line}",
        )
        for app in model.apps
        for r in app.routes
    ]


def route_labelled(model: AppModel, label: str) -> Route:
    return next(r for _a, r in model.routes() if r.label == label)
