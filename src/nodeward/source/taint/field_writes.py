"""Reads of a field that a plain statement set just before.

The engine is flow-insensitive: a variable holds everything it is ever given. That is
wrong for the common "build a record from the body, then set the owner" shape:

    const article = new Article(req.body.article);
    article.author = user;
    ...
    console.log(article.author);   // the user record, never request data

When the field is written exactly once in the function, by an expression statement of
its own, and the read sits in a later statement of the same block (so the write has
always run), the read holds what that write stored and nothing the object held before.
Anything that could undo the write between the two (the variable rebound, the object
handed to a call such as `Object.assign(article, req.body)`) keeps the old answer.
"""

from __future__ import annotations

from collections import defaultdict

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_NODE_TYPES = ("assignment_expression", "augmented_assignment_expression", "arguments")


class FieldWrites:
    """One walk over a function: its member writes and what may undo them."""

    def __init__(self, unit: Node, ctx: FileContext | None = None) -> None:
        #: `x.f` -> every assignment to it
        self._writes: dict[str, list[Node]] = defaultdict(list)
        #: `x` -> where it is rebound or handed to a call
        self._touches: dict[str, list[int]] = defaultdict(list)
        # With the file's index (`ctx`), the nodes of the three kinds come from a binary
        # search instead of a walk of the function (functions nest: each enclosing one
        # would walk the inner ones again). The order of the lists does not matter here.
        nodes = (
            syntax.walk(unit)
            if ctx is None
            else (n for t in _NODE_TYPES for n in ctx.within(unit, t))
        )
        for node in nodes:
            if node.type in ("assignment_expression", "augmented_assignment_expression"):
                left = node.child_by_field_name("left")
                if left is None:
                    continue
                if left.type == "identifier":
                    self._touches[syntax.text(left)].append(node.start_byte)
                elif left.type == "member_expression":
                    self._writes[syntax.text(left)].append(node)
            elif node.type == "arguments":
                for arg in node.named_children:
                    inner = syntax.unwrap(arg)
                    if inner is not None and inner.type == "identifier":
                        self._touches[syntax.text(inner)].append(node.start_byte)

    def overriding_value(self, use: Node) -> Node | None:
        """The right-hand side of the write that decides what `use` (`x.f`) reads."""
        if use.type != "member_expression":
            return None
        obj = use.child_by_field_name("object")
        if obj is None or obj.type != "identifier":
            return None
        writes = self._writes.get(syntax.text(use), [])
        if len(writes) != 1 or writes[0].type != "assignment_expression":
            return None
        write = writes[0]
        if write.child_by_field_name("left") == use:
            return None  # the write itself
        statement = write.parent
        if statement is None or statement.type != "expression_statement":
            return None
        if not _later_in_same_block(statement, use):
            return None
        if any(
            statement.end_byte <= at < use.start_byte
            for at in self._touches.get(syntax.text(obj), [])
        ):
            return None
        return write.child_by_field_name("right")


def _later_in_same_block(statement: Node, use: Node) -> bool:
    """`use` sits inside a statement that follows `statement` in its block."""
    block = statement.parent
    if block is None or block.type not in ("statement_block", "program"):
        return False
    return any(
        ancestor.parent == block and ancestor.start_byte > statement.start_byte
        for ancestor in syntax.ancestors(use)
    )
