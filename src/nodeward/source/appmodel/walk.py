"""The Express-style walk of the app model: from an app through its mounted routers in
registration order, giving every route its full path and the middleware applied before it
(app-level, mount-level, router-level, route-level). Koa routers and routing-controllers'
servers follow the same order."""

from __future__ import annotations

from dataclasses import dataclass, field

from nodeward.findings import Skip
from nodeward.source.appmodel import paths
from nodeward.source.appmodel.entries import (
    Entry,
    Item,
    Mount,
    Order,
    RouteReg,
    Splice,
    Unknown,
    Use,
)
from nodeward.source.appmodel.model import AppUse, Middleware, Route
from nodeward.source.appmodel.resolve import Target
from nodeward.source.frameworks.base import Site
from nodeward.source.frameworks.fastify import prefixed_path

MAX_MOUNT_DEPTH = 16
_MAX_ROUTES = 20_000


@dataclass(frozen=True)
class Active:
    """A middleware (or an unresolved one) that runs for requests under `prefix`."""

    prefix: str
    middleware: Middleware | None
    reason: str = ""


@dataclass
class Walk:
    site: Site
    routes: list[Route] = field(default_factory=list)
    uses: list[AppUse] = field(default_factory=list)

    def router(
        self,
        target: Target,
        prefix: str,
        active: list[Active],
        stack: tuple[Target, ...],
        top: bool,
    ) -> None:
        if target in stack or len(stack) > MAX_MOUNT_DEPTH:
            self.site.skips.append(
                Skip(f"{target.rel}", "router mounted inside itself (circular mount); not followed")
            )
            return
        creation = self.site.resolver.creations.get(target)
        if creation is not None:
            prefix = paths.join(prefix, creation.framework.router_prefix(creation))
        entries = sorted(self._entries(target, stack), key=lambda pair: pair[0])
        active = list(active)
        for _order, entry, extra in entries:
            base = paths.join(prefix, extra)
            match entry:
                case Use():
                    at = paths.join(base, entry.prefix)
                    for item in entry.items:
                        self._use_item(item, at, active, (*stack, target), top)
                case RouteReg():
                    own = prefixed_path(None, entry.path) if entry.options_prefix else entry.path
                    self._route(entry, paths.join(base, own), active)
                case Splice():
                    pass  # expanded by _entries

    def _entries(
        self, target: Target, stack: tuple[Target, ...], depth: int = 0
    ) -> list[tuple[Order, Entry, str]]:
        """The target's entries with helper calls expanded in place."""
        found: list[tuple[Order, Entry, str]] = []
        for entry in self.site.entries.get(target, []):
            if isinstance(entry, Splice):
                if depth > MAX_MOUNT_DEPTH or entry.helper in stack:
                    continue
                for order, inner, extra in self._entries(entry.helper, (*stack, target), depth + 1):
                    found.append(((*entry.order, *order), inner, paths.join(entry.prefix, extra)))
            else:
                found.append((entry.order, entry, ""))
        return found

    def _use_item(
        self, item: Item, at: str, active: list[Active], stack: tuple[Target, ...], top: bool
    ) -> None:
        match item:
            case Middleware():
                if top:
                    before = tuple(r for r in self.routes if covers(at, r.path))
                    self.uses.append(AppUse(item, before, at))
                active.append(Active(at, item))
            case Mount():
                self.router(item.creation.target, at, active, stack, top=False)
            case Unknown():
                self.site.skips.append(item.skip)
                active.append(Active(at, None, item.reason))

    def _route(self, entry: RouteReg, path: str, active: list[Active]) -> None:
        if len(self.routes) >= _MAX_ROUTES:
            return
        applying = [a for a in active if covers(a.prefix, path)]
        chain = [a.middleware for a in applying if a.middleware is not None]
        complete = all(a.middleware is not None for a in applying)
        self.routes.append(entry.route(path, chain, complete, self.site.skips))


def covers(prefix: str, path: str) -> bool:
    if prefix in ("", "/") or prefix.startswith(("<", "/^")) or "|" in prefix:
        return True
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")
