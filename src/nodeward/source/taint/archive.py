"""Archives a library extracts by itself: whether the object a call creates
(`new AdmZip(upload.data)`, `AdmZip(path)`) is extracted (`zip.extractAllTo(dest)`), the
condition of the model rows that make the archive's source a zip-slip sink."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_TRANSPARENT = frozenset({"parenthesized_expression", "await_expression", "as_expression"})


def extracted_by(ctx: FileContext, call: Node, methods: frozenset[str]) -> bool:
    """Whether `methods` are called on what `call` returns: chained
    (`new AdmZip(b).extractAllTo(d)`), or through the variable or property it is stored in
    (`const zip = ...; zip.extractAllTo(d)`, `this.zip = ...; this.zip.extractEntryTo(...)`)."""
    node = call
    parent = syntax.parent_of(node)
    while parent is not None and parent.type in _TRANSPARENT:
        node, parent = parent, syntax.parent_of(parent)
    if parent is None:
        return False
    if parent.type == "member_expression" and _method_of(parent) in methods:
        return True
    holder = _holder(parent, node)
    if holder is None:
        return False
    # a local variable is extracted in its function; a property anywhere in the file
    scope = syntax.enclosing_function(call) if holder.type == "identifier" else None
    name = syntax.text(holder)
    for candidate in ctx.nodes_within(scope or ctx.parsed.root, "call_expression"):
        function = candidate.child_by_field_name("function")
        if (
            function is not None
            and function.type == "member_expression"
            and _method_of(function) in methods
            and syntax.text(function.child_by_field_name("object")) == name
        ):
            return True
    return False


def _method_of(member: Node) -> str:
    return syntax.text(member.child_by_field_name("property"))


def _holder(parent: Node, value: Node) -> Node | None:
    """The variable or property `value` is stored in, or None."""
    if parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return name if name is not None and name.type == "identifier" else None
    if parent.type == "assignment_expression":
        right = parent.child_by_field_name("right")
        left = parent.child_by_field_name("left")
        if right is not None and right.id == value.id and left is not None:
            return left if left.type in ("identifier", "member_expression") else None
    return None
