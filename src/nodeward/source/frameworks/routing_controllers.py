"""routing-controllers (typestack): controller classes registered on an Express or Koa app
by `createExpressServer({...})`/`useExpressServer(app, {...})` (appmodel/
routing_controllers.py attaches their routes to that app; its apps are Express's or
Koa's, see express.py and koa.py); an action's parameters as the taint engine reads them
(taint/routing_controllers.py)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source.appmodel.model import App, Route
from nodeward.source.appmodel.resolve import Creation
from nodeward.source.context import Ref
from nodeward.source.frameworks.base import Defaults, Fixes, HandlerRoles, Site, Walked
from nodeward.source.frameworks.express import EXPRESS
from nodeward.source.frameworks.routing_controllers_routes import (
    RoutingControllersModel,
    attach,
    unattached_apps,
)
from nodeward.source.parse import Node
from nodeward.source.taint.routing_controllers import routing_controllers_handler


def _model(site: Site) -> RoutingControllersModel:
    found = site.state.get(ROUTING_CONTROLLERS.name)
    if not isinstance(found, RoutingControllersModel):  # built once per project
        found = RoutingControllersModel(site.resolver, site.files, site.middleware)
        site.state[ROUTING_CONTROLLERS.name] = found
    return found


class RoutingControllers(Defaults):
    name = "routing-controllers"
    label = "routing-controllers"
    fixes: Fixes = EXPRESS.fixes  # its apps are Express's or Koa's
    creations: Mapping[Ref, bool] = MappingProxyType({})
    modules = frozenset({"routing-controllers"})
    chains_registrations = False
    calls: frozenset[str] = frozenset()
    models = ""

    def prepare(self, site: Site) -> None:
        """Before the apps are listed: it resolves the apps its servers create."""
        _model(site)

    def attach(self, site: Site, creation: Creation, walked: Walked) -> Walked:
        return attach(_model(site), creation, *walked)

    def extra_apps(self, site: Site) -> list[App]:
        return unattached_apps(_model(site))

    def orphan_routes(self, site: Site) -> list[Route]:
        model = _model(site)
        found = model.orphan_routes()
        site.skips += model.skips
        return found

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        action = routing_controllers_handler(func)
        if action is None:
            return None
        return HandlerRoles(request=action.request, response=action.response, nest=action)


ROUTING_CONTROLLERS = RoutingControllers()
