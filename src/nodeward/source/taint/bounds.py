"""The bounds of the propagation (call depth, summary size, steps, passes) and the
per-function summary the worklist memoises."""

from __future__ import annotations

from dataclasses import dataclass

from nodeward.source.taint import (
    callbacks,
)
from nodeward.source.taint.values import (
    CLEAN,
    Hit,
    Taint,
)

MAX_CALL_DEPTH = 6


MAX_SUMMARY_HITS = 32  # sinks a summary remembers per function


MAX_HITS_PER_SINK = 2  # traces recorded for one sink call (the shortest first)


MAX_EXPRESSION_DEPTH = 60


MAX_STEPS_PER_FUNCTION = 40_000


MAX_PASSES = 3


MAX_REF_HOPS = 4


MAX_PATH_STEPS = 24


@dataclass(frozen=True)
class Summary:
    """What a function does with its parameters: which reach its return value (as
    parameter-origin traces) and which reach sinks."""

    returns: Taint = CLEAN
    hits: tuple[Hit, ...] = ()
    calls: tuple[callbacks.ParamCall, ...] = ()  # parameters it calls with tainted arguments


EMPTY_SUMMARY = Summary()


@dataclass(frozen=True)
class PassedRoles:
    """The parameters of a function that a caller fills with its response (`res`) or Koa
    context: the function is summarised apart for such callers, its `res.redirect(x)`
    a sink as in a handler."""

    responses: frozenset[int] = frozenset()
    koa: frozenset[int] = frozenset()


NO_ROLES = PassedRoles()


class BudgetExceeded(Exception):
    """A function took more evaluation steps than MAX_STEPS_PER_FUNCTION."""
