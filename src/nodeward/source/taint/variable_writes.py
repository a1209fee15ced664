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

#: Identifiers directly under these give a variable a value in a way not modelled here.
_PATTERNS = frozenset(
    {
        "object_pattern",
        "array_pattern",
        "pair_pattern",
        "assignment_pattern",
        "rest_pattern",
        "formal_parameters",
        "required_parameter",
        "optional_parameter",
    }
)
#: Declarations whose `name` binds a variable: a function or class named like it.
_NAMED = frozenset(
    {
        "function_declaration",
        "function_expression",
        "generator_function_declaration",
        "class_declaration",
        "class",
    }
)
#: Wrappers a TypeScript assignment target may sit in: `(x as any) = ...`, `x! = ...`.
_TARGET_WRAPPERS = frozenset(
    {"parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression"}
)
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
    """A file's writes of variables, indexed once; `reaching(use)` answers per read."""

    def __init__(self, ctx: FileContext) -> None:
        self._ctx = ctx
        self._writes: dict[str, list[tuple[Node, _Write]]] = defaultdict(list)
        for ident in ctx.nodes("identifier", "shorthand_property_identifier_pattern"):
            write = _write_of(ident)
            if write is not None:
                self._writes[syntax.text(ident)].append((ident, write))
        self._answers: dict[int, tuple[Node | None, ...] | None] = {}

    def reaching(self, use: Node) -> tuple[Node | None, ...] | None:
        """The values of the assignments that `use` (a read of an identifier) can see;
        None when the variable is not one this model follows."""
        key = use.id
        if key not in self._answers:
            self._answers[key] = self._reaching(use)
        return self._answers[key]

    def _reaching(self, use: Node) -> tuple[Node | None, ...] | None:
        name = syntax.text(use)
        candidates = self._writes.get(name)
        if not candidates:
            return None
        scope = self._ctx.scope_of(name, use)
        if scope == MODULE:
            return None
        writes = [w for ident, w in candidates if self._ctx.scope_of(name, ident) == scope]
        function = syntax.enclosing_function(use)
        if (
            not any(w.declares for w in writes)
            or not all(w.plain for w in writes)
            or any(syntax.enclosing_function(w.node) != function for w in writes)
            or any(a.type in _ENTERED_MIDWAY for a in _ancestors_within(use, function))
        ):
            return None
        before = [w for w in writes if w.node.end_byte <= use.start_byte]
        later = [w for w in writes if w.node.end_byte > use.start_byte]
        loops = [a for a in _ancestors_within(use, function) if a.type in _LOOPS]
        if any(inside(w.node, loop) for w in later for loop in loops):
            return None  # the next iteration reads what this one writes after `use`
        seen: list[Node | None] = []
        for write in reversed(before):
            if not may_precede(write.node, use):
                continue
            seen.append(write.value)
            if _always_before(write.node, use):
                break
        return tuple(seen)


def _write_of(ident: Node) -> _Write | None:
    """What `ident` does to its variable if it is written there, else None (a read)."""
    target, parent = ident, ident.parent
    while parent is not None and parent.type in _TARGET_WRAPPERS:
        target, parent = parent, parent.parent
    if parent is None:
        return None
    other = _Write(parent, None, plain=False, declares=False)
    if ident.type == "shorthand_property_identifier_pattern" or parent.type in _PATTERNS:
        return other  # destructuring, a parameter (the reads in defaults too: kept as they were)
    match parent.type:
        case "variable_declarator" if parent.child_by_field_name("name") == target:
            return _Write(parent, parent.child_by_field_name("value"), plain=True, declares=True)
        case "assignment_expression" if parent.child_by_field_name("left") == target:
            statement = parent.parent
            plain = target == ident and getattr(statement, "type", "") == "expression_statement"
            return _Write(parent, parent.child_by_field_name("right"), plain=plain, declares=False)
        case "augmented_assignment_expression" | "for_in_statement":
            return other if parent.child_by_field_name("left") == target else None
        case "update_expression":
            return other
        case "arrow_function" | "catch_clause":
            return other if parent.child_by_field_name("parameter") == ident else None
        case t if t in _NAMED:
            return other if parent.child_by_field_name("name") == ident else None
    return None


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
