"""`nodeward routes PATH [--format text|json]`: the route table as the rules see it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from nodeward.discover import DiscoveryOptions, discover
from nodeward.findings import SourceLocation
from nodeward.project import load_project
from nodeward.report.neutralize import terminal_line as shown
from nodeward.source.appmodel import App, AppModel, Middleware, Route, app_model

EXIT_OK, EXIT_ERROR = 0, 2


def add_routes_command(sub: Any) -> None:
    parser = sub.add_parser(
        "routes", help="print every route with its full path and middleware chain"
    )
    parser.add_argument("path", type=Path, help="project folder or a single file")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run_routes_command)


def run_routes_command(args: argparse.Namespace) -> int:
    path: Path = args.path
    if not path.exists():
        print(f"nodeward: error: {shown(str(path))}: no such file or directory", file=sys.stderr)
        return EXIT_ERROR
    project = load_project(discover(path, DiscoveryOptions()))
    model = app_model(project)
    print(render_json(model) if args.format == "json" else render_text(model))
    return EXIT_OK


def _where(location: SourceLocation) -> str:
    return f"{location.path}:{location.line}"


def _middleware_json(middleware: Middleware) -> dict[str, object]:
    return {
        "name": middleware.name,
        "module": middleware.ref.module if middleware.ref is not None else None,
        "guards": sorted(g.value for g in middleware.guards),
        "location": _where(middleware.location),
    }


def _route_json(route: Route) -> dict[str, object]:
    return {
        "method": route.method,
        "path": route.path,
        "params": list(route.params),
        "chain": [_middleware_json(m) for m in route.chain],
        "chain_complete": route.complete,
        "handler": {"name": route.handler.name, "location": _where(route.handler.location)},
        "registered_at": _where(route.location),
    }


def _app_json(app: App) -> dict[str, object]:
    return {
        "name": app.name,
        "framework": app.framework.name,
        "location": _where(app.location),
        "routes": [_route_json(r) for r in app.routes],
    }


def render_json(model: AppModel) -> str:
    document = {
        "apps": [_app_json(a) for a in model.apps],
        "unmounted_routes": [_route_json(r) for r in model.orphan_routes],
        "unresolved": [{"target": s.target, "reason": s.reason} for s in model.unresolved],
    }
    return json.dumps(document, indent=2)


def _route_line(route: Route) -> str:
    chain = " > ".join(m.name for m in route.chain) or "-"
    if not route.complete:
        chain += " > (unknown)"
    where = _where(route.handler.location)
    return shown(f"  {route.method:<7} {route.path:<40} {chain}  -> {where}")


def render_text(model: AppModel) -> str:
    """One line per route; names, paths and file names from the project are neutralised
    (`neutralize.terminal_line`), so none can break a line or drive the terminal."""
    lines: list[str] = []
    for app in model.apps:
        lines.append(shown(f"{app.framework.name} app `{app.name}` ({_where(app.location)})"))
        lines += [_route_line(r) for r in app.routes] or ["  (no routes)"]
    if model.orphan_routes:
        lines.append("routers no app mounts (chains unknown):")
        lines += [_route_line(r) for r in model.orphan_routes]
    if model.unresolved:
        lines.append("unresolved:")
        lines += [shown(f"  {s.target}: {s.reason}") for s in model.unresolved]
    return "\n".join(lines) if lines else "no Express, Koa, Fastify or NestJS app found"
