"""Lexical scopes of one file: which declaration a name written at some position means.

`const`/`let`/`class` belong to the innermost block, `var` and function parameters to the
function (hoisting), `catch (e)` to its clause. A name no enclosing scope declares is a
module-level binding: imports, top-level declarations and implicit globals
(`query = {...}` without a declaration) all resolve to MODULE.

A scope is named by its start byte. Scopes nest, so among the scopes that declare a name
and contain a position, the innermost is the one that starts last: a lookup is a scan of
the few scopes declaring that name, and the index is filled during the file's one walk.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator

from nodeward.source import syntax
from nodeward.source.parse import Node

#: The scope of module-level and undeclared names.
MODULE = -1

_BLOCKS = frozenset(
    {
        "statement_block",
        "for_statement",
        "for_in_statement",
        "catch_clause",
        "switch_body",
        "class_body",
    }
)
_SCOPES = _BLOCKS | syntax.FUNCTION_TYPES
_NAMED_DECLARATIONS = frozenset(
    {"class_declaration", "function_declaration", "generator_function_declaration"}
)
#: The node types ScopeIndex.visit() reads; it ignores every other node.
DECLARING = _SCOPES | _NAMED_DECLARATIONS | {"lexical_declaration", "variable_declaration"}


def bound_identifiers(pattern: Node | None) -> Iterator[Node]:
    """The identifiers a binding pattern declares (not its keys nor default values)."""
    if pattern is None:
        return
    match pattern.type:
        case "identifier" | "shorthand_property_identifier_pattern":
            yield pattern
        case "object_pattern" | "array_pattern":
            for child in pattern.named_children:
                yield from bound_identifiers(child)
        case "pair_pattern":
            yield from bound_identifiers(pattern.child_by_field_name("value"))
        case "assignment_pattern" | "object_assignment_pattern":
            yield from bound_identifiers(pattern.child_by_field_name("left"))
        case "rest_pattern":
            for child in pattern.named_children:
                yield from bound_identifiers(child)
        case "required_parameter" | "optional_parameter":
            yield from bound_identifiers(pattern.child_by_field_name("pattern"))
        case _:
            return


class ScopeIndex:
    """Fed every named node of the file in document order with its depth (visit)."""

    def __init__(self) -> None:
        #: name -> the spans of the scopes declaring it, each packed as _packed(start, end)
        #: (one int instead of a tuple of two: a dependency tree declares 400,000 names)
        self._declared: dict[str, list[int]] = defaultdict(list)
        #: the open scopes around the node being visited: (depth, node, is a function)
        self._open: list[tuple[int, Node, bool]] = []
        self._sorted: set[str] = set()  # names whose spans are sorted (on first lookup)

    def visit(self, node: Node, depth: int) -> None:
        kind = node.type
        if kind not in DECLARING:
            return
        while self._open and self._open[-1][0] >= depth:
            self._open.pop()
        if kind == "lexical_declaration":
            self._declare_all(node, self._innermost(functions_only=False))
        elif kind == "variable_declaration":
            self._declare_all(node, self._innermost(functions_only=True))
        elif kind in _NAMED_DECLARATIONS:
            self._declare(node.child_by_field_name("name"), self._innermost(functions_only=False))
        if kind not in _SCOPES:
            return
        self._open.append((depth, node, kind in syntax.FUNCTION_TYPES))
        if kind in syntax.FUNCTION_TYPES:
            for param in syntax.function_params(node):
                for ident in bound_identifiers(param):
                    self._declare(ident, node)
        elif kind == "catch_clause":
            for ident in bound_identifiers(node.child_by_field_name("parameter")):
                self._declare(ident, node)
        elif kind == "for_in_statement":
            declared = syntax.text(node.child_by_field_name("kind"))
            if declared in ("const", "let"):
                for ident in bound_identifiers(node.child_by_field_name("left")):
                    self._declare(ident, node)
            elif declared == "var":
                scope = self._innermost(functions_only=True)
                for ident in bound_identifiers(node.child_by_field_name("left")):
                    self._declare(ident, scope)

    def _innermost(self, *, functions_only: bool) -> Node | None:
        for _depth, scope, is_function in reversed(self._open):
            if is_function or not functions_only:
                return scope
        return None  # the module

    def _declare_all(self, declaration: Node, scope: Node | None) -> None:
        for declarator in declaration.named_children:
            if declarator.type == "variable_declarator":
                for ident in bound_identifiers(declarator.child_by_field_name("name")):
                    self._declare(ident, scope)

    def _declare(self, ident: Node | None, scope: Node | None) -> None:
        if ident is None or scope is None:  # module-level names resolve to MODULE anyway
            return
        self._declared[syntax.text(ident)].append(_packed(scope.start_byte, scope.end_byte))

    def scope_of(self, name: str, at: int) -> int:
        """The start byte of the scope whose declaration of `name` a use at byte `at`
        reads, or MODULE: the latest-starting declaring scope that contains `at`, found by
        bisection and a walk back that usually stops at once (sibling handlers that
        declare `req` end before the one around `at` starts)."""
        spans = self._declared.get(name)
        if not spans:
            return MODULE
        if name not in self._sorted:
            spans.sort()
            self._sorted.add(name)
        index = bisect_right(spans, _packed(at, _END_MASK)) - 1
        while index >= 0:
            span = spans[index]
            if at < span & _END_MASK:
                return span >> _END_BITS
            index -= 1
        return MODULE


#: A span packs its end byte into the low bits of one int below its start byte: ordering
#: the ints orders the spans by start, then end, as tuples would. Python ints have no
#: upper bound, so any start fits; ends below 2**40 bytes (1 TiB) do.
_END_BITS = 40
_END_MASK = (1 << _END_BITS) - 1


def _packed(start: int, end: int) -> int:
    return start << _END_BITS | end
