"""routing-controllers (typestack): controller classes registered on an Express or Koa app
by `createExpressServer({...})`/`useExpressServer(app, {...})` (appmodel/
routing_controllers.py attaches their routes to that app; its apps are Express's or
Koa's, see express.py and koa.py); an action's parameters as the taint engine reads them
(taint/routing_controllers.py)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source.appmodel.resolve import Creation
from nodeward.source.context import FileContext, Ref
from nodeward.source.frameworks.base import Fixes, HandlerRoles, Site, Walked
from nodeward.source.frameworks.express import EXPRESS
from nodeward.source.parse import Node
from nodeward.source.taint.routing_controllers import routing_controllers_handler


class RoutingControllers:
    name = "routing-controllers"
    label = "routing-controllers"
    fixes: Fixes = EXPRESS.fixes  # its apps are Express's or Koa's
    creations: Mapping[Ref, bool] = MappingProxyType({})
    modules = frozenset({"routing-controllers"})
    chains_registrations = False
    calls: frozenset[str] = frozenset()
    models = ""

    def collect(self, site: Site, ctx: FileContext, call: Node, fn: Node, prop: str) -> bool:
        return False

    def router_prefix(self, creation: Creation) -> str:
        return ""

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        return (), ()

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        action = routing_controllers_handler(func)
        if action is None:
            return None
        return HandlerRoles(request=action.request, response=action.response, nest=action)


ROUTING_CONTROLLERS = RoutingControllers()
