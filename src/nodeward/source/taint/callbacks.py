"""Results handed to a callback parameter: `getAllMemos(callback)` that runs
`collection.find({}).toArray((err, memos) => callback(null, memos))`.

A function's summary records which of its parameters it calls, and with what in which
argument position (`ParamCall`). At a call site of that function, the callback passed in
that parameter position receives the taint in its own parameter: `dao.getAllMemos((err,
docs) => res.render("memos", { memos: docs }))` binds `docs` to the stored records.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.taint.values import CLEAN, MAX_STEPS, Taint, Trace, union

#: At most this many (parameter, argument) pairs are kept per summary.
MAX_PARAM_CALLS = 8


@dataclass(frozen=True)
class ParamCall:
    """The summarised function calls its parameter `param` with `taint` as argument
    `argument`. Parameter-origin traces (an int origin) are mapped at each call site."""

    param: int
    argument: int
    taint: Taint


def has_function_argument(ctx: FileContext, call: Node) -> bool:
    """Whether a call passes a function, inline or by a local name."""
    return any(_callback(ctx, a) is not None for a in syntax.call_arguments(call))


def called_param(unit: Node, call: Node) -> int | None:
    """The index of `unit`'s parameter that `call` invokes (`callback(...)`, `cb(...)`),
    or None; a nested function's parameter of the same name shadows it."""
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "identifier" or unit.type not in syntax.FUNCTION_TYPES:
        return None
    name = syntax.text(callee)
    scope = syntax.enclosing_function(call)
    while scope is not None and scope != unit:
        if any(syntax.param_name(p) == name for p in syntax.function_params(scope)):
            return None
        scope = syntax.enclosing_function(scope)
    if scope is None:
        return None
    for index, param in enumerate(syntax.function_params(unit)):
        if syntax.param_name(param) == name:
            return index
    return None


def record(
    calls: dict[tuple[int, int], Taint], unit: Node, call: Node, arg_taints: list[Taint]
) -> None:
    """Remember the tainted arguments of a call of one of `unit`'s parameters."""
    if not any(arg_taints):
        return  # nothing to remember: no need to know which function the call invokes
    param = called_param(unit, call)
    if param is None:
        return
    for argument, taint in enumerate(arg_taints):
        key = (param, argument)
        if taint and (key in calls or len(calls) < MAX_PARAM_CALLS):
            calls[key] = union(calls.get(key, CLEAN), taint)


def summarised(calls: dict[tuple[int, int], Taint]) -> tuple[ParamCall, ...]:
    return tuple(ParamCall(p, a, t) for (p, a), t in sorted(calls.items()))


def _callback(ctx: FileContext, node: Node | None) -> Node | None:
    """The function passed as an argument: inline, or a local name bound to one."""
    value = syntax.unwrap(ctx.value_of(node))
    return value if value is not None and value.type in syntax.FUNCTION_TYPES else None


def _pattern(param: Node) -> Node | None:
    """The binding pattern of a parameter: `docs`, `docs: Memo[]`, `docs = []`."""
    if param.type in ("required_parameter", "optional_parameter"):
        return param.child_by_field_name("pattern")
    if param.type == "assignment_pattern":
        return param.child_by_field_name("left")
    return param


def bindings(
    ctx: FileContext,
    call: Node,
    calls: tuple[ParamCall, ...],
    arg_taints: list[Taint],
    step: FlowStep,
    via: str,
) -> list[tuple[Node, Taint]]:
    """(callback parameter, what it receives) for each summarised parameter call that this
    call site passes a function to."""
    args = syntax.call_arguments(call)
    found: list[tuple[Node, Taint]] = []
    for param_call in calls:
        if param_call.param >= len(args):
            continue
        callback = _callback(ctx, args[param_call.param])
        params = syntax.function_params(callback) if callback is not None else []
        if param_call.argument >= len(params):
            continue
        received: set[Trace] = set()
        for inner in param_call.taint:
            if isinstance(inner.origin, int):
                if inner.origin < len(arg_taints):
                    received.update(t.through(inner, step, via) for t in arg_taints[inner.origin])
            else:
                steps = (*inner.steps, step)[:MAX_STEPS]
                received.add(replace(inner, steps=steps, via=(*inner.via, via)[:MAX_STEPS]))
        pattern = _pattern(params[param_call.argument])
        if received and pattern is not None:
            found.append((pattern, union(frozenset(received))))
    return found
