"""Functions of a route's chain that answer the request themselves.

`router.get("/x", validateToken, controller.read, guard.check(["admin"]))` registers
`guard.check(...)` last, but `controller.read` is the function that reads the request and
writes the response: the taint engine must analyse it as a handler too. A chain member
answers when it is a project function whose first parameter is read and whose second
parameter receives a method call (`res.json(...)`, `output.send(...)`)."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.source import syntax
from nodeward.source.appmodel.model import AppModel, Route
from nodeward.source.context import FileContext
from nodeward.source.parse import Node


def answering_middleware(model: AppModel) -> Iterator[tuple[Route, Node, FileContext]]:
    """Every chain member (other than the handler) that answers the request, once per
    function, with the first route that reaches it."""
    seen: set[tuple[str, int]] = set()
    for _app, route in model.routes():
        for middleware in route.chain:
            func, ctx = middleware.definition, middleware.definition_ctx
            if func is None or ctx is None or func.type not in syntax.FUNCTION_TYPES:
                continue
            key = (ctx.rel, func.start_byte)
            if key in seen:
                continue
            seen.add(key)
            if answers(func):
                yield route, func, ctx


def answers(func: Node) -> bool:
    """`(req, res, ...)` where the body reads `req` and calls a method of `res`."""
    params = syntax.function_params(func)
    if len(params) == 4:  # an error handler: (err, req, res, next)
        params = params[1:]
    if len(params) < 2:
        return False
    request, response = syntax.param_name(params[0]), syntax.param_name(params[1])
    body = func.child_by_field_name("body")
    if request is None or response is None or body is None:
        return False
    reads = writes = False
    for node in syntax.walk(body):
        if node.type == "identifier" and syntax.text(node) == request:
            reads = True
        elif node.type == "call_expression":
            callee = node.child_by_field_name("function")
            writes = writes or (
                callee is not None
                and callee.type == "member_expression"
                and syntax.text(callee.child_by_field_name("object")) == response
            )
        if reads and writes:
            return True
    return False
