"""Event emitters: `bus.emit("job", req.body.cmd)` in a handler runs every listener
registered with `bus.on("job", (cmd) => exec(cmd))`, in the same file or in another module
that imports the same emitter, with the emitted values as its parameters.

An emitter is known by where it is created (`new EventEmitter()`, `new Jobs()` of a
subclass, a factory call), so two emitters that share an event name stay apart; a receiver
that cannot be traced to its creation joins nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node

#: methods that register a listener for an event
LISTEN_METHODS = frozenset({"on", "once", "addListener", "prependListener", "prependOnceListener"})
#: values that create an emitter: the place they are written is the emitter's identity
_CREATIONS = frozenset({"new_expression", "call_expression"})

Identity = tuple[str, int]
Listener = tuple[FileContext, Node]


@dataclass
class Listeners:
    """The listener functions of the project, by emitter and event, indexed on first use."""

    files: list[FileContext]
    graph: ModuleGraph
    _index: dict[tuple[Identity, str], list[Listener]] | None = field(default=None)

    def of(self, ctx: FileContext, call: Node) -> list[Listener]:
        """The listeners an `emitter.emit("event", ...)` call runs."""
        fn = call.child_by_field_name("function")
        args = syntax.call_arguments(call)
        event = syntax.string_value(args[0]) if args else None
        receiver = fn.child_by_field_name("object") if fn is not None else None
        if event is None or receiver is None:
            return []
        identity = emitter_identity(self.graph, ctx, receiver)
        if identity is None:
            return []
        if self._index is None:
            self._index = self._build()
        return self._index.get((identity, event), [])

    def _build(self) -> dict[tuple[Identity, str], list[Listener]]:
        index: dict[tuple[Identity, str], list[Listener]] = {}
        for ctx in self.files:
            for call in ctx.calls:
                fn = call.child_by_field_name("function")
                if fn is None or fn.type != "member_expression":
                    continue
                if syntax.text(fn.child_by_field_name("property")) not in LISTEN_METHODS:
                    continue
                args = syntax.call_arguments(call)
                event = syntax.string_value(args[0]) if len(args) >= 2 else None
                listener = syntax.unwrap(ctx.value_of(args[1])) if event is not None else None
                if listener is None or listener.type not in syntax.FUNCTION_TYPES:
                    continue
                receiver = fn.child_by_field_name("object")
                identity = emitter_identity(self.graph, ctx, receiver)
                if identity is not None and event is not None:
                    index.setdefault((identity, event), []).append((ctx, listener))
        return index


def emitter_identity(
    graph: ModuleGraph, ctx: FileContext, receiver: Node | None
) -> Identity | None:
    """Where the emitter `receiver` names was created: a local variable's initialiser, or
    the export of a project module it was imported from."""
    value = syntax.unwrap(ctx.value_of(receiver))
    if value is not None and value.type in _CREATIONS and not _is_require(value):
        return ctx.rel, value.start_byte
    ref = ctx.ref_of(receiver)
    if ref is None or not ref.module.startswith("."):
        return None
    target = graph.resolve(ctx.rel, ref.module)
    if target is None or len(ref.path) > 1:
        return None
    resolved = graph.lookup(target, ref.path[0] if ref.path else "default")
    if resolved is None:
        return None
    created = syntax.unwrap(resolved.ctx.value_of(resolved.node))
    if created is None or created.type not in _CREATIONS or _is_require(created):
        return None
    return resolved.ctx.rel, created.start_byte


def _is_require(node: Node) -> bool:
    fn = node.child_by_field_name("function")
    return fn is not None and syntax.text(fn) in ("require", "import")
