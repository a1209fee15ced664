"""Regex tests that do not constrain a value: `if (/[a-z0-9.-]+/.test(host)) exec("ping " +
host)` lets `a;rm -rf /` through, since the pattern only has to match somewhere in it. A
regex allow-list cleans a value only when it is anchored at both ends (`/^[\\w.-]+$/`); a
deny-list (`if (/[;&|]/.test(cmd)) return`) cleans whatever its pattern, as far as the
engine can tell. URLs have their own loose tests (guards.loose_url_test), where a regex
anchored only at the start can still pin the origin."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.parse import Node


def loose_allow_list(condition: Node, names: set[str], passes_when_true: bool) -> bool:
    """Whether every regex test of `names` in `condition` is an allow-list (the value must
    match for the sink to run) that is not anchored at both ends, and there is at least
    one; `passes_when_true`: the sink runs when the condition holds (it sits in the `if`),
    rather than when it fails (it follows an `if` that leaves)."""
    tests = [node for node in syntax.walk(condition) if _regex_of(node, names) is not None]
    if not tests:
        return False
    for test in tests:
        must_match = passes_when_true != (_negations(test, condition) % 2 == 1)
        regex = _regex_of(test, names)
        if regex is None or not must_match or _fully_anchored(regex):
            return False
    return True


def _regex_of(node: Node, names: set[str]) -> Node | None:
    """The regex literal of `/re/.test(x)` or `x.match(/re/)` on one of `names`."""
    if node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    args = syntax.call_arguments(node)
    if callee is None or callee.type != "member_expression" or len(args) != 1:
        return None
    method = syntax.text(callee.child_by_field_name("property"))
    receiver = syntax.unwrap(callee.child_by_field_name("object"))
    argument = syntax.unwrap(args[0])
    if method == "test" and syntax.text(argument) in names:
        regex = receiver
    elif method == "match" and syntax.text(receiver) in names:
        regex = argument
    else:
        return None
    return regex if regex is not None and regex.type == "regex" else None


def _fully_anchored(regex: Node) -> bool:
    pattern = syntax.text(regex.child_by_field_name("pattern"))
    if "|" in pattern and not (pattern.startswith("^(") and pattern.endswith(")$")):
        return False  # `^a|b$`: each branch is anchored at one end only
    return pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")


def _negations(node: Node, condition: Node) -> int:
    """How many `!` sit between the test and the root of the condition."""
    count = 0
    current = node
    for parent in syntax.ancestors(node):
        if current == condition:
            break
        if parent.type == "unary_expression" and syntax.text(parent).startswith("!"):
            count += 1
        current = parent
    return count
