"""NestJS: the app `NestFactory.create(AppModule)` makes, its controllers (route decorators
in decorator_routes.py), guards and global prefix (appmodel/nestjs.py builds the routes);
a controller method's parameters as the taint engine reads them (taint/nest.py:
`@Query()`, `@Body()`, `@Param()`, `@Req()`, `@Res()`, and what its return value sends).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source.appmodel.entries import Use
from nodeward.source.appmodel.model import AppUse, Middleware
from nodeward.source.appmodel.resolve import Creation
from nodeward.source.context import FileContext, Ref
from nodeward.source.frameworks.base import Fixes, HandlerRoles, Site, Walked
from nodeward.source.parse import Node
from nodeward.source.taint.nest import nest_handler


class NestJS:
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

    def collect(self, site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> bool:
        return False

    def router_prefix(self, creation: Creation) -> str:
        return ""

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
        if site.nest_routed:
            return (), uses
        site.nest_routed = True
        return tuple(site.nest.routes(site.nest.bootstrap(creation, used))), uses

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        nest = nest_handler(func)
        if nest is None:
            return None
        return HandlerRoles(request=nest.request, response=nest.response, nest=nest)


NESTJS = NestJS()
