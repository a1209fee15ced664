"""The calls of one file, indexed once for every rule that asks for a few of them.

Most rules look for a handful of calls (`res.cookie(...)`, `helmet(...)`, `x.listen()`).
Asking each call of the file whether it is one of them costs every rule a decode of every
callee; these indexes file each call once under its method name, its callee's last name
and its callee's module, so a rule reads only the calls it may report on.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.parse import Node

if TYPE_CHECKING:
    from nodeward.source.context import FileContext, Ref

#: (call, receiver, method name) of a `receiver.method(...)` call
MethodCall = tuple[Node, Node, str]


class CallIndex:
    """Built by FileContext.call_index on first use; each table on its first question."""

    def __init__(self, ctx: FileContext) -> None:
        self._ctx = ctx
        self._method_starts: dict[str, array[int]] = {}

    def method_calls(self, methods: Collection[str], scope: Node | None = None) -> list[MethodCall]:
        """(call, receiver, method) for each `receiver.method(...)` call (not `new`) whose
        method is one of `methods`, in document order (an outer call before the call it
        chains on); with `scope`, only the calls inside it, as FileContext.within() finds
        them. express.method_call() reads the same two fields of the same calls."""
        index = self._tables[0]
        found: list[MethodCall] = []
        for method in methods:
            calls = index.get(method, [])
            if scope is not None and calls:
                # the calls that start inside the scope, found by bisection: a rule asks
                # once per handler or catch block, and a scan of the whole list each time
                # is quadratic in a file with hundreds of routes
                starts = self._starts(method, calls)
                first = bisect_left(starts, scope.start_byte)
                last = bisect_right(starts, scope.end_byte)
                calls = [call for call in calls[first:last] if _in_scope(call, scope)]
            # the receiver only of the calls asked for: most calls are never asked
            found += [
                (call, receiver, method)
                for call in calls
                if (receiver := _receiver(call)) is not None
            ]
        if len(methods) > 1:
            found.sort(key=lambda entry: (entry[0].start_byte, -entry[0].end_byte))
        return found

    def _starts(self, method: str, calls: list[Node]) -> array[int]:
        """The start bytes of the `x.method(...)` calls (non-decreasing: document order)."""
        found = self._method_starts.get(method)
        if found is None:
            found = self._method_starts[method] = array("q", (c.start_byte for c in calls))
        return found

    def calls_named(self, names: Collection[str]) -> list[Node]:
        """The calls and `new` expressions whose callee, as FileContext.callee_name()
        spells it, ends in a segment of `names` (`a.b.register` for "register"), in
        document order. A superset of the calls whose callee_name() ends with `.name` or
        equals it: callee_name() is that dotted chain, whose last segment is filed here."""
        index = self._tables[1]
        found = [call for name in names for call in index.get(name, ())]
        if len(names) > 1:
            found.sort(key=lambda call: (call.start_byte, -call.end_byte))
        return found

    def calls_ending(self, suffix: str) -> list[Node]:
        """calls_named() of the names that end with `suffix`: a superset of the calls
        whose callee_name() ends with it, when `suffix` holds no dot."""
        return self.calls_named([name for name in self._tables[1] if name.endswith(suffix)])

    @cached_property
    def _tables(self) -> tuple[dict[str, list[Node]], dict[str, list[Node]]]:
        """(method -> `x.method(...)` calls, callee's last name -> calls), filled in one
        pass: a method call's method is its callee's last name, decoded once for both."""
        by_method: dict[str, list[Node]] = defaultdict(list)
        by_name: dict[str, list[Node]] = defaultdict(list)
        # names are sliced from the bytes the parser saw (what syntax.text() decodes,
        # without asking each node for its text: a third of this table's cost)
        source = self._ctx.parsed.text.source
        for call in self._ctx.calls:  # document order, an outer call first
            if call.type != "call_expression":
                fn = call.child_by_field_name("constructor")
            else:
                fn = call.child_by_field_name("function")
                if fn is not None and fn.type == "member_expression":
                    prop = fn.child_by_field_name("property")
                    if prop is not None:
                        method = _decoded(source, prop)
                        by_method[method].append(call)
                        by_name[method].append(call)
                        continue
            name = _last_name(source, syntax.unwrap(fn))
            if name is not None:
                by_name[name].append(call)
        return by_method, by_name

    def calls_into(self, modules: Collection[str]) -> list[tuple[Node, Ref]]:
        """(call, callee) for each call or `new` whose callee (FileContext.callee) is an
        access path into one of `modules`, in document order. Every access path starts at
        a module the file imports, so a file that imports none of them resolves no callee."""
        if not any(module in self._ctx.imported_modules() for module in modules):
            return []
        return [(call, ref) for call, ref in self._resolved if ref.module in modules]

    @cached_property
    def _resolved(self) -> list[tuple[Node, Ref]]:
        ctx = self._ctx
        return [(call, ref) for call in ctx.calls if (ref := ctx.callee(call)) is not None]


def in_document_order(*groups: Iterable[Node]) -> list[Node]:
    """The calls of `groups`, each once, in document order (an outer call first)."""
    unique = {call.id: call for group in groups for call in group}
    return sorted(unique.values(), key=lambda call: (call.start_byte, -call.end_byte))


def _receiver(call: Node) -> Node | None:
    """The object of a method call's callee (a member expression: _tables filed it)."""
    fn = call.child_by_field_name("function")
    return fn.child_by_field_name("object") if fn is not None else None


def _decoded(source: bytes, node: Node) -> str:
    """syntax.text(node), read from the file's bytes."""
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _last_name(source: bytes, fn: Node | None) -> str | None:
    """The last segment of syntax.member_chain(fn) when it may have one (its other
    segments are not checked: calls_named() is a superset)."""
    if fn is None:
        return None
    match fn.type:
        case "identifier" | "this" | "super":
            return _decoded(source, fn)
        case "member_expression":
            prop = fn.child_by_field_name("property")
            return "" if prop is None else _decoded(source, prop)
        case "subscript_expression":
            return syntax.string_value(fn.child_by_field_name("index"))
        case _:
            return None


def _in_scope(node: Node, scope: Node) -> bool:
    """Whether FileContext.within(scope, node.type) holds `node`."""
    start, end = scope.start_byte, scope.end_byte
    if node.start_byte < start or node.end_byte > end:
        return False
    if node.start_byte == start and node.end_byte == end:
        return node == scope or any(a == scope for a in syntax.ancestors(node))
    if node.start_byte == node.end_byte and node.start_byte in (start, end):
        return any(a == scope for a in syntax.ancestors(node))
    return True
