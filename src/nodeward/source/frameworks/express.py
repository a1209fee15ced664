"""Express (4 and 5), and the `(req, res)` handler shape Fastify and plain Node share.

Routes and middleware are registered with `app.use`/`app.get(...)`/`app.route("/x")` on
apps and routers (the builder's generic verb registration, which every framework with
these verbs shares) and walked in registration order (appmodel/walk.py). A function is a
handler when the route table names it, when it is passed to a registration, or when its
parameters are named or typed like a request and a response. A response parameter named
`reply` or typed `FastifyReply` is Fastify's, which sends strings as text/plain.
Request sources and response sinks are the `models` rows below (`@request`, `@response`:
the request and response parameters of any handler, whichever framework found it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source import syntax
from nodeward.source.appmodel.resolve import Creation
from nodeward.source.appmodel.walk import Walk
from nodeward.source.context import Ref
from nodeward.source.frameworks.base import Defaults, Fixes, HandlerRoles, Site, Walked
from nodeward.source.parse import Node

ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "del", "all", "use", "head", "options"}
)
REQUEST_NAMES = frozenset({"req", "request"})
RESPONSE_NAMES = frozenset({"res", "response", "reply"})
_REQUEST_TYPE = re.compile(r"\b(Fastify)?Request\b")
_RESPONSE_TYPE = re.compile(r"\b(Response|FastifyReply)\b")
_FASTIFY_REPLY_TYPE = re.compile(r"\bFastifyReply\b")
_EXPRESS_RESPONSE_TYPE = re.compile(r"\bResponse\b")


def type_text(param: Node) -> str:
    return syntax.text(param.child_by_field_name("type"))


def _is_fastify_reply(name: str | None, declared: str) -> bool:
    """Typed `FastifyReply`, or named `reply` and not typed as Express's `Response`."""
    if _FASTIFY_REPLY_TYPE.search(declared):
        return True
    return name == "reply" and not _EXPRESS_RESPONSE_TYPE.search(declared)


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


class Express(Defaults):
    name = "express"
    label = "Express"
    fixes = Fixes(
        rate_limit=(
            "add express-rate-limit before the handler: "
            "rateLimit({ windowMs: 15 * 60 * 1000, limit: 5 })"
        ),
        global_rate_limit=(
            "add a limiter: app.use(rateLimit({ windowMs: 15 * 60 * 1000, limit: 100 })) "
            "and a stricter one on the login routes"
        ),
        csrf="add csrf-csrf's doubleCsrfProtection (or csrf-sync) before them",
        helmet="add app.use(helmet()) before the routes",
    )
    creations: Mapping[Ref, bool] = MappingProxyType(
        {
            Ref("express", ("()",)): True,
            Ref("express", ("Router", "()")): False,
            Ref("express", ("default", "()")): True,
            Ref("express", ("default", "Router", "()")): False,
            Ref("router", ("()",)): False,
            # routing-controllers builds the Express app itself (routing_controllers.py)
            Ref("routing-controllers", ("createExpressServer", "()")): True,
        }
    )
    modules = frozenset({"express", "router", "routing-controllers"})
    chains_registrations = True
    calls: frozenset[str] = frozenset()
    #: `object` sources can hold objects and arrays (body parsers, the qs query parser);
    #: a fourth field lists the kinds a source cannot reach: Node's HTTP parser rejects CR
    #: and LF in the request line and in header values.
    models = """
sources = [
  ["@request", "Member[query]", "object"],
  ["@request", "Member[body]", "object"],
  # the unparsed body a body-parser `verify` hook (or fastify-raw-body) keeps
  ["@request", "Member[rawBody]", "string"],
  ["@request", "Member[cookies,signedCookies]", "object"],
  ["@request", "Member[files,file]", "object"],
  ["@request", "Member[params]", "string"],
  ["@request", "Member[headers]", "string", "log-injection,header-injection"],
  ["@request", "Member[url,originalUrl,path,baseUrl,hostname]",
    "string", "log-injection,header-injection"],
  ["@request", "Member[get,header].ReturnValue", "string", "log-injection,header-injection"],
  ["@request", "Member[param].ReturnValue", "string"],
]
sinks = [
  ["@response", "Member[send,write,end].Argument[0]", "reflected-xss"],
  ["@response", "Member[redirect].Argument[last]", "open-redirect"],
  ["@response", "Member[location].Argument[0]", "open-redirect"],
  ["@response", "Member[setHeader,set,header,append].Argument[0..]", "header-injection"],
  ["@response", "Member[writeHead].Argument[1..]", "header-injection"],
  ["@response", "Member[cookie].Argument[0]", "header-injection"],
  ["@response", "Member[sendFile,download].Argument[0]", "path-traversal", "no-option:root"],
  ["@response", "Member[json,send,jsonp,end].Argument[0]", "sensitive-data-exposure"],
]
"""

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        walk = Walk(site)
        walk.router(creation.target, "", [], (), top=True)
        return tuple(walk.routes), tuple(walk.uses)

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        """`(req, res)`, `(request: Request, response: Response)`, `({ body }, res)`, an
        error handler `(err, req, res, next)`, or any function registered as a route's."""
        params = syntax.function_params(func)
        if not params:
            return None
        names = [syntax.param_name(p) for p in params]
        types = [type_text(p) for p in params]
        registered = routed or is_registered_handler(func)
        if registered and len(params) == 4:  # error handler (err, req, res, next)
            names, types, params = names[1:], types[1:], params[1:]
        first, first_type = names[0], types[0]
        second = names[1] if len(names) > 1 else None
        second_type = types[1] if len(types) > 1 else ""
        looks_like_response = second in RESPONSE_NAMES or bool(_RESPONSE_TYPE.search(second_type))
        fastify = _is_fastify_reply(second, second_type)
        pattern = params[0].child_by_field_name("pattern") or params[0]
        if pattern.type == "object_pattern" and (registered or looks_like_response):
            return HandlerRoles(response=second, request_pattern=pattern, fastify=fastify)
        if registered and first is not None:
            return HandlerRoles(request=first, response=second, fastify=fastify)
        if first in REQUEST_NAMES or _REQUEST_TYPE.search(first_type):
            response = second if looks_like_response else None
            fastify = fastify and bool(response)
            return HandlerRoles(request=first, response=response, fastify=fastify)
        return None


EXPRESS = Express()
