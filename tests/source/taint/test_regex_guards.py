"""A regex test cleans a value for the sink only when the value must match a pattern
anchored at both ends, or when the test rejects what it finds (a deny-list): `/[a-z]+/`
matches part of `a;rm -rf /`, `/^[a-z]+/` its start."""

from __future__ import annotations

import pytest

from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.syntax import walk
from nodeward.source.taint.regex_guards import loose_allow_list


def _condition(code: str) -> Node:
    source = f"if ({code}) {{}}"
    tree = parse(SourceText("c.js", source.encode(), (source,)))
    return next(n for n in walk(tree.root) if n.type == "parenthesized_expression")


@pytest.mark.parametrize(
    ("condition", "passes_when_true", "loose"),
    [
        ("/[a-z0-9.-]+/.test(host)", True, True),  # unanchored allow-list
        ("host.match(/^[a-z0-9.-]+/)", True, True),  # anchored at the start only
        ("/^[a-z]+$|;/.test(host)", True, True),  # one branch anchored, the other not
        ("!/[a-z0-9.-]+/.test(host)", False, True),  # `if (!RE.test(x)) return;`
        ("/^[a-z0-9.-]+$/i.test(host)", True, False),  # anchored at both ends
        ("/^(a|b)$/.test(host)", True, False),
        ("!/^[\\w.-]+$/.test(host)", False, False),
        ("/[;&|]/.test(host)", False, False),  # a deny-list test that leaves
        ("!/[;&|]/.test(host)", True, False),
        ("/[a-z]+/.test(other)", True, False),  # tests another value
        ("host.length < 64", True, False),  # no regex at all
    ],
)
def test_regex_allow_lists_that_match_part_of_the_value_are_loose(
    condition: str, passes_when_true: bool, loose: bool
) -> None:
    assert loose_allow_list(_condition(condition), {"host"}, passes_when_true) is loose
