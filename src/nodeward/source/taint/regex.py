"""A static check for regular expressions with catastrophic (exponential) backtracking,
on the syntax tree of source/regex_syntax.py.

A backtracking matcher takes exponential time when a repeated part can match the same text
in two different ways and something after it can still fail (an anchor `$`, a required
character). Two shapes give that ambiguity:

- a nested unbounded quantifier that can make up a whole iteration of the outer one:
  `(a+)+`, `([\\w.-]+)+`, `(\\w+\\s?)*`, `((\\w+\\.)*\\w+)*`, and the hand-written e-mail
  patterns `^\\w+([.-]?\\w+)*@...` and `(([-.]|[_]+)?[a-zA-Z0-9]+)*` (everything else in the
  iteration can match nothing). `(\\/[\\w.-]*)*` is not one: each iteration starts with a
  `/` the inner part cannot match;
- an alternation under an unbounded quantifier with two branches that match the same
  character: `(a|a)*`, `(\\w|\\d)+`, `(.|\\s)*`.

The walk visits each node a bounded number of times (no search over strings), so the check
itself stays linear in the pattern."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node as SyntaxNode
from nodeward.source.regex_syntax import (
    NOTHING,
    UNBOUNDED,
    Alternation,
    Assertion,
    Chars,
    CharSet,
    Node,
    Repeat,
    Sequence,
    parse,
)

#: `(\w+){1,30}` backtracks like `(\w+)+` on a long enough input
_LARGE_BOUND = 10
#: the branches compared for overlap (each comparison merges character ranges)
_MAX_BRANCHES = 64


def constant_pattern(ctx: FileContext, node: SyntaxNode) -> str | None:
    """The pattern a regex expression holds when it is a constant: a literal `/.../`, or
    `new RegExp("...")` / `RegExp("...")` of a string literal (directly or through a
    constant)."""
    value = syntax.unwrap(ctx.value_of(node))
    if value is not None and value.type == "member_expression":
        value = _member_value(ctx, value)
    if value is None:
        return None
    if value.type == "regex":
        return syntax.text(value.child_by_field_name("pattern"))
    if value.type not in ("new_expression", "call_expression"):
        return None
    args = syntax.call_arguments(value)
    if ctx.callee_name(value) != "RegExp" or not args:
        return None
    return syntax.string_value(ctx.value_of(args[0]))


def _member_value(ctx: FileContext, member: SyntaxNode) -> SyntaxNode | None:
    """`RULES.email` of `const RULES = { email: /.../ }`, or a static field of a class of
    the file (`Patterns.website` of `static website = /.../`)."""
    owner = syntax.unwrap(ctx.value_of(member.child_by_field_name("object")))
    if owner is not None and owner.type == "identifier":
        owner = ctx.declaration(syntax.text(owner), owner)
    key = member.child_by_field_name("property")
    if owner is None or key is None:
        return None
    name = syntax.text(key)
    if owner.type == "object":
        return syntax.unwrap(ctx.value_of(syntax.object_get(owner, name)))
    body = owner.child_by_field_name("body") if owner.type in syntax.CLASS_TYPES else None
    for field in body.named_children if body is not None else ():
        if field.type not in syntax.FIELD_TYPES:
            continue
        named = field.child_by_field_name("name") or field.child_by_field_name("property")
        if named is not None and syntax.text(named) == name:
            return syntax.unwrap(field.child_by_field_name("value"))
    return None


def is_catastrophic(pattern: str) -> bool:
    tree = parse(pattern)
    return tree is not None and _ambiguous(tree, tail_can_fail=False)


def _ambiguous(node: Node, tail_can_fail: bool) -> bool:
    """Whether some repeat inside `node` is ambiguous and followed by something that can
    fail (`tail_can_fail`: what follows `node` up to the end of the pattern can)."""
    match node:
        case Sequence(items):
            fails_after = [tail_can_fail] * len(items)
            for i in range(len(items) - 2, -1, -1):
                fails_after[i] = fails_after[i + 1] or _can_fail(items[i + 1])
            return any(_ambiguous(item, fails_after[i]) for i, item in enumerate(items))
        case Alternation(branches):
            return any(_ambiguous(branch, tail_can_fail) for branch in branches)
        case Repeat(body, _low, high):
            if _unbounded(high) and tail_can_fail and _pumpable(body):
                return True
            return _ambiguous(body, tail_can_fail)
    return False


def _unbounded(high: int) -> bool:
    return high == UNBOUNDED or high > _LARGE_BOUND


def _pumpable(body: Node) -> bool:
    """One iteration of `body` can be split into several: it can be made of an unbounded
    repeat alone, or two of its branches match the same character."""
    return _inner_repeat(body) or _overlapping_branches(body)


def _inner_repeat(node: Node) -> bool:
    """`node` can match whatever an unbounded repeat inside it matches, the rest matching
    nothing: `\\w+`, `\\w+\\s?`, `[.-]?\\w+`, `(x+|y)`."""
    match node:
        case Repeat(body, _low, high):
            return (_unbounded(high) and not _nullable(body)) or _inner_repeat(body)
        case Sequence(items):
            needed = [item for item in items if not _nullable(item)]
            if len(needed) > 1:
                return False
            return _inner_repeat(needed[0]) if needed else any(map(_inner_repeat, items))
        case Alternation(branches):
            return any(_inner_repeat(branch) for branch in branches)
    return False


def _overlapping_branches(node: Node) -> bool:
    if isinstance(node, Repeat) and node.high == 1:
        return _overlapping_branches(node.body)
    if not isinstance(node, Alternation):
        return False
    seen = NOTHING
    for branch in node.branches[:_MAX_BRANCHES]:
        single = _single_chars(branch)
        if single.overlaps(seen):
            return True
        seen = seen.union(single)
    return False


def _single_chars(node: Node) -> CharSet:
    """The characters that `node` matches as a one-character string."""
    match node:
        case Chars(chars):
            return chars
        case Sequence(items):
            needed = [item for item in items if not _nullable(item)]
            if len(needed) == 1:
                return _single_chars(needed[0])
            if not needed:
                found = NOTHING
                for item in items:
                    found = found.union(_single_chars(item))
                return found
            return NOTHING
        case Alternation(branches):
            found = NOTHING
            for branch in branches:
                found = found.union(_single_chars(branch))
            return found
        case Repeat(body, low, high):
            return _single_chars(body) if low <= 1 and high != 0 else NOTHING
    return NOTHING


def _nullable(node: Node) -> bool:
    match node:
        case Chars():
            return False
        case Sequence(items):
            return all(_nullable(item) for item in items)
        case Alternation(branches):
            return any(_nullable(branch) for branch in branches)
        case Repeat(body, low, _high):
            return low == 0 or _nullable(body)
    return True


def _can_fail(node: Node) -> bool:
    """`node` can fail to match, so the matcher tries every other way to split the text
    before it: a required character, an anchor or a lookaround."""
    return not _nullable(node) or _asserts(node)


def _asserts(node: Node) -> bool:
    match node:
        case Assertion():
            return True
        case Sequence(items):
            return any(_asserts(item) for item in items)
        case Alternation(branches):
            return any(_asserts(branch) for branch in branches)
        case Repeat(body, _low, _high):
            return _asserts(body)
    return False
