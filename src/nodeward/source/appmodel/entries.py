"""What the collector records per router object, before the walk gives routes their full
paths and chains: middleware uses, route registrations, and calls to registration
helpers (Express helpers receiving the app, Fastify plugins)."""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.findings import Skip, SourceLocation
from nodeward.source.appmodel import paths
from nodeward.source.appmodel.model import Handler, Middleware, Route
from nodeward.source.appmodel.resolve import Creation, Target

Order = tuple[int | str, ...]


@dataclass(frozen=True)
class Unknown:
    """A middleware or router the model could not resolve; reported when an app uses it."""

    skip: Skip

    @property
    def reason(self) -> str:
        return self.skip.reason


@dataclass(frozen=True)
class Mount:
    creation: Creation


Item = Middleware | Mount | Unknown


@dataclass
class Use:
    order: Order
    prefix: str
    items: list[Item]


@dataclass
class RouteReg:
    order: Order
    method: str
    path: str
    items: list[Item]
    handler: Handler
    location: SourceLocation
    skip: Skip | None = None
    #: The path is `opts.prefix + path` (Fastify plugin options): the walk puts the
    #: prefix the plugin was registered with in front of it.
    options_prefix: bool = False

    def route(self, path: str, chain: list[Middleware], complete: bool, skips: list[Skip]) -> Route:
        """The route this registers at its full `path`, after the middleware that applies
        to it already (`chain`, `complete`): its own middleware appended, and what it
        could not resolve added to `skips`."""
        own = list(chain)
        if self.skip is not None:
            skips.append(self.skip)
        for item in self.items:
            if isinstance(item, Middleware):
                own.append(item)
            elif isinstance(item, Unknown):
                skips.append(item.skip)
                complete = False
        return Route(
            method=self.method,
            path=path,
            params=paths.params(path),
            chain=tuple(own),
            handler=self.handler,
            location=self.location,
            complete=complete,
        )


@dataclass
class Splice:
    """A call to a registration helper: run the helper's registrations on this target.
    `encapsulated` is a Fastify plugin registered without fastify-plugin: its hooks stay
    inside it (Express helpers and fp-wrapped plugins share the caller's chain)."""

    order: Order
    helper: Target
    prefix: str = ""
    encapsulated: bool = False
    #: The `prefix` option the plugin receives (`opts.prefix`), when the registration
    #: shows it. Fastify gives it to every plugin, encapsulated or not.
    options_prefix: str | None = None


Entry = Use | RouteReg | Splice
