"""The registry of web frameworks (one module each, behind base.Framework).

`FRAMEWORKS` is the registry both the route table and the taint engine iterate over.
Order matters where two frameworks could claim the same thing: the frameworks that
recognise a handler or a registration by a specific shape come first (decorated
controller methods, Hapi's `(request, h)` and route objects, Koa's context, GraphQL
endpoints), Express's generic `(req, res)` shape last.
"""

from __future__ import annotations

from nodeward.source.context import Ref
from nodeward.source.frameworks.base import Fixes, Framework, HandlerRoles
from nodeward.source.frameworks.express import EXPRESS
from nodeward.source.frameworks.fastify import FASTIFY
from nodeward.source.frameworks.graphql import GRAPHQL
from nodeward.source.frameworks.hapi import HAPI
from nodeward.source.frameworks.koa import KOA
from nodeward.source.frameworks.nestjs import NESTJS
from nodeward.source.frameworks.routing_controllers import ROUTING_CONTROLLERS
from nodeward.source.frameworks.rpc import RPC
from nodeward.source.frameworks.sockets import SOCKETS

FRAMEWORKS: tuple[Framework, ...] = (
    ROUTING_CONTROLLERS,
    NESTJS,
    HAPI,
    KOA,
    GRAPHQL,
    FASTIFY,
    SOCKETS,
    RPC,
    EXPRESS,
)

#: access path of a creation call -> (framework, whether it makes an app)
CREATIONS: dict[Ref, tuple[Framework, bool]] = {
    ref: (framework, is_app)
    for framework in FRAMEWORKS
    for ref, is_app in framework.creations.items()
}
#: framework name -> framework
BY_NAME: dict[str, Framework] = {framework.name: framework for framework in FRAMEWORKS}
MODULES = frozenset(module for framework in FRAMEWORKS for module in framework.modules)

__all__ = [
    "BY_NAME",
    "CREATIONS",
    "EXPRESS",
    "FASTIFY",
    "FRAMEWORKS",
    "GRAPHQL",
    "HAPI",
    "KOA",
    "MODULES",
    "NESTJS",
    "ROUTING_CONTROLLERS",
    "RPC",
    "SOCKETS",
    "Fixes",
    "Framework",
    "HandlerRoles",
]
