"""The member chains of a file, each found at its outermost link (`a.b(c).d`, not `a.b`):
every chain, or only the chains that spell one of a few words.

demand.py reads each chain of a file for the sources it holds. In a served script only a
chain that spells one of the words of expressions.browser_source_words (as its base or as
a step) can hold one, and a vendored library has tens of thousands of chains and few such
words: those chains are found from where the words are written (a search of the bytes, a
lookup of the node there and a climb to the top) instead of by reading every chain.
`tops_spelling` finds, for those chains, the same tops as `all_tops`, once each
(tests/source/taint/test_demand.py compares the seeds found both ways).

A chain ends at its outermost link, but one that ends in an index that is not a string
(`location.search.split("=")[1]`) is read from the link below the index: demand's
_chain_sources starts a new chain below such an index, and the subscript itself is not in
the file's node index."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_STRINGS = ("string", "template_string")


def all_tops(ctx: FileContext) -> Iterator[Node]:
    """The outermost member reads and calls of each chain, so that each chain is read
    once; subscripts are found through their string keys (they are not in the file's
    node index) and a chain without a string key is walked from its member reads and
    calls."""
    for kind in ("member_expression", "call_expression"):
        yield from (n for n in ctx.nodes(kind) if is_top(n))
    for key in ctx.nodes(*_STRINGS):
        holder = _holder(key)
        if holder is not None and is_top(holder):
            yield holder


def tops_spelling(ctx: FileContext, words: Iterable[str]) -> list[Node]:
    """The tops all_tops() yields whose chain spells one of `words`: as its base (an
    identifier) or as a step (a property, a string key), each once (`new (a.b)().c`
    holds two: `a.b` and the whole), in no particular order."""
    source = ctx.parsed.text.source
    root = ctx.parsed.root
    found: dict[tuple[int, int, str], Node] = {}
    starts: list[Node] = []
    for word in words:  # (the search written out: ~30 words in every client file)
        encoded = word.encode()
        at = source.find(encoded)
        while at != -1:
            start = _link_at(root, at, at + len(encoded), word)
            if start is not None:
                starts.append(start)
            at = source.find(encoded, at + 1)
    if b"\\" in source:  # an escaped string key is not spelled as the word it stands for
        wanted = set(words)
        for key in ctx.nodes("string"):
            if "\\" in syntax.text(key) and syntax.string_value(key) in wanted:
                holder = _holder(key)
                if holder is not None:
                    starts.append(holder)
    for start in starts:
        for top in _tops_above(start):
            found.setdefault((top.start_byte, top.end_byte, top.type), top)
    return list(found.values())


def is_top(node: Node) -> bool:
    """Whether a chain is read from `node` (a member read, a call or a subscript): it is
    not the object (or the callee) of a longer chain, or only of subscripts whose index
    is not a string and that end the chain (`a.b[i]` is read from `a.b`)."""
    while True:
        child = syntax.outermost(node)
        outer = child.parent
        if outer is None:
            return True
        if outer.type == "call_expression":
            continues = outer.child_by_field_name("function") == child
        elif outer.type in ("member_expression", "subscript_expression"):
            continues = outer.child_by_field_name("object") == child
        else:
            continues = False
        if not continues:
            return True
        if outer.type != "subscript_expression" or _string_key(outer):
            return False  # a longer chain is read, and this one with it
        node = outer  # an index that is not a string: the chain may end above it


def _string_key(subscript: Node) -> bool:
    """Whether demand's _chain_sources reads the subscript as a step (a string key)."""
    return syntax.string_value(subscript.child_by_field_name("index")) is not None


def _holder(key: Node) -> Node | None:
    """The subscript a string is written in (`x["k"]`, through parentheses and casts)."""
    holder = syntax.outermost(key).parent
    return holder if holder is not None and holder.type == "subscript_expression" else None


def _link_at(root: Node, start: int, end: int, word: str) -> Node | None:
    """The chain link that spells `word` at bytes start..end: an identifier (a base), the
    member read whose property it is, or the subscript it is the string key of; None
    when the word is written there as something else (part of a longer name, a comment,
    an object key). An identifier that starts no chain (a declared name) gives no top."""
    node = root.named_descendant_for_byte_range(start, end)
    if node is None:
        return None
    kind = node.type
    if kind == "string_fragment":
        node = node.parent
        if node is None:
            return None
        kind = node.type
    if kind in _STRINGS:
        return _holder(node) if syntax.string_value(node) == word else None
    if syntax.text(node) != word:
        return None
    if kind == "identifier":
        return node
    parent = node.parent
    if (
        kind == "property_identifier"
        and parent is not None
        and parent.type == "member_expression"
        and parent.child_by_field_name("property") == node
    ):
        return parent
    return None


def _tops_above(node: Node) -> Iterator[Node]:
    """The tops of all_tops() whose chain, walked down from the top as demand's
    _chain_sources walks it (objects, callees, `new`'s constructor), passes `node`."""
    current = node
    while True:
        visible = current.type in ("member_expression", "call_expression") or (
            current.type == "subscript_expression" and _keyed(current)
        )
        if visible and is_top(current):
            yield current
        child = syntax.outermost(current)
        outer = child.parent
        if outer is None:
            return
        field = _CHAIN_FIELDS.get(outer.type)
        if field is None or outer.child_by_field_name(field) != child:
            return
        current = outer


#: The field through which each kind of link continues the chain downwards.
_CHAIN_FIELDS = {
    "member_expression": "object",
    "subscript_expression": "object",
    "call_expression": "function",
    "new_expression": "constructor",
}


def _keyed(subscript: Node) -> bool:
    """Whether all_tops() finds this subscript: a string is written as one of its parts
    (its index, or its object), through parentheses and casts only (_holder)."""
    stack = list(subscript.named_children)
    while stack:
        node = stack.pop()
        if node.type in _STRINGS:
            return True
        if node.type in syntax.TRANSPARENT:  # what syntax.unwrap looks through
            stack.extend(node.named_children)
    return False
