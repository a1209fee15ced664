"""NestJS: the app `NestFactory.create(AppModule)` makes, its controllers (route decorators
in decorator_routes.py), guards and global prefix (nestjs_routes.py builds the routes);
a controller method's parameters as the taint engine reads them (taint/nest.py:
`@Query()`, `@Body()`, `@Param()`, `@Req()`, `@Res()`, and what its return value sends).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from nodeward.source.appmodel.entries import Use
from nodeward.source.appmodel.model import AppUse, Middleware, Route
from nodeward.source.appmodel.resolve import Creation
from nodeward.source.context import FileContext, Ref
from nodeward.source.frameworks.base import Defaults, Fixes, HandlerRoles, Site, Walked
from nodeward.source.frameworks.nestjs_routes import NO_GLOBALS, NestModel
from nodeward.source.parse import Node
from nodeward.source.taint.nest import nest_handler


@dataclass
class _Controllers:
    """The project's controllers, and whether an app has taken them (a project has one
    Nest app: the first gets them)."""

    model: NestModel
    routed: bool = False


def _controllers(site: Site) -> _Controllers:
    found = site.state.get(NESTJS.name)
    if not isinstance(found, _Controllers):  # built once per project, on first use
        found = _Controllers(NestModel(site.resolver, site.files, site.middleware))
        site.state[NESTJS.name] = found
    return found


class NestJS(Defaults):
    name = "nestjs"
    label = "NestJS"
    fixes = Fixes(
        rate_limit=(
            "import ThrottlerModule.forRoot([{ ttl: 60_000, limit: 5 }]) from "
            "@nestjs/throttler and guard the route with @UseGuards(ThrottlerGuard) "
            "(or { provide: APP_GUARD, useClass: ThrottlerGuard })"
        ),
        global_rate_limit=(
            "import ThrottlerModule.forRoot([{ ttl: 60_000, limit: 100 }]) from "
            "@nestjs/throttler and register { provide: APP_GUARD, useClass: "
            "ThrottlerGuard }, with a stricter @Throttle() on the login routes"
        ),
        csrf=(
            "apply csrf-csrf's doubleCsrfProtection in main.ts with "
            "app.use(doubleCsrfProtection) (or csrf-sync) before them"
        ),
        helmet="apply Helmet in main.ts before app.listen: app.use(helmet())",
    )
    creations: Mapping[Ref, bool] = MappingProxyType(
        {Ref("@nestjs/core", ("NestFactory", "create", "()")): True}
    )
    #: controllers import @nestjs/common even where the bootstrap file is not in the project
    modules = frozenset({"@nestjs/core", "@nestjs/common"})
    chains_registrations = False
    calls: frozenset[str] = frozenset()
    models = ""

    def note_file(self, site: Site, ctx: FileContext) -> None:
        """`await NestFactory.create(AppModule)` is the app even when nothing is
        registered on the object it returns (routes come from controllers)."""
        if "@nestjs/core" not in ctx.imported_modules():
            return
        for call in ctx.nodes("call_expression"):
            kind = site.resolver.creation_kind(ctx, call)
            if kind is not None and kind[0] is self:
                site.resolver.creation(ctx, call)

    def prepare(self, site: Site) -> None:
        _controllers(site)

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        """`app.use(helmet())` in the bootstrap runs before every controller route; the
        controllers belong to the first Nest app (a project has one)."""
        used = [
            item
            for entry in site.entries.get(creation.target, [])
            if isinstance(entry, Use)
            for item in entry.items
            if isinstance(item, Middleware)
        ]
        uses = tuple(AppUse(m, (), "/") for m in used)
        controllers = _controllers(site)
        if controllers.routed:
            return (), uses
        controllers.routed = True
        model = controllers.model
        return tuple(model.routes(model.bootstrap(creation, used))), uses

    def orphan_routes(self, site: Site) -> list[Route]:
        """Controllers without a bootstrap: the global middleware is unknown."""
        controllers = _controllers(site)
        found = []
        if not controllers.routed:
            found = [replace(r, complete=False) for r in controllers.model.routes(NO_GLOBALS)]
        site.skips += controllers.model.skips
        return found

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        nest = nest_handler(func)
        if nest is None:
            return None
        return HandlerRoles(request=nest.request, response=nest.response, nest=nest)


NESTJS = NestJS()
