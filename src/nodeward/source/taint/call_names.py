"""The calls of each file under the last name of their callee, found in one pass.

Four project-wide passes asked the same question of every call of every file: whether its
callee ends in a given name (records.py's model declarations, plain_storage.py's defined
stores, socket_listeners.py's `socket.on(event, listener)`, function_values.py's calls of a
factory by name). On a dependency tree that is ~150,000 calls, each read three to four
times; the index reads each once and answers each question with a few dictionary lookups.

Each answer lists the same calls, in the same (document) order, as the test it replaces
applied to `ctx.calls`: `ending` holds exactly the calls records.may_end_in accepts for a
name (any callee `a.b.m`, `new a.m`, `m`, `this`, `super`, by its last name), plus the
subscript callees it accepts for every name; `named` holds exactly the calls
function_values indexed (a plain call whose callee, unwrapped, is an identifier or a
member with a `property_identifier`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node


@dataclass
class FileCalls:
    """One file's calls (positions in `ctx.calls`) by the last name of their callee."""

    calls: list[Node]
    ending: dict[str, list[int]] = field(default_factory=dict)
    subscripts: list[int] = field(default_factory=list)  # `a[k](...)`: any name
    named: dict[str, list[int]] = field(default_factory=dict)

    def ending_in(self, names: Iterable[str]) -> list[Node]:
        """The calls records.may_end_in(call, names) accepts, in document order."""
        found = list(self.subscripts)
        for name in names:
            found += self.ending.get(name, ())
        return [self.calls[i] for i in sorted(found)]

    def named_calls(self, name: str) -> list[Node]:
        """The plain calls of `name` or `x.name`, in document order."""
        return [self.calls[i] for i in self.named.get(name, ())]


def _file_calls(ctx: FileContext) -> FileCalls:
    calls = ctx.calls
    index = FileCalls(calls)
    ending, named = index.ending, index.named
    for position, call in enumerate(calls):
        written = call.child_by_field_name("function")
        plain = written is not None
        fn = syntax.unwrap(written if plain else call.child_by_field_name("constructor"))
        if fn is None:
            continue
        kind = fn.type
        if kind == "member_expression":
            prop = fn.child_by_field_name("property")
            name = syntax.text(prop)
            ending.setdefault(name, []).append(position)
            if plain and prop is not None and prop.type == "property_identifier":
                named.setdefault(name, []).append(position)
        elif kind in ("identifier", "this", "super"):
            name = syntax.text(fn)
            ending.setdefault(name, []).append(position)
            if plain and kind == "identifier":
                named.setdefault(name, []).append(position)
        elif kind == "subscript_expression":
            index.subscripts.append(position)
    return index


@dataclass
class CallNames:
    """FileCalls per file, built on first use (one per scan, shared by the engine and the
    passes that run before it)."""

    _files: dict[str, FileCalls] = field(default_factory=dict)

    def of(self, ctx: FileContext) -> FileCalls:
        found = self._files.get(ctx.rel)
        if found is None or found.calls is not ctx.calls:
            found = self._files[ctx.rel] = _file_calls(ctx)
        return found
