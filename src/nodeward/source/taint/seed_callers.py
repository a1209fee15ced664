"""The functions of a self-contained file that can reach a seed, searched from the seeds.

Demand.live searches forwards: from a unit, it resolves every call the unit makes, and
every call of what those reach, until it meets a seed or runs out. A vendored library in
one served file (three.js: 4,000 calls, 900 top-level functions, a few loaders that read
the server's answers) pays for resolving all of its calls to learn that almost none of its
functions see a source. This module answers the same question from the other end, for a
file whose calls cannot leave it (Demand._confined) and that does not import itself (its
exports could be called by the names they are imported under): the functions that hold a
seed are live, and so is every function holding a call that reaches a live function, up
to a fixpoint; only the calls that may reach a live function are resolved.

Which calls may reach a function: the call resolvers (functions.project_function,
methods.py, tables.py, function_values.py) find a callee by the name it is bound to. A
function written as `function load()`, `const load = ...`, `x.load = ...`, `{ load: ... }`,
`load() {...}` or `load = ...` (a class field) is reached by calls spelled `load(...)` or
`<anything>.load(...)`, or by a call whose callee is computed (`handlers[key](...)`,
resolved whatever it names). That holds only while the name is not read elsewhere: `const
f = x.load`, `{ load }`, `cb(load)` or `this.load.bind(this)` hand the function to a name
no call spells, and a function handed to a project function (whose parameter calls it), put
in an array or returned can be called by any name. Then the file is searched forwards, as
before (None). A function handed to a call that runs no project function
(`xhr.addEventListener("load", function () {...})`) is reached by no call of the file.

tests/source/taint/test_demand.py compares both searches on every unit of the browser
fixtures and of shapes written for each of these cases.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import cached_property
from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.word_starts import word_starts

if TYPE_CHECKING:
    from nodeward.source.taint.demand import Demand

Span = tuple[int, int]
#: The functions a call may run (Demand.call_targets) as spans of this file; None when
#: one is in another file.
Targets = Callable[[Node], Collection[Span] | None]

#: Functions declared under a name of their own.
_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})
#: The nodes that write a name a call can spell.
_TOKENS = frozenset(
    {
        "identifier",
        "property_identifier",
        "private_property_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
    }
)
_STRINGS = frozenset({"string", "string_fragment", "template_string"})
#: Parents whose child identifier is a name being bound, under the field given.
_BINDING_FIELDS = {
    "variable_declarator": "name",
    "function_declaration": "name",
    "function_expression": "name",
    "function": "name",
    "generator_function_declaration": "name",
    "generator_function": "name",
    "class_declaration": "name",
    "class": "name",
    "assignment_expression": "left",
    "for_in_statement": "left",
    "catch_clause": "parameter",
    "arrow_function": "parameter",
    "assignment_pattern": "left",
    "object_assignment_pattern": "left",
    "pair_pattern": "value",
    "required_parameter": "pattern",
    "optional_parameter": "pattern",
}
#: Parents every identifier child of which is a bound name.
_BINDING_LISTS = frozenset(
    {"formal_parameters", "array_pattern", "rest_pattern", "import_specifier", "import_clause"}
)
#: Parents whose property-name child is a key or member being defined.
_KEY_FIELDS = {
    "pair": "key",
    "method_definition": "name",
    "public_field_definition": "name",
    "field_definition": "property",
}


class Reach:
    """The live functions of a file (their spans) and whether the program's own
    statements are live."""

    def __init__(self) -> None:
        self.functions: set[Span] = set()
        self.program = False

    def __contains__(self, func: Node) -> bool:
        if func.type == "program":
            return self.program
        return (func.start_byte, func.end_byte) in self.functions


def live_functions(demand: Demand, ctx: FileContext, targets: Targets) -> Reach | None:
    """What of `ctx` is live, or None when a live function can be reached by a call that
    does not spell its name (then only the forward search answers)."""
    return _Search(demand, ctx, targets).run()


class _Search:
    def __init__(self, demand: Demand, ctx: FileContext, targets: Targets) -> None:
        self.demand = demand
        self.ctx = ctx
        self.targets = targets
        self.reach = Reach()
        self.pending: list[Node] = []  # live functions whose names are not searched yet
        self.names: set[str] = set()  # the names searched for
        #: the calls that may reach a live function: those spelling a live function's
        #: name, and those whose callee is computed
        self.calls: dict[int, Node] = {
            call.id: call
            for call in ctx.nodes("call_expression")
            if getattr(syntax.unwrap(call.child_by_field_name("function")), "type", None)
            not in ("identifier", "member_expression")
        }

    def run(self) -> Reach | None:
        for func in self.ctx.nodes(*syntax.FUNCTION_TYPES):
            if self.demand.seeded(self.ctx, func):
                self._mark(func)
        self.reach.program = self.demand.seeded(self.ctx, self.ctx.parsed.root)
        reaching: set[int] = set()  # the calls found to run a live function
        while self.pending:
            while self.pending:
                if not self._named(self.pending.pop()):
                    return None
            for key, call in list(self.calls.items()):
                if key in reaching:
                    continue
                spans = self.targets(call)
                if spans is None:
                    return None
                if not self.reach.functions.isdisjoint(spans):
                    reaching.add(key)
                    self._reached(call)
        return self.reach

    def _mark(self, func: Node) -> None:
        span = (func.start_byte, func.end_byte)
        if span not in self.reach.functions:
            self.reach.functions.add(span)
            self.pending.append(func)

    def _reached(self, call: Node) -> None:
        """`call` runs a live function: every function around it is live, and so is the
        program when the call is one of its own statements' (as Demand._callees reads
        them)."""
        func = self.ctx.enclosing_function(call)
        while func is not None:
            self._mark(func)
            func = self.ctx.enclosing_function(func)
        if self.demand.programs_call(self.ctx, call):
            self.reach.program = True

    def _named(self, func: Node) -> bool:
        """Note the calls that may reach `func`; False when a call of any name may."""
        names = self._names(func)
        if names is None:
            return False
        for name in names - self.names:
            self.names.add(name)
            if not self._only_bound_and_called(name):
                return False
            for call in self.ctx.call_index.calls_named((name,)):
                if call.type == "call_expression":
                    self.calls[call.id] = call
        return True

    def _names(self, func: Node) -> set[str] | None:
        """The names a call can reach `func` by, or None when it is handed on."""
        name = func.child_by_field_name("name")
        if func.type in _DECLARATIONS:
            return {syntax.text(name)} if name is not None else set()
        if func.type == "method_definition":
            key = _key_name(name)
            return {key} if key is not None else None
        own = {syntax.text(name)} if name is not None else set()
        value = syntax.outermost(func)
        holder = value.parent
        bound: str | None = None
        if holder is None:
            return None
        if holder.type == "variable_declarator" and holder.child_by_field_name("value") == value:
            declared = holder.child_by_field_name("name")
            if declared is not None and declared.type == "identifier":
                bound = syntax.text(declared)
        elif (
            holder.type == "assignment_expression" and holder.child_by_field_name("right") == value
        ):
            bound = _target_name(holder.child_by_field_name("left"))
        elif holder.type == "pair" and holder.child_by_field_name("value") == value:
            bound = _key_name(holder.child_by_field_name("key"))
        elif holder.type in syntax.FIELD_TYPES and holder.child_by_field_name("value") == value:
            bound = _key_name(
                holder.child_by_field_name("name") or holder.child_by_field_name("property")
            )
        elif holder.type == "call_expression" and holder.child_by_field_name("function") == value:
            return own  # called where it is written
        elif holder.type == "arguments":
            call = holder.parent
            if call is not None and call.type == "call_expression":
                runs = self.targets(call)
                if runs is not None and not runs:
                    return own  # a callback of a call that runs no project function

        return own | {bound} if bound is not None else None

    def _only_bound_and_called(self, name: str) -> bool:
        """Whether every place the file writes `name` binds it or calls it."""
        source = self.ctx.parsed.text.source
        root = self.ctx.parsed.root
        encoded = name.encode()
        for at in word_starts(source, (encoded,)):
            node = root.named_descendant_for_byte_range(at, at + len(encoded))
            if node is None:
                continue
            if node.type in _STRINGS:
                if not _string_use_is_safe(node, name):
                    return False
            elif (node.start_byte, node.end_byte) != (at, at + len(encoded)):
                continue  # a longer word, a comment, a regular expression
            elif node.type in _TOKENS and not (_binds(node) or _calls(node)):
                return False
        # an escaped string key is not spelled as the name it stands for
        return name not in self._escaped_strings

    @cached_property
    def _escaped_strings(self) -> frozenset[str]:
        """The values of the file's string literals written with an escape (read once
        per file: each name searched would otherwise read every string again)."""
        if b"\\" not in self.ctx.parsed.text.source:
            return frozenset()
        return frozenset(
            value
            for key in self.ctx.nodes("string")
            if "\\" in syntax.text(key) and (value := syntax.string_value(key)) is not None
        )


def _key_name(key: Node | None) -> str | None:
    """A property key's name; None for a computed one (`[k]`)."""
    if key is None or key.type == "computed_property_name":
        return None
    if key.type in ("string", "template_string"):
        return syntax.string_value(key)
    return syntax.text(key)


