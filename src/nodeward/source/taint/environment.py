"""The server's own state as a secret-holding value: `process.env` holds every environment
variable (database passwords, API keys, signing secrets). Sent to the client whole it is
data exposure (NW630), like a database record with secret fields; one variable read from
it (`process.env.PORT`) is not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.scopes import MODULE
from nodeward.source.taint.values import OriginKind, Source, Taint, Trace

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

#: Member paths of `process` that hold secrets as a whole, and how messages name them.
_SECRET_STATE: dict[tuple[str, ...], str] = {
    ("env",): "process.env (every environment variable, secrets included)"
}
_PROCESS_MODULES = frozenset({"process", "node:process"})
#: The fix a message names when what leaks is the environment, not a record.
ENVIRONMENT_FIX = (
    "Send only the values the client needs (`{ version: process.env.APP_VERSION }`), "
    "never process.env itself"
)


def from_environment(source: Source) -> bool:
    return source.kind is OriginKind.RECORD and source.description in _SECRET_STATE.values()


def _is_process(fa: FunctionAnalysis, base: Node) -> bool:
    """The global `process`, or `require("process")` / `import process from "node:process"`;
    not a local variable or parameter that happens to be called `process`."""
    if base.type != "identifier":
        return False
    ref = fa.ctx.ref_of(base)
    if ref is not None:
        return ref.module in _PROCESS_MODULES and not ref.path
    if syntax.text(base) != "process":
        return False
    return fa.ctx.scope_of("process", base) == MODULE and fa.ctx.binding(base) is None


def environment_source(
    fa: FunctionAnalysis, base: Node, steps: tuple[str, ...], node: Node
) -> Taint | None:
    described = _SECRET_STATE.get(steps)
    if described is None or fa.client or not _is_process(fa, base):
        return None
    location = fa.ctx.location(node)
    trace = Trace(
        origin=Source(described, location, OriginKind.RECORD),
        steps=(FlowStep(location, f"server state: {described}"),),
    )
    return frozenset({trace})
