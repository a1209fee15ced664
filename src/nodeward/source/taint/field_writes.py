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
from functools import cached_property

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_ASSIGNMENTS = ("assignment_expression", "augmented_assignment_expression")


class FieldWrites:
    """A file's member writes and what may undo them, indexed once per file; each
    question names the function it is asked about."""

    def __init__(self, ctx: FileContext) -> None:
        self._ctx = ctx
        #: `x.f` -> every assignment to it (the questions count them: order is not read)
        self._writes: dict[str, list[Node]] = defaultdict(list)
        #: the objects of member writes: the only touches asked about
        self._written: set[str] = set()
        for kind in _ASSIGNMENTS:
            for node in ctx.nodes(kind):
                left = node.child_by_field_name("left")
                if left is not None and left.type == "member_expression":
                    self._writes[syntax.text(left)].append(node)
                    self._written.add(syntax.text(left.child_by_field_name("object")))

    @cached_property
    def _touches(self) -> dict[str, list[int]]:
        """`x` -> where it is rebound or handed to a call (asked whether any lies between),
        for the objects of member writes: read on the first question that gets that far
        (the walk of every call's arguments is most of this index)."""
        touches: dict[str, list[int]] = defaultdict(list)
        written = self._written
        # each kind's nodes as indexed (document order within a kind: no merge and sort)
        for kind in _ASSIGNMENTS:
            for node in self._ctx.nodes(kind):
                left = node.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    touches[syntax.text(left)].append(node.start_byte)
        for node in self._ctx.nodes("arguments") if written else ():
            # a fresh wrapper: py-tree-sitter keeps the children list on the node asked,
            # and the file index keeps `node` for the whole scan
            fresh = node.walk().node
            for arg in (node if fresh is None else fresh).named_children:
                inner = syntax.unwrap(arg)
                if inner is not None and inner.type == "identifier":
                    touches[syntax.text(inner)].append(node.start_byte)
        return {k: v for k, v in touches.items() if k in written}

    def assigned_function(self, callee: Node) -> Node | None:
        """`helpers.get = function (url) {...}; helpers.get(x)` (also `module.exports.get`
        assigned inside a handler): the one function the file assigns to that member."""
        return self.function_at(syntax.text(callee))

    def function_at(self, member: str) -> Node | None:
        """The one function the file assigns to `member` (`Dao.prototype.find`)."""
        found = [
            value
            for write in self._writes.get(member, ())
            if (value := syntax.unwrap(write.child_by_field_name("right"))) is not None
            and value.type in syntax.FUNCTION_TYPES
        ]
        return found[0] if len(found) == 1 else None

    def overriding_value(self, use: Node, unit: Node) -> Node | None:
        """The right-hand side of the write in `unit` that decides what `use` (`x.f`)
        reads. (A rebinding or call between the write and `use` lies inside `unit` too.)"""
        if use.type != "member_expression":
            return None
        obj = use.child_by_field_name("object")
        if obj is None or obj.type != "identifier":
            return None
        writes = [
            w
            for w in self._writes.get(syntax.text(use), [])
            if unit.start_byte <= w.start_byte and w.end_byte <= unit.end_byte
        ]
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
