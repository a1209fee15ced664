"""Socket message handlers passed by name: `socket.on("chat", onChat)`,
`ws.on("message", handlers.onMessage)`, `socket.on("lookup", controller.lookup)`. The
function the name resolves to (declared here, imported from another module, or a method
of an instance) holds client data in its payload parameters, as an inline listener does
(frameworks/sockets.py); found in one pass over each file's calls."""

from __future__ import annotations

from nodeward.source.appmodel.resolve import Resolver
from nodeward.source.context import FileContext
from nodeward.source.frameworks.base import HandlerRoles
from nodeward.source.frameworks.sockets import LISTEN_METHODS, message_roles, referenced_listener
from nodeward.source.modules import ModuleGraph

#: (file, start byte) of a listener function -> its parameters' roles
SocketListeners = dict[tuple[str, int], HandlerRoles]


def socket_listeners(files: list[FileContext], graph: ModuleGraph) -> SocketListeners:
    """The project's socket message listeners that are passed by name."""
    found: SocketListeners = {}
    resolver: Resolver | None = None
    for ctx in files:
        # referenced_listener accepts only `x.m(...)` with `m` one of LISTEN_METHODS: the
        # call index files each such call under `m` (in document order)
        for call in ctx.call_index.calls_named(LISTEN_METHODS):
            listener = referenced_listener(call)
            if listener is None:
                continue
            resolver = resolver or Resolver(graph)
            target = resolver.function(ctx, listener[0])
            roles = message_roles(target[1], listener[1]) if target is not None else None
            if target is not None and roles is not None:
                found.setdefault((target[0].rel, target[1].start_byte), roles)
    return found
