"""routing-controllers (typestack): controller classes registered on an Express or Koa app
by `createExpressServer({...})`/`useExpressServer(app, {...})`
(routing_controllers_routes.py attaches their routes to that app; its apps are Express's
or Koa's, see express.py and koa.py), and an action's parameters as the taint engine
reads them.

A method of a `@JsonController()` or `@Controller()` class with a route decorator
(`@Get('/:id')`, `@Post()`, `@Method('post', '/x')`) handles a route. Its parameters are
filled by decorators that read the request the way the Express driver does
(ExpressDriver.getParamFromRequest): `@Body()` is req.body and `@BodyParam('name')`
req.body.name, `@Param('id')` / `@Params()` req.params, `@QueryParam('q')` /
`@QueryParams()` req.query, `@HeaderParam('x')` / `@HeaderParams()` req.headers,
`@CookieParam('c')` / `@CookieParams()` the parsed cookies, `@UploadedFile()` /
`@UploadedFiles()` req.file / req.files; `@Req()` is the request and `@Res()` the response.
A single value declared `number` or `boolean` is converted to that type before the method
runs (a failed conversion answers 400), so it carries no attacker-shaped text.

The return value is the response body: ExpressDriver.handleSuccess sends it with
`res.json` when the action is JSON-typed (a `@JsonController`, or a JSON
`@ContentType`) and with `res.send` otherwise, which serves a string as text/html. The
result is the same NestHandler shape nest.py gives, so the engine treats both alike.

`@Controller` also names NestJS's decorator: a class is taken as routing-controllers'
only when its file imports the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source import syntax
from nodeward.source.appmodel.model import App, Route
from nodeward.source.appmodel.resolve import Creation
from nodeward.source.context import Ref
from nodeward.source.decorators import (
    class_decorators,
    class_of,
    decorators,
    member_decorator_nodes,
    named,
    own_decorator_nodes,
)
from nodeward.source.frameworks.base import (
    Defaults,
    Fixes,
    HandlerRoles,
    Site,
    Walked,
    returns_html,
)
from nodeward.source.frameworks.decorator_routes import (
    ROUTING_CONTROLLERS_METHOD,
    ROUTING_CONTROLLERS_ROUTES,
)
from nodeward.source.frameworks.express import EXPRESS
from nodeward.source.frameworks.routing_controllers_routes import (
    MODULE,
    RoutingControllersModel,
    attach,
    unattached_apps,
)
from nodeward.source.parse import Node
from nodeward.source.taint.nest import NestHandler, NestParam, NestSource

#: decorator -> (request member, whether its first argument names one field of it)
_SOURCE_DECORATORS = {
    "Body": (NestSource.BODY, False),
    "BodyParam": (NestSource.BODY, True),
    "Param": (NestSource.PARAMS, True),
    "Params": (NestSource.PARAMS, False),
    "QueryParam": (NestSource.QUERY, True),
    "QueryParams": (NestSource.QUERY, False),
    "HeaderParam": (NestSource.HEADERS, True),
    "HeaderParams": (NestSource.HEADERS, False),
    "CookieParam": (NestSource.COOKIES, True),
    "CookieParams": (NestSource.COOKIES, False),
    "UploadedFile": (NestSource.FILE, False),
    "UploadedFiles": (NestSource.FILES, False),
}
_REQUEST_DECORATORS = frozenset({"Req", "Request"})
_RESPONSE_DECORATORS = frozenset({"Res", "Response"})
_ROUTE_DECORATORS = frozenset({*ROUTING_CONTROLLERS_ROUTES, ROUTING_CONTROLLERS_METHOD})
#: Decorators with which an action renders or redirects instead of sending its return value
_NOT_HTML = frozenset({"Render", "Redirect", "Location"})
#: parameter types the driver converts a single value to (ActionParameterHandler)
_CONVERTED_TYPES = frozenset({"number", "boolean", "Number", "Boolean"})


def _imports_package(node: Node) -> bool:
    """The file around `node` imports or requires routing-controllers."""
    root = node
    while root.parent is not None:
        root = root.parent
    quoted = (f'"{MODULE}"', f"'{MODULE}'")
    for statement in root.named_children:
        if statement.type in ("import_statement", "lexical_declaration", "variable_declaration"):
            text = syntax.text(statement)
            if any(q in text for q in quoted):
                return True
    return False


def _converted(param: Node, keyed: bool) -> bool:
    annotation = param.child_by_field_name("type")
    type_text = syntax.text(annotation).lstrip(":").strip() if annotation is not None else ""
    return keyed and type_text in _CONVERTED_TYPES


def routing_controllers_handler(method: Node) -> NestHandler | None:
    """The roles of a routing-controllers action's parameters, or None when `method` is
    not one."""
    if method.type != "method_definition":
        return None
    cls = class_of(method)
    if cls is None:
        return None
    on_class = named(class_decorators(cls))
    kind = next((k for k in ("JsonController", "Controller") if k in on_class), None)
    if kind is None:
        return None
    # nearest first, so that of a repeated decorator the topmost counts
    on_method = named(decorators(member_decorator_nodes(method, nearest_first=True)))
    if not _ROUTE_DECORATORS & on_method.keys() or not _imports_package(method):
        return None
    params: list[NestParam] = []
    converted: set[str] = set()
    request = response = None
    for param in syntax.function_params(method):
        name = syntax.param_name(param)
        if name is None:
            continue
        for found in decorators(own_decorator_nodes(param)):
            decorator_name, args = found.name, found.args
            if decorator_name in _REQUEST_DECORATORS:
                request = name
            elif decorator_name in _RESPONSE_DECORATORS:
                response = name
            elif decorator_name in _SOURCE_DECORATORS:
                source, keyed = _SOURCE_DECORATORS[decorator_name]
                key = syntax.string_value(args[0]) if keyed and args else None
                if key is not None and source is NestSource.HEADERS:
                    key = key.lower()  # the driver reads req.headers[name.toLowerCase()]
                if _converted(param, keyed):
                    converted.add(name)
                else:
                    params.append(NestParam(name, source, key, param))
    return NestHandler(
        params=tuple(params),
        converted=frozenset(converted),
        request=request,
        response=response,
        returns_html=returns_html(
            on_method,
            answered=response is not None,
            non_html=_NOT_HTML,
            json=kind == "JsonController",
        ),
        framework="routing-controllers",
    )


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
    modules = frozenset({MODULE})
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
