"""Whether a value sent with `res.send(x)` is an object Express answers as JSON.

Express's `res.send(body)` (lib/response.js) serialises any non-string, non-Buffer body
with `res.json`, so `application/json` is the content type and the browser never parses
it as HTML. Handlers often build the reply in a variable first:

    let result = {};
    result.error = "User " + req.body.name + " not found";
    res.status(404).send(result);

A variable is such an object when every value it is ever given in its scope is an object
or array literal: member writes (`result.error = ...`) change its fields, not its type.
"""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.parse import Node

_LITERAL_TYPES = frozenset({"object", "array"})
_SCOPE_TYPES = frozenset({*syntax.FUNCTION_TYPES, "program"})


def _declares(scope: Node, name: str) -> bool:
    """`scope` declares `name` itself (a parameter, or a variable outside nested functions)."""
    if scope.type in syntax.FUNCTION_TYPES and any(
        syntax.param_name(p) == name for p in syntax.function_params(scope)
    ):
        return True
    return any(_declarator_name(node) == name for node in _own_declarators(scope))


def _declarator_name(node: Node) -> str | None:
    name = node.child_by_field_name("name")
    return syntax.text(name) if name is not None and name.type == "identifier" else None


def _own_declarators(scope: Node) -> list[Node]:
    """The declarators of `scope` itself, not of the functions nested in it."""
    return [
        node
        for node in syntax.walk(scope)
        if node.type == "variable_declarator" and _nearest_scope(node) == scope
    ]


def _nearest_scope(node: Node) -> Node | None:
    return next((p for p in syntax.ancestors(node) if p.type in _SCOPE_TYPES), None)


def _is_parameter(scope: Node, name: str) -> bool:
    return scope.type in syntax.FUNCTION_TYPES and any(
        syntax.param_name(p) == name for p in syntax.function_params(scope)
    )


def holds_json_object(arg: Node) -> bool:
    """`arg` is a variable whose every value in its scope is an object or array literal."""
    node = syntax.unwrap(arg)
    if node is None or node.type != "identifier":
        return False
    name = syntax.text(node)
    scope = next(
        (s for s in syntax.ancestors(node) if s.type in _SCOPE_TYPES and _declares(s, name)),
        None,
    )
    if scope is None:  # an undeclared (implicit global) name: every write in the file
        scope = next((s for s in syntax.ancestors(node) if s.type == "program"), None)
    if scope is None or _is_parameter(scope, name):
        return False
    values: list[Node | None] = []
    for candidate in syntax.walk(scope):
        if candidate.type == "variable_declarator" and _declarator_name(candidate) == name:
            values.append(candidate.child_by_field_name("value"))
        elif candidate.type == "augmented_assignment_expression":
            left = candidate.child_by_field_name("left")
            if left is not None and syntax.text(left) == name:
                return False
        elif candidate.type == "assignment_expression":
            left = candidate.child_by_field_name("left")
            if left is not None and left.type == "identifier" and syntax.text(left) == name:
                values.append(candidate.child_by_field_name("right"))
    return bool(values) and all(
        (value := syntax.unwrap(v)) is not None and value.type in _LITERAL_TYPES for v in values
    )
