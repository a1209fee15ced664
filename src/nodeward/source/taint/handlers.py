"""Which function parameters hold the request, the response or a Koa context.

Each framework of the registry (source/frameworks) says whether a function is one of its
handlers and which roles its parameters play: decorated controller methods (NestJS,
routing-controllers), Koa's context, Express's `(req, res)` shape (also Fastify's
`(request, reply)`), a function the app model's route table names, one passed to a route
registration. The first framework that recognises the function decides.
"""

from __future__ import annotations

from nodeward.source.frameworks.base import HandlerRoles
from nodeward.source.frameworks.express import is_registered_handler
from nodeward.source.frameworks.registry import FRAMEWORKS
from nodeward.source.parse import Node

__all__ = ["HandlerRoles", "handler_roles", "is_registered_handler"]


def handler_roles(func: Node, *, routed: bool = False) -> HandlerRoles | None:
    """The roles of `func`'s parameters; `routed` when the app model knows it handles a
    route."""
    for framework in FRAMEWORKS:
        roles = framework.handler_roles(func, routed=routed)
        if roles is not None:
            return roles
    return None
