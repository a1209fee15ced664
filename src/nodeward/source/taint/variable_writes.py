"""Which assignments of a local variable a read can see.

The engine is flow-insensitive: a variable holds everything it is ever given. That is
wrong for the common "answer from the branch you are in" shape:

    let result;
    if (header) {
      result = jwt.verify(token, key);
    } else {
      result = { error: "Token required" };
      res.status(401).send(result);     // the literal only, never the verified token
    }

For a variable declared with `let`/`var`/`const` and only ever given a value by plain
`name = value` statements of the function that declares it, a read sees the assignments
before it that may have run (guards.may_precede: not the other branch of an `if`, not a
branch that returned), back to the nearest one that always runs before it (an earlier
statement of a block the read sits in). Anything the model cannot follow keeps the
flow-insensitive answer: a compound assignment or destructuring, a write from a nested
function (a callback may run at any time), a read in a nested function, a loop that
writes the variable after the read (the next iteration sees it), reads in `catch` and
`finally` (reached from the middle of a `try`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.scopes import MODULE
from nodeward.source.taint.guards import inside, may_precede
from nodeward.source.taint.loops import LOOPS

#: Nodes that bind names in a way not modelled here, and the field holding the names.
_OTHER_BINDINGS = (
    ("augmented_assignment_expression", "left"),
    ("update_expression", "argument"),
    ("for_in_statement", "left"),
    ("arrow_function", "parameter"),  # `x => ...` (the `parameters` of all: __init__)
    ("catch_clause", "parameter"),
    ("function_declaration", "name"),
    ("generator_function_declaration", "name"),
    ("class_declaration", "name"),
)
_MEMBERS = frozenset({"member_expression", "subscript_expression"})
#: The nodes a pattern names a variable with.
_NAMES = frozenset({"identifier", "shorthand_property_identifier_pattern"})
_BLOCKS = frozenset({"statement_block", "program"})
_LOOPS = LOOPS | {"for_in_statement"}
_ENTERED_MIDWAY = frozenset({"catch_clause", "finally_clause"})


@dataclass(frozen=True)
class _Write:
    node: Node  # the declarator or the assignment
    value: Node | None  # what it stores (None: `let x;`, undefined)
    plain: bool  # `let x = v` / `x = v` as a statement of its own; False: anything else
    declares: bool


class VariableWrites:
    """A file's writes of variables, indexed once from the binding nodes down (no parent
    lookups: tree-sitter finds a parent from the root); `reaching(use)` answers per read."""

    def __init__(self, ctx: FileContext) -> None:
        self._ctx = ctx
        self._writes: dict[str, list[tuple[Node, _Write]]] = defaultdict(list)
        for node in ctx.nodes("variable_declarator"):
            self._note(node, node.child_by_field_name("name"), node.child_by_field_name("value"))
        for node in ctx.nodes("assignment_expression"):
            right = node.child_by_field_name("right")
            self._note(node, node.child_by_field_name("left"), right, statement=True)
        for kind, field in _OTHER_BINDINGS:
            for node in ctx.nodes(kind):
                self._note_other(node, node.child_by_field_name(field))
        for kind in syntax.FUNCTION_TYPES:
            for node in ctx.nodes(kind):
                self._note_other(node, node.child_by_field_name("parameters"))
        #: (name, scope) -> the variable's writes and the function making them all, or
        #: None when it is not followed (see _followed)
        self._variables: dict[tuple[str, int], tuple[list[_Write], Node | None] | None] = {}
        self._answers: dict[int, tuple[Node | None, ...] | None] = {}
        self._scoped: dict[str, dict[int, list[_Write]]] = {}  # name -> scope -> writes

    def _note(
        self, node: Node, target: Node | None, value: Node | None, statement: bool = False
    ) -> None:
        """`let x = v` / `x = v` (plain when it is a statement of its own), or a pattern."""
        if target is None:
            return
        if target.type != "identifier":
            self._note_other(node, target)
            return
        plain = not statement or getattr(syntax.parent_of(node), "type", "") == (
            "expression_statement"
        )
        write = _Write(node, value, plain=plain, declares=not statement)
        self._writes[syntax.text(target)].append((target, write))

    def _note_other(self, node: Node, target: Node | None) -> None:
        """Every name bound in `target` (a pattern, parameters, a wrapped target)."""
        if target is None or target.type in _MEMBERS:
            return  # `obj.x = v` writes a property, not the variable `obj`
        write = _Write(node, None, plain=False, declares=False)
        for inner in syntax.walk(target):
            if inner.type in _NAMES:
                self._writes[syntax.text(inner)].append((inner, write))

    def reaching(self, use: Node) -> tuple[Node | None, ...] | None:
        """The values of the assignments that `use` (a read of an identifier) can see;
        None when the variable is not one this model follows."""
        key = use.id
        if key not in self._answers:
            self._answers[key] = self._reaching(use)
        return self._answers[key]

    def _reaching(self, use: Node) -> tuple[Node | None, ...] | None:
        name = syntax.text(use)
        if len(self._writes.get(name, ())) < 2:
            return None  # one write: the flow-insensitive answer is the same
        scope = self._ctx.scope_of(name, use)
        if scope == MODULE:
            return None
        key = (name, scope)
        if key not in self._variables:
            self._variables[key] = self._followed(name, scope)
        followed = self._variables[key]
        if followed is None:
            return None
        writes, function = followed
        inner = _ancestors_within(use, function)
        if self._ctx.enclosing_function(use) != function or any(
            a.type in _ENTERED_MIDWAY for a in inner
        ):
            return None
        before = [w for w in writes if w.node.end_byte <= use.start_byte]
        later = [w for w in writes if w.node.end_byte > use.start_byte]
        loops = [a for a in inner if a.type in _LOOPS]
        if any(inside(w.node, loop) for w in later for loop in loops):
            return None  # the next iteration reads what this one writes after `use`
        seen: list[Node | None] = []
        for write in reversed(before):
            if not may_precede(write.node, use):
                continue
            seen.append(write.value)
            if _always_before(write.node, use):
                break
        if len(seen) == len(writes):
            return None  # every write reaches: the flow-insensitive answer is the same
        return tuple(seen)

    def _followed(self, name: str, scope: int) -> tuple[list[_Write], Node | None] | None:
        """The writes of variable (name, scope) when it is declared with let/var/const,
        only given values by plain statements, all in one function; else None. One write
        (the declaration) is left to the flow-insensitive answer, which is the same."""
        scoped = self._scoped.get(name)
        if scoped is None:  # each write's scope once, not once per variable of that name
            scoped = self._scoped[name] = defaultdict(list)
            for ident, write in self._writes[name]:
                scoped[self._ctx.scope_of(name, ident)].append(write)
        writes = scoped.get(scope, [])
        if len(writes) < 2 or not all(w.plain for w in writes):
            return None
        if not any(w.declares for w in writes):
            return None
        functions = {self._ctx.enclosing_function(w.node) for w in writes}
        if len(functions) != 1:
            return None
        return writes, functions.pop()


def _ancestors_within(node: Node, function: Node | None) -> list[Node]:
    found = []
    for ancestor in syntax.ancestors(node):
        if ancestor == function:
            break
        found.append(ancestor)
    return found


def _always_before(write: Node, use: Node) -> bool:
    """The write is a statement of a block that `use` sits in, before `use`'s statement:
    whenever `use` runs, the write has run."""
    statement = write.parent  # the declaration holding a declarator, or the expression statement
    if statement is None:
        return False
    block = statement.parent
    if block is None or block.type not in _BLOCKS:
        return False
    return any(
        ancestor.parent == block and ancestor.start_byte > statement.start_byte
        for ancestor in syntax.ancestors(use)
    )
