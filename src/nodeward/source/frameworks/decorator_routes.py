"""The route decorators of NestJS and routing-controllers: decorator -> HTTP method. One
table per framework, read by the route table (appmodel/nestjs.py,
appmodel/routing_controllers.py) and by the taint engine (taint/nest.py,
taint/routing_controllers.py) to recognise the same controller methods."""

from __future__ import annotations

NEST_ROUTES = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "All": "ALL",
    "Head": "HEAD",
    "Options": "OPTIONS",
    "Search": "SEARCH",
}
ROUTING_CONTROLLERS_ROUTES = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "All": "ALL",
    "Head": "HEAD",
}
#: routing-controllers' `@Method("get", "/x")`: a route whose method is an argument
ROUTING_CONTROLLERS_METHOD = "Method"
ROUTING_CONTROLLERS_CONTROLLERS = frozenset({"Controller", "JsonController"})
