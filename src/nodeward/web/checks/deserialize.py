"""Insecure deserialization: input that a code-carrying format (node-serialize's
`_$$ND_FUNC$$_`) turns back into a running function.

The oracle is differential: two serialized functions that differ only in a random name,
one returning a variable it declares, the other a name never declared (a ReferenceError when
it runs). A parser that keeps strings as strings answers both alike; one that runs the
function answers the second differently. The random names are removed from the answers, so
an echo of the payload (raw, escaped or encoded in any way) makes them equal again; the pair
is sent twice with fresh names."""

from __future__ import annotations

import json

from nodeward.web.checks.attempt import Attempt, without
from nodeward.web.checks.context import token
from nodeward.web.exchange import Exchange

_FUNCTION = "_$$ND_FUNC$$_function(){{var {declared}=1;return {returned}}}()"


def _pair(attempt: Attempt) -> tuple[tuple[int, str], tuple[int, str], Exchange] | None:
    declared, undeclared = token("nwd"), token("nwd")
    runs = json.dumps({declared: _FUNCTION.format(declared=declared, returned=declared)})
    throws = json.dumps({declared: _FUNCTION.format(declared=declared, returned=undeclared)})
    ran, threw = attempt.send(runs), attempt.send(throws)
    if ran is None or threw is None:
        return None
    return without(ran, declared, undeclared), without(threw, declared, undeclared), threw


def check(attempt: Attempt) -> bool:
    first = _pair(attempt)
    if first is None or first[0] == first[1]:
        return False
    second = _pair(attempt)
    if second is None or second[:2] != first[:2]:
        return False
    return attempt.found(
        "NW110",
        first[2],
        f"The {attempt.point.describe()} is deserialized with a format that runs code: a "
        "serialized function that returns an undeclared name is answered differently from "
        "the same function returning a declared one, every time; parse input with "
        "JSON.parse, never with node-serialize or similar libraries",
    )
