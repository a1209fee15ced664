"""Which function parameters hold the request, the response or a Koa context.

A function is a handler when the app model's route table names it (a controller defined
in another file and mounted through routers), when it is passed to a route registration
(`app.get(...)`, `router.use(...)`, `app.route("/x").post(...)`), or when its parameters are
named or typed like one (`(req, res)`, `(request: Request, response: Response)`, `(ctx)`),
or when it is a NestJS controller route method (see nest.py). A response parameter named
`reply` or typed `FastifyReply` is Fastify's, which sends strings as text/plain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.nest import NestHandler, nest_handler
from nodeward.source.taint.routing_controllers import routing_controllers_handler

ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "del", "all", "use", "head", "options"}
)
REQUEST_NAMES = frozenset({"req", "request"})
RESPONSE_NAMES = frozenset({"res", "response", "reply"})
_KOA_NAMES = frozenset({"ctx", "context"})
_REQUEST_TYPE = re.compile(r"\b(Fastify)?Request\b")
_RESPONSE_TYPE = re.compile(r"\b(Response|FastifyReply)\b")
_FASTIFY_REPLY_TYPE = re.compile(r"\bFastifyReply\b")
_EXPRESS_RESPONSE_TYPE = re.compile(r"\bResponse\b")
_KOA_TYPE = re.compile(r"\b(Context|ParameterizedContext|RouterContext)\b")


@dataclass(frozen=True)
class HandlerRoles:
    request: str | None = None
    response: str | None = None
    koa: str | None = None
    request_pattern: Node | None = None  # `({ body, query }, res) => ...`
    fastify: bool = False  # the response is a Fastify reply
    nest: NestHandler | None = None  # a NestJS or routing-controllers route method


def _type_text(param: Node) -> str:
    annotation = param.child_by_field_name("type")
    return syntax.text(annotation)


def _is_fastify_reply(name: str | None, type_text: str) -> bool:
    """Typed `FastifyReply`, or named `reply` and not typed as Express's `Response`."""
    if _FASTIFY_REPLY_TYPE.search(type_text):
        return True
    return name == "reply" and not _EXPRESS_RESPONSE_TYPE.search(type_text)


def is_registered_handler(func: Node) -> bool:
    """Passed straight to `x.get(...)`, `x.use(...)`, ... (app, router or route)."""
    args = func.parent
    call = args.parent if args is not None else None
    if args is None or args.type != "arguments" or call is None:
        return False
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "member_expression":
        return False
    return syntax.text(callee.child_by_field_name("property")) in ROUTE_METHODS


def handler_roles(func: Node, *, routed: bool = False) -> HandlerRoles | None:
    """The roles of `func`'s parameters; `routed` when the app model knows it handles a
    route."""
    nest = routing_controllers_handler(func) or nest_handler(func)
    if nest is not None:
        return HandlerRoles(request=nest.request, response=nest.response, nest=nest)
    params = syntax.function_params(func)
    if not params:
        return None
    names = [syntax.param_name(p) for p in params]
    types = [_type_text(p) for p in params]
    first, first_type = names[0], types[0]
    if first in _KOA_NAMES or _KOA_TYPE.search(first_type):
        return HandlerRoles(koa=first)
    registered = routed or is_registered_handler(func)
    if registered and len(params) == 4:  # error handler (err, req, res, next)
        names, types, params = names[1:], types[1:], params[1:]
        first, first_type = names[0], types[0]
    pattern = params[0].child_by_field_name("pattern") or params[0]
    second_is_response = len(params) > 1 and (
        names[1] in RESPONSE_NAMES or bool(_RESPONSE_TYPE.search(types[1]))
    )
    if pattern.type == "object_pattern" and (registered or second_is_response):
        response = names[1] if len(names) > 1 else None
        fastify = _is_fastify_reply(response, types[1] if len(types) > 1 else "")
        return HandlerRoles(response=response, request_pattern=pattern, fastify=fastify)
    looks_like_request = first in REQUEST_NAMES or bool(_REQUEST_TYPE.search(first_type))
    second = names[1] if len(names) > 1 else None
    second_type = types[1] if len(types) > 1 else ""
    looks_like_response = second in RESPONSE_NAMES or bool(_RESPONSE_TYPE.search(second_type))
    fastify = _is_fastify_reply(second, second_type)
    if registered and first is not None:
        return HandlerRoles(request=first, response=second, fastify=fastify)
    if looks_like_request:
        response = second if looks_like_response else None
        return HandlerRoles(request=first, response=response, fastify=fastify and bool(response))
    return None