def _target_name(left: Node | None) -> str | None:
    """The name an assignment binds: `load = f`, `x.load = f`, `x["load"] = f`."""
    left = syntax.unwrap(left)
    if left is None:
        return None
    match left.type:
        case "identifier":
            return syntax.text(left)
        case "member_expression":
            return syntax.text(left.child_by_field_name("property"))
        case "subscript_expression":
            return syntax.string_value(left.child_by_field_name("index"))
    return None


def _calls(node: Node) -> bool:
    """`node` is the name a call spells: `load(...)`, `x.load(...)`."""
    if node.type == "identifier":
        return _held_as(node, "call_expression", "function")
    member = node.parent
    return (
        member is not None
        and member.type == "member_expression"
        and member.child_by_field_name("property") == node
        and _held_as(member, "call_expression", "function")
    )


def _binds(node: Node) -> bool:
    """`node` names what is being bound: a declaration, a parameter, an assignment's
    target (`load = ...`, `x.load = ...`), a key, a method or a field."""
    parent = node.parent
    if parent is None:
        return False
    if node.type == "shorthand_property_identifier_pattern":
        return True  # `const { load } = x`
    if node.type == "identifier":
        if parent.type in _BINDING_LISTS:
            return True
        field = _BINDING_FIELDS.get(parent.type)
        return field is not None and parent.child_by_field_name(field) == node
    if node.type in ("property_identifier", "private_property_identifier"):
        if parent.type == "member_expression":  # `x.load = ...` (not `+=`: it reads too)
            return parent.child_by_field_name("property") == node and _held_as(
                parent, "assignment_expression", "left"
            )
        field = _KEY_FIELDS.get(parent.type)
        return field is not None and parent.child_by_field_name(field) == node
    return False  # `{ load }` reads the variable


def _held_as(node: Node, kind: str, field: str) -> bool:
    """Whether `node`, through parentheses and casts, is the `field` of a `kind` node."""
    outer = syntax.outermost(node)
    parent = outer.parent
    return parent is not None and parent.type == kind and parent.child_by_field_name(field) == outer


def _string_use_is_safe(node: Node, name: str) -> bool:
    """A string spelling `name` is a key being bound (`{ "load": f }`), a computed call
    (`x["load"]()`) or no name at all (`addEventListener("load", ...)`); a computed read
    (`x["load"]`) hands the function on."""
    string = node.parent if node.type == "string_fragment" else node
    if string is None or syntax.string_value(string) != name:
        return True
    holder = string.parent
    if holder is None or holder.type != "subscript_expression":
        return True
    if holder.child_by_field_name("index") != string:
        return True
    return _held_as(holder, "call_expression", "function") or _held_as(
        holder, "assignment_expression", "left"
    )
