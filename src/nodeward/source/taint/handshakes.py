"""The handshake of a Socket.IO connection: what the client sent when it connected, read as
`socket.handshake.query.room`, `socket.handshake.auth.token` or
`socket.handshake.headers["x-forwarded-for"]` in a connection callback or an `io.use`
middleware (frameworks/sockets.py names those sockets). Only these reads are sources: the
rest of the socket (`socket.id`, fields the app stores on it) is the server's, so the
socket itself carries no taint into the helpers it is handed to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.context import CALL
from nodeward.source.parse import Node
from nodeward.source.taint.values import Source, Taint, Trace

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

#: the handshake's parts the client writes
_PARTS = frozenset({"query", "auth", "headers"})


def handshake_source(
    fa: FunctionAnalysis, base: Node, steps: tuple[str, ...], node: Node
) -> Taint | None:
    """`socket.handshake.<part>[.field]` of a socket whose handshake is the client's."""
    name = syntax.text(base)
    if name not in fa.handshakes or len(steps) < 2:
        return None
    if steps[0] != "handshake" or steps[1] not in _PARTS or CALL in steps:
        return None
    described = ".".join([name, *steps])
    location = fa.ctx.location(node)
    trace = Trace(
        origin=Source(described, location),
        steps=(FlowStep(location, f"request data: {described} (Socket.IO handshake)"),),
        whole=len(steps) == 2,
    )
    return frozenset({trace})
