"""A static check for regular expressions with catastrophic backtracking: a quantified
group whose body is itself quantified (`(a+)+`, `(\\w*)*`, `([a-z]+\\s?)*`), or an
alternation under a star whose branches can match the same text (`(a|a)*`, `(\\w|\\d)+`)."""

from __future__ import annotations

import re

# A group (without nested groups) containing a + or * quantifier, itself quantified.
_NESTED_QUANTIFIER = re.compile(
    r"\((?:\?:)?(?:[^()\\]|\\.)*?[+*](?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\})"
)
_ALTERNATION = re.compile(
    r"\((?:\?:)?((?:[^()\\|]|\\.)+(?:\|(?:[^()\\|]|\\.)+)+)\)(?:[+*]|\{\d+,\})"
)
_WORDISH = {r"\w", r"\d", "[a-z]", "[0-9]", ".", "[a-zA-Z0-9]", r"[\w]"}


def is_catastrophic(pattern: str) -> bool:
    if _NESTED_QUANTIFIER.search(pattern):
        return True
    for match in _ALTERNATION.finditer(pattern):
        branches = match.group(1).split("|")
        if len(set(branches)) < len(branches):
            return True
        classes = [b for b in branches if b in _WORDISH]
        if len(classes) > 1 and (r"\w" in classes or "." in classes):
            return True
    return False
