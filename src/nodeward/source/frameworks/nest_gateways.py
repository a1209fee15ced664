"""NestJS WebSocket gateways (`@nestjs/websockets`, over Socket.IO or `ws`): a method of a
`@WebSocketGateway()` class decorated with `@SubscribeMessage("event")` handles a client's
message. Its `@MessageBody()` parameters hold what the client sent; without parameter
decorators Nest passes the socket first and the message second (`handle(client, data)`);
a `@ConnectedSocket()` parameter is the socket, not data."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.decorators import (
    class_decorators,
    class_of,
    decorators,
    method_decorators,
    own_decorator_nodes,
)
from nodeward.source.frameworks.base import HandlerRoles
from nodeward.source.parse import Node

_GATEWAY = "WebSocketGateway"
_SUBSCRIBE = "SubscribeMessage"
_BODY = "MessageBody"
#: parameter decorators that inject something other than the message
_NOT_DATA = frozenset({"ConnectedSocket", "WsException"})


def gateway_roles(func: Node) -> HandlerRoles | None:
    """The message parameters of a gateway's `@SubscribeMessage` method."""
    if func.type != "method_definition":
        return None
    if not any(d.name == _SUBSCRIBE for d in method_decorators(func)):
        return None
    cls = class_of(func)
    if cls is None or not any(d.name == _GATEWAY for d in class_decorators(cls)):
        return None
    params = syntax.function_params(func)
    named = [{d.name for d in decorators(own_decorator_nodes(p))} for p in params]
    if any(named):
        messages = tuple(p for p, names in zip(params, named, strict=True) if _BODY in names)
    else:  # `handle(client, data)`
        messages = tuple(params[1:2])
    if not messages:
        return None
    return HandlerRoles(messages=messages)
