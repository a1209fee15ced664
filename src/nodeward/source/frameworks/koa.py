"""Koa: `new Koa()` apps, koa-router/@koa/router routers (with their `prefix`), walked in
registration order like Express. A handler takes one context (`ctx`, typed `Context`):
its request sources and its `ctx.redirect` sink are the `@koa` rows of `models` below;
`ctx.body` and Koa's rule for the body's content type are in taint/content_type.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source import syntax
from nodeward.source.appmodel.resolve import Creation
from nodeward.source.appmodel.walk import Walk
from nodeward.source.context import Ref
from nodeward.source.frameworks.base import Defaults, Fixes, HandlerRoles, Site, Walked
from nodeward.source.frameworks.express import type_text
from nodeward.source.parse import Node

_CONTEXT_NAMES = frozenset({"ctx", "context"})
_NEXT_NAMES = frozenset({"next", "_next", "nxt", "_"})
_CONTEXT_TYPE = re.compile(r"\b(Context|ParameterizedContext|RouterContext)\b")


class Koa(Defaults):
    name = "koa"
    label = "Koa"
    fixes = Fixes(
        rate_limit="add koa-ratelimit before the handler: ratelimit({ duration: 900000, max: 5 })",
        global_rate_limit=(
            "add a limiter: app.use(ratelimit({ driver: 'memory', db: new Map(), "
            "max: 100 })) from koa-ratelimit, and a stricter one on the login routes"
        ),
        csrf="add @koa/csrf before them: app.use(new CSRF())",
        helmet="add koa-helmet before the routes: app.use(helmet())",
    )
    creations: Mapping[Ref, bool] = MappingProxyType(
        {
            Ref("koa", ("()",)): True,
            Ref("koa", ("default", "()")): True,
            Ref("koa-router", ("()",)): False,
            Ref("@koa/router", ("()",)): False,
            Ref("routing-controllers", ("createKoaServer", "()")): True,
        }
    )
    modules = frozenset({"koa", "koa-router", "@koa/router"})
    chains_registrations = True
    calls: frozenset[str] = frozenset()
    models = """
sources = [
  ["@koa", "Member[query,querystring]", "object"],
  ["@koa", "Member[params]", "string"],
  ["@koa", "Member[header,headers,url,path]", "string", "log-injection,header-injection"],
  ["@koa", "Member[get].ReturnValue", "string", "log-injection,header-injection"],
  ["@koa", "Member[request].Member[body,query]", "object"],
  # koa-body's uploads (formidable: `originalFilename` keeps the client's `../`)
  ["@koa", "Member[request].Member[files]", "object"],
  # koa-bodyparser keeps the unparsed body beside the parsed one
  ["@koa", "Member[request].Member[rawBody]", "string"],
  ["@koa", "Member[request].Member[header,headers,url,path]",
    "string", "log-injection,header-injection"],
  ["@koa", "Member[request].Member[get].ReturnValue", "string", "log-injection,header-injection"],
  # the cookies module returns a value as the Cookie header sent it, undecoded: no CR or LF
  ["@koa", "Member[cookies].Member[get].ReturnValue", "string", "log-injection,header-injection"],
]
sinks = [
  ["@koa", "Member[redirect].Argument[0]", "open-redirect"],
]
"""

    def router_prefix(self, creation: Creation) -> str:
        """`new Router({ prefix: "/api" })`."""
        args = syntax.call_arguments(creation.node)
        prefix = syntax.string_value(syntax.object_get(args[0], "prefix")) if args else None
        return prefix or ""

    def app_routes(self, site: Site, creation: Creation) -> Walked:
        walk = Walk(site)
        walk.router(creation.target, "", [], (), top=True)
        return tuple(walk.routes), tuple(walk.uses)

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        params = syntax.function_params(func)
        if not params:
            return None
        first = syntax.param_name(params[0])
        typed = _CONTEXT_TYPE.search(type_text(params[0])) is not None
        if not typed and not routed and len(params) > 1 and not _is_next(params[1]):
            # `function step(ctx, callback)`: a library's own context object, not Koa's
            # `(ctx, next)` middleware
            return None
        if first in _CONTEXT_NAMES or typed:
            return HandlerRoles(koa=first)
        return None


def _is_next(param: Node) -> bool:
    return syntax.param_name(param) in _NEXT_NAMES or "Next" in type_text(param)


KOA = Koa()
