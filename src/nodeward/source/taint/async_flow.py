"""The `async` package's control flow: `async.waterfall([(cb) => cb(null, req.query.host),
(host, cb) => exec("ping " + host, cb)], done)` hands what a task passes to its callback
to the next task's parameters (and the last task's to `done`); `async.series` and
`async.parallel` hand the final callback an array whose element `i` is what task `i`
passed (`(err, results) => exec(results[1])`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint import callbacks, positions
from nodeward.source.taint.values import CLEAN, Taint, union

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

_PACKAGES = frozenset({"async", "neo-async", "async/waterfall", "async/series"})
_FLOWS = frozenset({"waterfall", "series", "parallel", "seq"})


def bindings(fa: FunctionAnalysis, call: Node) -> Iterator[tuple[Node, Taint]]:
    """Each task parameter and final-callback parameter with what flows into it, in task
    order (a pair is bound before the next task's callback arguments are evaluated)."""
    flow = _flow(fa, call)
    args = syntax.call_arguments(call)
    tasks = _tasks(fa, args[0]) if flow is not None and args else None
    if tasks is None:
        return
    final = _function(fa, args[1]) if len(args) > 1 else None
    final_params = syntax.function_params(final)[1:] if final is not None else []
    passed: list[Taint] = []
    values: list[Taint] = []
    for index, task in enumerate(tasks):
        params = syntax.function_params(task)
        if flow == "waterfall" and index > 0:
            yield from zip(params[:-1], passed, strict=False)
        passed = _passed(fa, task, len(params) - 1)
        values.append(union(*passed))
    if flow == "waterfall":
        yield from zip(final_params, passed, strict=False)
    elif final_params:
        yield final_params[0], positions.at_positions(values)


def _flow(fa: FunctionAnalysis, call: Node) -> str | None:
    callee = call.child_by_field_name("function")
    written = syntax.text(callee) if callee is not None else ""
    if not written.endswith(tuple(_FLOWS)):  # cheap: most calls are no async flow
        return None
    ref = fa.ctx.callee(call)
    resolved = fa.engine.resolve_ref(fa.ctx, ref) if ref is not None else None
    if resolved is None or resolved.module not in _PACKAGES:
        return None
    name = resolved.path[-1] if resolved.path else resolved.module.rsplit("/", 1)[-1]
    return name if name in _FLOWS else None


def _tasks(fa: FunctionAnalysis, node: Node) -> list[Node] | None:
    """The task functions of `[task1, task2]` (inline or local names bound to functions,
    the array itself possibly held in a local name); None unless every task is known."""
    array = syntax.unwrap(fa.ctx.value_of(node))
    items = positions.slots(array) if array is not None else None
    if not items:
        return None
    tasks = [_function(fa, item) for item in items]
    return [t for t in tasks if t is not None] if all(tasks) else None


def _function(fa: FunctionAnalysis, node: Node | None) -> Node | None:
    """The function written at `node` or bound to the local name there."""
    found = syntax.unwrap(fa.ctx.value_of(node))
    return found if found is not None and found.type in syntax.FUNCTION_TYPES else None


def _passed(fa: FunctionAnalysis, task: Node, callback: int) -> list[Taint]:
    """What `task` passes after the error to its callback parameter (`cb(null, a, b)`):
    the taint of each argument position, joined over every such call in the task."""
    if callback < 0:
        return []
    found: list[Taint] = []
    for node in syntax.walk(task):
        if node.type != "call_expression" or callbacks.called_param(task, node) != callback:
            continue
        for index, arg in enumerate(syntax.call_arguments(node)[1:]):
            taint = fa.eval(arg)
            if index < len(found):
                found[index] = union(found[index], taint)
            else:
                found.append(taint)
    return found or [CLEAN]
