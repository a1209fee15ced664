"""Function values that reach a call through data rather than through a name.

A call whose callee is a loop variable or a callback parameter bound to the elements of a
table (`for (const r of routes) r.handler(x)`, `routes.forEach(({ sink }) => sink(x))`,
`_.forEach(table, (fn) => fn(x))`, `Object.entries(table).forEach(([name, fn]) => ...)`),
or a parameter a factory's closure captures (`const make = (sink) => (req, res) =>
sink(req.body.x)`, with `make(runCommand)` written anywhere in the project), may reach
every function stored in that data: the union over the table's elements, or over the
factory's call sites. Tables may be assembled from module exports with spreads,
`Object.assign` or `reduce` (`{ ...require("./cmd"), ...require("./sql") }`).

The answer over-approximates (every element, every call site) and is bounded: at most
MAX_HOPS resolution steps and MAX_TARGETS functions per call, beyond which the call is
reported as cut short. A function the route table calls a handler is left out: it is
analysed as a handler of its own, and a wrapper that calls it (`wrap(show)`) adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.loop_bindings import (
    Element,
    binding_scope,
    declares,
    pick,
    walked_table,
)
from nodeward.source.modules import DEFAULT
from nodeward.source.parse import Node
from nodeward.source.scopes import MODULE
from nodeward.source.taint import tables
from nodeward.source.taint.importers import Importers

if TYPE_CHECKING:
    from nodeward.source.taint.engine import TaintEngine

#: Functions one call may reach through data; more are cut (and the call reported).
MAX_TARGETS = 64
#: Resolution steps (a variable, a field, an element, a call site) followed from a callee.
MAX_HOPS = 8
#: Candidate values kept per step: a guard against tables of tables fanning out.
_MAX_VALUES = 4 * MAX_TARGETS

#: Calls whose result holds the elements of their receiver (or of their arguments).
_KEEPING_METHODS = frozenset({"filter", "slice", "concat", "reverse", "sort", "flat"})

#: Resolution steps for one call, whatever the shape of the tables (spreads of spreads).
_MAX_STEPS = 2048

Found = tuple[FileContext, Node]


class _Exhausted(Exception):
    """The resolution of one call took more than _MAX_STEPS steps."""


def _unique(elements: list[Element]) -> list[Element]:
    seen: set[tuple[str, int, bool]] = set()
    found = []
    for element in elements:
        key = (element.ctx.rel, element.node.id, element.keyed)
        if key not in seen:
            seen.add(key)
            found.append(element)
    return found


@dataclass
class FunctionValues:
    """Resolves callees bound through data; one per engine (call sites memoise it)."""

    engine: TaintEngine
    importers: Importers = field(init=False)
    _sites: dict[tuple[str, int], list[tuple[FileContext, Node]]] = field(default_factory=dict)
    _bound: dict[tuple[str, str, int, bool, int], list[Found]] = field(default_factory=dict)
    _steps: int = 0  # resolution steps of the current call (at most _MAX_STEPS)

    def __post_init__(self) -> None:
        self.importers = Importers(self.engine.files, self.engine.graph)

    def with_table(
        self, listed: tuple[Found, ...], ctx: FileContext, call: Node
    ) -> tuple[Found, ...]:
        """The functions tables.py lists for a call through a table, with those only this
        module finds (spread members, elements past that module's bound), at most
        MAX_TARGETS."""
        found = list(listed)
        found += [f for f in self.targets(ctx, call) if f not in found]
        return tuple(found[:MAX_TARGETS])

    def targets(self, ctx: FileContext, call: Node) -> tuple[Found, ...]:
        """The functions a call may reach through data (none when its callee names no
        data-bound value)."""
        callee = syntax.unwrap(call.child_by_field_name("function"))
        if callee is None or callee.type not in (
            "identifier",
            "member_expression",
            "subscript_expression",
        ):
            return ()
        self._steps = 0
        try:
            values = self._values(ctx, callee, 0)
        except _Exhausted:
            self.engine.skip(ctx, call, f"a call through data needs over {_MAX_STEPS} steps")
            return ()
        if [v for _c, v in values] == [callee]:
            return ()  # nothing bound through data: the call resolvers already answered
        found: list[Found] = []
        for value_ctx, value in values:
            function = tables.function_of(self.engine, value_ctx, value)
            if function is not None and function not in found and not self.engine.routed(*function):
                found.append(function)
        if len(found) > MAX_TARGETS:
            self.engine.skip(ctx, call, f"a call through data reaches over {MAX_TARGETS} functions")
        return tuple(found[:MAX_TARGETS])

    def _values(self, ctx: FileContext, expr: Node | None, hops: int) -> list[Found]:
        """The expressions `expr` may evaluate to, following variables, fields, table
        elements and factory parameters; `expr` itself when nothing is known."""
        expr = syntax.unwrap(expr)
        if expr is None:
            return []
        if hops >= MAX_HOPS:
            return [(ctx, expr)]
        self._step()
        found: list[Found] = []
        if expr.type == "identifier":
            found = self._identifier(ctx, expr, hops)
        elif expr.type == "member_expression":
            prop = syntax.text(expr.child_by_field_name("property"))
            for obj_ctx, obj in self._values(ctx, expr.child_by_field_name("object"), hops + 1):
                record = syntax.unwrap(obj_ctx.value_of(obj))
                stored = syntax.object_get(record, prop) if record is not None else None
                if stored is not None:
                    found += self._values(obj_ctx, stored, hops + 1)
                if len(found) > _MAX_VALUES:
                    break
        elif expr.type == "subscript_expression":
            for element in self._elements(ctx, expr.child_by_field_name("object"), hops + 1):
                found += self._values(element.ctx, element.node, hops + 1)
                if len(found) > _MAX_VALUES:
                    break
        return found[:_MAX_VALUES] or [(ctx, expr)]

    def _identifier(self, ctx: FileContext, ident: Node, hops: int) -> list[Found]:
        """A name bound by a for-of loop, an iteration callback's or a factory's
        parameter, or a `const` initialised from data."""
        name = syntax.text(ident)
        scope_start = ctx.scope_of(name, ident)
        # what a name is bound to depends on its declaration (and on whether it is read
        # in a closure of the declaring function), not on the use: callers read `res`,
        # `db` or `models` at every call
        enclosing = ctx.enclosing_function(ident) if scope_start != MODULE else None
        closure = enclosing is None or enclosing.start_byte != scope_start
        key = (ctx.rel, name, scope_start, closure, hops)
        cached = self._bound.get(key)
        if cached is None:
            scope = binding_scope(ident, scope_start) if scope_start != MODULE else None
            cached = self._bound[key] = self._bound_values(ctx, ident, scope, hops)
        return cached

    def _bound_values(
        self, ctx: FileContext, ident: Node, scope: Node | None, hops: int
    ) -> list[Found]:
        name = syntax.text(ident)
        picked: list[Found] | None = None
        if scope is not None and scope.type == "for_in_statement":
            if syntax.text(scope.child_by_field_name("operator")) != "of":
                return []  # `for (k in t)`: a key, never a function
            picked = []
            for element in self._elements(ctx, scope.child_by_field_name("right"), hops + 1):
                picked += pick(scope.child_by_field_name("left"), name, element)
        elif scope is not None and scope.type in syntax.FUNCTION_TYPES:
            picked = self._parameter(ctx, scope, ident, hops)
        if picked is None:  # a `const`/`let`/`var` initialised from data, or an import
            picked = self._declared(ctx, ident)
        found: list[Found] = []
        for value_ctx, value in picked[:_MAX_VALUES]:
            found += self._values(value_ctx, value, hops + 1)
            if len(found) > _MAX_VALUES:
                break
        return found[:_MAX_VALUES]

    def _declared(self, ctx: FileContext, ident: Node) -> list[Found]:
        bound = ctx.binding(ident)
        if bound is not None and syntax.unwrap(bound) != ident:
            return [(ctx, bound)]
        resolved = self.engine.graph.resolve_import(ctx, ident) if bound is None else None
        return [(resolved.ctx, resolved.node)] if resolved is not None else []

    def _parameter(
        self, ctx: FileContext, func: Node, ident: Node, hops: int
    ) -> list[Found] | None:
        """What a parameter is bound to: each element of the table an iteration callback
        walks, or the argument of each call of a factory whose closure reads it (None: a
        `var` of the function, no parameter)."""
        name = syntax.text(ident)
        params = syntax.function_params(func)
        index = next((i for i, p in enumerate(params) if declares(p, name)), None)
        if index is None:
            return None
        walked = walked_table(ctx, func)
        if walked is not None:
            table, element_index = walked
            if index != element_index:
                return []
            found: list[Found] = []
            for element in self._elements(ctx, table, hops + 1):
                found += pick(params[index], name, element)
            return found
        if ctx.enclosing_function(ident) == func:
            return []  # a callback the function itself calls: callbacks.py summarises it
        if self.engine.handler_roles(ctx, func) is not None:
            return []  # a request handler's `req`, `res`, `next`: the framework passes them
        found = []
        for site_ctx, site in self._call_sites(ctx, func)[:_MAX_VALUES]:
            args = syntax.call_arguments(site)
            if index < len(args):
                found += pick(params[index], name, Element(site_ctx, args[index]))
        return found

    def _elements(self, ctx: FileContext, table: Node | None, hops: int) -> list[Element]:
        """The values stored in a table expression: an object's, array's or Map's
        entries (spreads included), a module's exports, and what `Object.values`,
        `Object.entries`, `Object.assign`, `reduce` and copying methods make of them."""
        if hops >= MAX_HOPS:
            return []
        self._step()
        found: list[Element] = []
        for value_ctx, value in self._values(ctx, table, hops + 1):
            node = syntax.unwrap(value_ctx.value_of(value))
            if node is None:
                continue
            if node.type in ("object", "array"):
                found += self._literal(value_ctx, node, hops)
            elif node.type == "new_expression":
                found += [Element(value_ctx, v, keyed=True) for v in tables.stored_values(node)]
            elif node.type == "call_expression":
                found += self._made(value_ctx, node, hops)
            elif node.type == "identifier":
                found += self._module(value_ctx, node, hops)
            if len(found) > _MAX_VALUES:
                break
        return _unique(found)[:_MAX_VALUES]

    def _literal(self, ctx: FileContext, node: Node, hops: int) -> list[Element]:
        """An object's or array's entries, with those of the tables it spreads (each
        spread table read once: `[...t, ...t]`)."""
        found: list[Element] = []
        spread: set[str] = set()
        for member in node.named_children:
            inner = member.named_children[0] if member.named_children else None
            if member.type == "spread_element" and syntax.text(inner) not in spread:
                spread.add(syntax.text(inner))  # `{ ...require("./cmd"), ...sql }`
                found += self._elements(ctx, inner, hops + 1)
            if len(found) > _MAX_VALUES:
                break
        found += [Element(ctx, v) for v in tables.stored_values(node)]
        return _unique(found)

    def _step(self) -> None:
        self._steps += 1
        if self._steps > _MAX_STEPS:
            raise _Exhausted

    def _made(self, ctx: FileContext, call: Node, hops: int) -> list[Element]:
        """The elements of a table a call builds or copies."""
        required = ctx.required_module(call)
        if required is not None:
            module = self.engine.graph.resolve(ctx.rel, required)
            return self._exports(module, hops) if module is not None else []
        callee = syntax.unwrap(call.child_by_field_name("function"))
        args = syntax.call_arguments(call)
        text = syntax.text(callee)
        if text in ("Object.values", "Object.freeze") and args:
            return self._elements(ctx, args[0], hops + 1)
        if text == "Object.entries" and args:
            return [
                Element(e.ctx, e.node, keyed=True) for e in self._elements(ctx, args[0], hops + 1)
            ]
        if text == "Object.assign":
            return [e for a in args for e in self._elements(ctx, a, hops + 1)]
        if callee is None or callee.type != "member_expression":
            return self._returned(ctx, call, hops)
        method = syntax.text(callee.child_by_field_name("property"))
        receiver = callee.child_by_field_name("object")
        if method == "reduce":  # `[cmd, sql].reduce((all, m) => ({ ...all, ...m }), {})`
            tables_of = self._elements(ctx, receiver, hops + 1)
            merged = [e for t in tables_of for e in self._elements(t.ctx, t.node, hops + 1)]
            return merged + (self._elements(ctx, args[1], hops + 1) if len(args) > 1 else [])
        if method in ("map", "flatMap") and args and args[0].type in syntax.FUNCTION_TYPES:
            made = self.engine.sites.returned_values(ctx, args[0])  # `t.map((r) => ({...}))`
            if method == "map":
                return [Element(ctx, v) for v in made]
            return [e for v in made for e in self._elements(ctx, v, hops + 1)]
        if method in _KEEPING_METHODS:
            kept = self._elements(ctx, receiver, hops + 1)
            return kept + [e for a in args for e in self._elements(ctx, a, hops + 1)]
        return self._returned(ctx, call, hops)

    def _returned(self, ctx: FileContext, call: Node, hops: int) -> list[Element]:
        """`getRoutes()`: the elements of the tables a project function returns."""
        target = self.engine.project_function(ctx, call)
        if target is None:
            return []
        target_ctx, func = target
        returned = self.engine.sites.returned_values(target_ctx, func)
        return [e for value in returned for e in self._elements(target_ctx, value, hops + 1)]

    def _module(self, ctx: FileContext, name: Node, hops: int) -> list[Element]:
        """`import * as cmd from "./cmd"`, `const sql = require("./sql")`: its exports."""
        ref = ctx.ref_of(name)
        if ref is None or ref.path:
            return []
        module = self.engine.graph.resolve(ctx.rel, ref.module)
        return self._exports(module, hops) if module is not None else []

    def _exports(self, module: FileContext, hops: int) -> list[Element]:
        """A module's exports as a table: the entries of the object or array it assigns
        to `module.exports` (spreads included), else each named export."""
        found: list[Element] = []
        for exported, value in self.engine.graph.exports(module).items():
            node = syntax.unwrap(module.value_of(value))
            if node is not None and node.type in ("object", "array"):
                if exported == DEFAULT:
                    found += self._literal(module, node, hops + 1)
            elif node is not None:
                found.append(Element(module, value))
        return found

    def _call_sites(self, ctx: FileContext, func: Node) -> list[tuple[FileContext, Node]]:
        """The calls of `func` anywhere in the project (found by the name it is bound to,
        then confirmed by the engine's call resolution)."""
        key = (ctx.rel, func.start_byte)
        found = self._sites.get(key)
        if found is not None:
            return found
        found = self._sites[key] = []
        name = _bound_name(func)
        if name is None:
            return found
        # a call in a file that does not import `ctx` (even through others) cannot resolve
        # to `func` (importers.py): only the calls of the others are resolved
        reaching = self.importers.reaching(ctx)
        for site_ctx in self.engine.files:
            if site_ctx.rel not in reaching:
                continue
            for site in site_ctx.call_index.calls_named((name,)):
                if _called_by_name(site) == name and self.engine.project_function(
                    site_ctx, site
                ) == (ctx, func):
                    found.append((site_ctx, site))
        return found


def _called_by_name(call: Node) -> str | None:
    """The name a call is a candidate call of `name` by: its callee's (`make` for `make(x)`
    and `routes.make(x)`); None for `new`, a subscript or `this.#m()`. (The call index
    files these under the same name, among others.)"""
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is not None and callee.type == "member_expression":
        callee = callee.child_by_field_name("property")
    if callee is not None and callee.type in ("identifier", "property_identifier"):
        return syntax.text(callee)
    return None


def _bound_name(func: Node) -> str | None:
    """The name a function is called by: its declaration's, its variable's, its
    method's or property's (`{ make: (sink) => ... }`, `exports.make = ...`)."""
    own = func.child_by_field_name("name")
    if own is not None:
        return syntax.text(own)
    parent = func.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        named = parent.child_by_field_name("name")
        return syntax.text(named) if named is not None and named.type == "identifier" else None
    if parent.type == "pair":
        return syntax.property_key(parent)
    if parent.type == "assignment_expression":
        chain = syntax.member_chain(parent.child_by_field_name("left"))
        return chain[-1] if chain else None
    return None


__all__ = ["MAX_HOPS", "MAX_TARGETS", "FunctionValues"]
