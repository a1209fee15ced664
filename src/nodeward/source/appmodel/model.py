"""The app model's data: apps, their routes, and the ordered middleware chain of each route."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from nodeward.findings import Skip, SourceLocation
from nodeward.source.context import FileContext, Ref
from nodeward.source.frameworks.base import Framework
from nodeward.source.parse import Node

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Guard(Enum):
    """What a middleware is known to do for the request it sees."""

    AUTH = "auth"
    CSRF = "csrf"
    RATE_LIMIT = "rate-limit"
    HELMET = "helmet"
    SESSION = "session"
    VALIDATION = "validation"
    DIAGNOSTICS = "diagnostics"


@dataclass(frozen=True)
class Middleware:
    """One function in a route's chain. `ref` is its access path when it comes from a
    package (`csurf()`), `name` what a reader recognises (`requireAuth`, `csurf()`)."""

    name: str
    ref: Ref | None
    location: SourceLocation
    guards: frozenset[Guard]
    #: The call or function expression as written, and the function it resolves to (a
    #: project middleware's definition, possibly in another file), for body inspection.
    node: Node = field(compare=False, repr=False)
    ctx: FileContext = field(compare=False, repr=False)
    definition: Node | None = field(default=None, compare=False, repr=False)
    definition_ctx: FileContext | None = field(default=None, compare=False, repr=False)

    def has(self, guard: Guard) -> bool:
        return guard in self.guards


@dataclass(frozen=True)
class Handler:
    """The function that answers a route: where it is, and its node when it resolved."""

    name: str
    location: SourceLocation
    function: Node | None = field(compare=False, repr=False)
    ctx: FileContext | None = field(compare=False, repr=False)


@dataclass(frozen=True)
class Route:
    """One route as a request reaches it: `path` is the full mounted path, `chain` every
    middleware that runs before the handler in order (app-level, mount-level,
    router-level, route-level). `complete` is False when part of the chain could not be
    resolved (a middleware array from configuration, a spread): rules asking "is X missing"
    must then treat the route as unknown, not unprotected."""

    method: str
    path: str
    params: tuple[str, ...]
    chain: tuple[Middleware, ...]
    handler: Handler
    location: SourceLocation
    complete: bool = True

    def guarded_by(self, guard: Guard) -> bool:
        return any(m.has(guard) for m in self.chain)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class App:
    """An application object (`express()`, `new Koa()`) and every route that reaches it."""

    framework: Framework
    name: str
    location: SourceLocation
    ctx: FileContext = field(compare=False, repr=False)
    routes: tuple[Route, ...]
    #: Middleware applied with `app.use(...)`/`router.use(...)` without a route after it,
    #: in order, with the routes registered before each (for header-order checks).
    uses: tuple[AppUse, ...] = ()


@dataclass(frozen=True)
class AppUse:
    """A middleware applied at app level and how many of the app's routes were already
    registered (and therefore not covered) when it was applied."""

    middleware: Middleware
    routes_before: tuple[Route, ...]
    prefix: str


@dataclass(frozen=True)
class AppModel:
    apps: tuple[App, ...]
    #: Routes on routers that no app mounts (a router exported for a test, or mounted in a
    #: way the model cannot follow); their chains lack the app-level middleware.
    orphan_routes: tuple[Route, ...]
    unresolved: tuple[Skip, ...]

    def routes(self) -> list[tuple[App | None, Route]]:
        found: list[tuple[App | None, Route]] = [(a, r) for a in self.apps for r in a.routes]
        found += [(None, r) for r in self.orphan_routes]
        return found
