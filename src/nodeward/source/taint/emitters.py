"""Event emitters: `bus.emit("job", req.body.cmd)` in a handler runs every listener
registered with `bus.on("job", (cmd) => exec(cmd))` (or `bus.on("job", jobs.run)`, a
function declared elsewhere), in the same file or in another module that imports the same
emitter, with the emitted values as its parameters.

An emitter is known by where it is created (`new EventEmitter()`, `new Jobs()` of a
subclass, a factory call), so two emitters that share an event name stay apart; a receiver
that cannot be traced to its creation joins nothing. A class extending EventEmitter emits
and listens on `this` too: `this.emit("run", cmd)` in its methods runs the listeners its
constructor adds with `this.on` and those added on any of its instances (`queue.on`), and
`queue.emit` runs the `this.on` listeners of queue's class as well as queue's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from nodeward.source import syntax
from nodeward.source.appmodel.resolve import Resolver
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.taint.methods import class_of

#: methods that register a listener for an event
LISTEN_METHODS = frozenset({"on", "once", "addListener", "prependListener", "prependOnceListener"})
#: values that create an emitter: the place they are written is the emitter's identity
_CREATIONS = frozenset({"new_expression", "call_expression"})

#: Functions that give `this` a value of their own: `this` inside them is not the class's.
_OWN_THIS = frozenset({"function_declaration", "function_expression", "function"})

#: (what, file, byte): "new" an emitter created at that place, "this" the listeners a class
#: adds on itself, "any" the listeners added on any instance of that class
Identity = tuple[str, str, int]
Listener = tuple[FileContext, Node]


@dataclass
class Listeners:
    """The listener functions of the project, by emitter and event, indexed on first use."""

    files: list[FileContext]
    graph: ModuleGraph
    _index: dict[tuple[Identity, str], list[Listener]] | None = field(default=None)
    _resolver: Resolver | None = field(default=None)

    def of(self, ctx: FileContext, call: Node) -> list[Listener]:
        """The listeners an `emitter.emit("event", ...)` call runs."""
        fn = call.child_by_field_name("function")
        args = syntax.call_arguments(call)
        event = syntax.string_value(args[0]) if args else None
        receiver = fn.child_by_field_name("object") if fn is not None else None
        if event is None or receiver is None:
            return []
        identities = emitted_on(self.graph, ctx, receiver)
        if not identities:
            return []
        if self._index is None:
            self._index = self._build()
        return [found for i in identities for found in self._index.get((i, event), [])]

    def _function(self, ctx: FileContext, node: Node) -> Listener | None:
        """The listener function: written inline, or named (`bus.on("job", runJob)`,
        `bus.on("job", jobs.run)`) and declared here or in another module."""
        inline = syntax.unwrap(ctx.value_of(node))
        if inline is not None and inline.type in syntax.FUNCTION_TYPES:
            return ctx, inline
        if node.type not in ("identifier", "member_expression"):
            return None
        self._resolver = self._resolver or Resolver(self.graph)
        found = self._resolver.function(ctx, node)
        return found if found is not None and found[1].type in syntax.FUNCTION_TYPES else None

    def _build(self) -> dict[tuple[Identity, str], list[Listener]]:
        index: dict[tuple[Identity, str], list[Listener]] = {}
        for ctx in self.files:
            # the `x.on(...)` calls by method name (CallIndex), in document order
            for call, receiver, _method in ctx.call_index.method_calls(LISTEN_METHODS):
                args = syntax.call_arguments(call)
                event = syntax.string_value(args[0]) if len(args) >= 2 else None
                listener = self._function(ctx, args[1]) if event is not None else None
                if listener is None or event is None:
                    continue
                for identity in listened_on(self.graph, ctx, receiver):
                    index.setdefault((identity, event), []).append(listener)
        return index


def listened_on(graph: ModuleGraph, ctx: FileContext, receiver: Node | None) -> list[Identity]:
    """The identities a listener added on `receiver` is filed under."""
    cls = _this_class(receiver)
    if cls is not None:  # `this.on(...)` in a class
        return [("this", ctx.rel, cls.start_byte)]
    created = _creation(graph, ctx, receiver)
    if created is None:
        return []
    found = [_created(*created)]
    of_class = _instance_class(graph, *created)
    return [*found, ("any", *of_class)] if of_class is not None else found


def emitted_on(graph: ModuleGraph, ctx: FileContext, receiver: Node | None) -> list[Identity]:
    """The identities whose listeners an `emit` on `receiver` runs."""
    cls = _this_class(receiver)
    if cls is not None:  # `this.emit(...)`: the class's own listeners and its instances'
        return [("this", ctx.rel, cls.start_byte), ("any", ctx.rel, cls.start_byte)]
    created = _creation(graph, ctx, receiver)
    if created is None:
        return []
    found = [_created(*created)]
    of_class = _instance_class(graph, *created)
    return [*found, ("this", *of_class)] if of_class is not None else found


def _created(ctx: FileContext, node: Node) -> Identity:
    return "new", ctx.rel, node.start_byte


def _this_class(receiver: Node | None) -> Node | None:
    """The class whose instance `this` is, for a `this` receiver inside one of its methods
    (arrow functions keep the method's `this`)."""
    if receiver is None or receiver.type != "this":
        return None
    for parent in syntax.ancestors(receiver):
        if parent.type in _OWN_THIS:
            return None
        if parent.type in syntax.CLASS_TYPES:
            return parent
    return None


def _instance_class(graph: ModuleGraph, ctx: FileContext, created: Node) -> tuple[str, int] | None:
    """The project class a `new Jobs()` creation makes an instance of."""
    if created.type != "new_expression":
        return None
    constructor = syntax.unwrap(created.child_by_field_name("constructor"))
    if constructor is None or constructor.type != "identifier":
        return None
    found = class_of(graph, ctx, constructor)
    return (found[0].rel, found[1].start_byte) if found is not None else None


def _creation(
    graph: ModuleGraph, ctx: FileContext, receiver: Node | None
) -> tuple[FileContext, Node] | None:
    """Where the emitter `receiver` names was created: a local variable's initialiser, or
    the export of a project module it was imported from."""
    value = syntax.unwrap(ctx.value_of(receiver))
    if value is not None and value.type in _CREATIONS and not _is_require(value):
        return ctx, value
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
    return resolved.ctx, created


def _is_require(node: Node) -> bool:
    fn = node.child_by_field_name("function")
    return fn is not None and syntax.text(fn) in ("require", "import")
