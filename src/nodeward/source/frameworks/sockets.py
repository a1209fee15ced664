"""Socket.IO and `ws`: WebSocket message handlers as request handlers.

`io.on("connection", (socket) => socket.on("chat", (data, ack) => ...))` and
`wss.on("connection", (ws, req) => ws.on("message", (data) => ...))`: every parameter of a
Socket.IO event handler and the first parameter of a `ws` message handler hold what the
client sent, as request data. The `req` a `ws` connection callback receives is the HTTP
upgrade request (its headers, URL and cookies are request data).

A handler is recognised by its shape, without the file's imports: a function passed to
`<socket>.on("<event>", fn)` (or `once`, `addListener`) where `<socket>` is the first
parameter of a connection callback (`<server>.on("connection" | "connect", fn)`), or a
parameter named or typed as a socket; a listener passed by name (`socket.on("chat",
chat.onMessage)`) is found by taint/socket_listeners.py, in whichever module declares it.
Lifecycle events (`disconnect`, `error`, `close`,
...) carry no client data.

`socket.onAny((event, ...args) => ...)` hears every event (all its parameters are the
client's), `ws.addEventListener("message", (event) => ...)` and `ws.onmessage = (event) =>
...` a message event (`event.data`). A Socket.IO connection callback's and an `io.use((socket,
next) => ...)` middleware's socket carries the client's handshake (`socket.handshake.query`,
`.auth`, `.headers`: taint/handshakes.py).

These handlers register no route: `nodeward routes` does not list them, and the route
rules (authentication, rate limits, CSRF) do not judge them. `socket.emit`/`ws.send` add
no sink: what the client does with a message (render it as HTML or not) is not in the
server's code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source import syntax
from nodeward.source.context import Ref
from nodeward.source.frameworks.base import Defaults, Fixes, HandlerRoles
from nodeward.source.frameworks.express import type_text
from nodeward.source.frameworks.nest_gateways import gateway_roles
from nodeward.source.parse import Node

#: the methods referenced_listener accepts (taint/socket_listeners.py reads only calls of them)
LISTEN_METHODS = frozenset({"on", "once", "addListener", "prependListener", "addEventListener"})
#: Socket.IO listeners for every incoming event: `socket.onAny((event, ...args) => ...)`
_LISTEN_ANY = frozenset({"onAny", "prependAny"})
_CONNECTION_EVENTS = frozenset({"connection", "connect"})
#: Events the library emits itself, with no client payload.
_LIFECYCLE_EVENTS = frozenset(
    {
        "close",
        "connect",
        "connect_error",
        "connection",
        "disconnect",
        "disconnecting",
        "end",
        "error",
        "headers",
        "listening",
        "open",
        "ping",
        "pong",
        "unexpected-response",
        "upgrade",
        "wsClientError",
    }
)
_SOCKET_NAMES = frozenset({"socket", "ws", "websocket", "webSocket", "wsClient"})
_SOCKET_TYPE = re.compile(r"\b(Socket|WebSocket)\b")
_WS_MESSAGE = "message"


def _listener(func: Node) -> tuple[Node, str] | None:
    """`(receiver, event)` when `func` is the listener of `receiver.on("event", func)`."""
    args = func.parent
    call = args.parent if args is not None else None
    if args is None or args.type != "arguments" or call is None:
        return None
    arguments = syntax.call_arguments(call)
    if len(arguments) != 2 or arguments[1] != func:
        return None
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "member_expression":
        return None
    if syntax.text(callee.child_by_field_name("property")) not in LISTEN_METHODS:
        return None
    event = syntax.string_value(arguments[0])
    receiver = syntax.unwrap(callee.child_by_field_name("object"))
    if event is None or receiver is None:
        return None
    return receiver, event


def referenced_listener(call: Node) -> tuple[Node, str] | None:
    """`(listener, event)` for `socket.on("event", onEvent)` (or `chat.onEvent`), a
    listener named rather than written inline, on a socket, for an event with client data:
    the function it names, here or in another module, is a message handler."""
    callee = call.child_by_field_name("function")
    arguments = syntax.call_arguments(call)
    if callee is None or callee.type != "member_expression" or len(arguments) != 2:
        return None
    listener = syntax.unwrap(arguments[1])
    if listener is None or listener.type not in ("identifier", "member_expression"):
        return None
    if syntax.text(callee.child_by_field_name("property")) not in LISTEN_METHODS:
        return None
    event = syntax.string_value(arguments[0])
    receiver = syntax.unwrap(callee.child_by_field_name("object"))
    if event is None or event in _LIFECYCLE_EVENTS or receiver is None:
        return None
    return (listener, event) if _socket_param(receiver) is not None else None


def message_roles(func: Node, event: str) -> HandlerRoles | None:
    """The payload parameters of a listener for `event`: every parameter of a Socket.IO
    event (data, then the acknowledgement), the data of a `ws` message."""
    params = syntax.function_params(func)
    if not params:
        return None
    return HandlerRoles(messages=tuple(params[:1] if event == _WS_MESSAGE else params))


def _catch_all(func: Node) -> Node | None:
    """The receiver of `socket.onAny(func)`, or of `ws.onmessage = func`: listeners whose
    every parameter (the event name too) or whose message event the client sends."""
    parent = func.parent
    if parent is not None and parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        if parent.child_by_field_name("right") != func or left is None:
            return None
        if left.type != "member_expression":
            return None
        if syntax.text(left.child_by_field_name("property")) != "onmessage":
            return None
        return syntax.unwrap(left.child_by_field_name("object"))
    call = parent.parent if parent is not None and parent.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if callee is None or callee.type != "member_expression" or call is None:
        return None
    if syntax.text(callee.child_by_field_name("property")) not in _LISTEN_ANY:
        return None
    if syntax.call_arguments(call) != [func]:
        return None
    return syntax.unwrap(callee.child_by_field_name("object"))


def _catch_all_roles(func: Node) -> HandlerRoles | None:
    receiver = _catch_all(func)
    if receiver is None or _socket_param(receiver) is None:
        return None
    params = syntax.function_params(func)
    if func.parent is not None and func.parent.type == "assignment_expression":
        params = params[:1]  # `ws.onmessage = (event) => ...`: event.data
    return HandlerRoles(messages=tuple(params)) if params else None


def _is_connection_callback(func: Node) -> bool:
    found = _listener(func)
    return found is not None and found[1] in _CONNECTION_EVENTS


def _socket_param(receiver: Node) -> Node | None:
    """The parameter `receiver` names, when it is a connection callback's socket or a
    parameter named or typed as one."""
    if receiver.type != "identifier":
        return None
    name = syntax.text(receiver)
    for ancestor in syntax.ancestors(receiver):
        if ancestor.type not in syntax.FUNCTION_TYPES:
            continue
        params = syntax.function_params(ancestor)
        for index, param in enumerate(params):
            if syntax.param_name(param) != name:
                continue
            if index == 0 and _is_connection_callback(ancestor):
                return param
            if name in _SOCKET_NAMES or _SOCKET_TYPE.search(type_text(param)):
                return param
            return None
    return None


def _handshake_param(func: Node) -> tuple[Node, ...]:
    """The socket a connection callback or `io.use` middleware receives first."""
    return tuple(syntax.function_params(func)[:1])


def _is_middleware(func: Node) -> bool:
    """`io.use((socket, next) => ...)` (or a namespace's): Socket.IO middleware, which
    runs on each connection before its callback."""
    args = func.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    if call is None or callee is None or callee.type != "member_expression":
        return False
    if syntax.text(callee.child_by_field_name("property")) != "use":
        return False
    params = syntax.function_params(func)
    if syntax.call_arguments(call) != [func] or len(params) != 2:
        return False  # Koa's `(ctx, next)` is told apart by the name or type of the socket
    first = params[0]
    return syntax.param_name(first) in _SOCKET_NAMES or bool(_SOCKET_TYPE.search(type_text(first)))


def _connection_request(func: Node) -> str | None:
    """`wss.on("connection", (ws, req) => ...)`: the HTTP upgrade request's name."""
    params = syntax.function_params(func)
    if len(params) != 2 or not _is_connection_callback(func):
        return None
    return syntax.param_name(params[1])


class Sockets(Defaults):
    name = "sockets"
    label = "Socket.IO / ws"
    fixes = Fixes(
        rate_limit="limit the events a socket may send per second (socket.io-rate-limiter)",
        global_rate_limit="limit connections and events per client",
        csrf="check the Origin header in the handshake (allowRequest / verifyClient)",
        helmet="set the security headers on the HTTP server that upgrades the connection",
    )
    creations: Mapping[Ref, bool] = MappingProxyType({})
    modules = frozenset({"socket.io", "ws"})
    chains_registrations = False
    calls: frozenset[str] = frozenset()
    models = ""

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        """A message listener: its payload parameters are request data; a `ws`
        connection callback: its second parameter is the upgrade request; a NestJS
        gateway's `@SubscribeMessage` method (nest_gateways.py)."""
        gateway = gateway_roles(func)
        if gateway is not None:
            return gateway
        request = _connection_request(func)
        if request is not None:
            return HandlerRoles(request=request, handshakes=_handshake_param(func))
        if _is_connection_callback(func) or _is_middleware(func):
            return HandlerRoles(handshakes=_handshake_param(func))
        found = _listener(func)
        if found is None:
            return _catch_all_roles(func)
        if found[1] in _LIFECYCLE_EVENTS:
            return None
        receiver, event = found
        return message_roles(func, event) if _socket_param(receiver) is not None else None


SOCKETS = Sockets()
