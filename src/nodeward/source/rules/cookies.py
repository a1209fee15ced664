"""Cookie flags on cookies the app sets itself (`res.cookie`) and on session cookies."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.catalog.cookies import AUTH_COOKIE_INSECURE, COOKIE_HTTPONLY_DISABLED
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.express import is_response, resolve
from nodeward.source.rules.sessions import session_configs

_AUTH_WORDS = frozenset(
    {
        "auth",
        "authorization",
        "session",
        "sess",
        "sid",
        "ssid",
        "token",
        "jwt",
        "access",
        "refresh",
        "remember",
        "login",
        "credential",
        "credentials",
        "identity",
        "bearer",
    }
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def looks_like_auth_cookie(name: str) -> bool:
    """`refreshToken`, `access_token`, `connect.sid`, `AUTH-COOKIE` yes; `theme`, `side`
    no: the name is split into words first."""
    return any(w.lower() in _AUTH_WORDS for w in _WORD.findall(name))


def _cookie_name(ctx: FileContext, arg: Node) -> str:
    value = syntax.string_value(resolve(ctx, arg))
    return value if value is not None else syntax.text(arg)


#: `res.cookie` (Express, NestJS on Express), `reply.setCookie` / `reply.cookie`
#: (@fastify/cookie).
_COOKIE_METHODS = frozenset({"cookie", "setCookie"})


def response_cookie_calls(ctx: FileContext) -> Iterator[tuple[Node, list[Node], str]]:
    """(call, arguments, callee as written) for each `res.cookie(...)` on an Express
    response and `reply.setCookie(...)` / `reply.cookie(...)` on a Fastify reply."""
    for call, receiver, method in ctx.call_index.method_calls(_COOKIE_METHODS):
        if not is_response(ctx, receiver):
            continue
        args = syntax.call_arguments(call)
        if len(args) >= 2:
            written = syntax.text(receiver) if receiver.type == "identifier" else "res"
            yield call, args, f"{written}.{method}"


def set_cookie_calls(ctx: FileContext) -> Iterator[tuple[Node, str, Node | None]]:
    """(call, cookie name, options object or None) for each cookie a response sets."""
    for call, args, _callee in response_cookie_calls(ctx):
        options = resolve(ctx, args[2]) if len(args) > 2 else None
        yield call, _cookie_name(ctx, args[0]), options


def _httponly_disabled(ctx: FileContext, options: Node | None) -> Node | None:
    flag = syntax.object_get(options, "httpOnly")
    return flag if flag is not None and syntax.bool_value(resolve(ctx, flag)) is False else None


def _flag_missing(ctx: FileContext, options: Node, key: str) -> bool:
    """Whether `key` is absent or literally false (a computed flag is trusted)."""
    flag = syntax.object_get(options, key)
    if flag is None:
        return not syntax.has_spread(options)
    return syntax.bool_value(resolve(ctx, flag)) is False


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for config in session_configs(ctx):
        flag = _httponly_disabled(ctx, config.cookie)
        if flag is not None:
            yield COOKIE_HTTPONLY_DISABLED.finding(
                ctx.location(flag),
                f"{config.module} sets httpOnly: false, so page scripts (and any XSS) can "
                "read the session cookie; remove it (the default is true)",
            )
    for call, args, callee in response_cookie_calls(ctx):
        name = _cookie_name(ctx, args[0])
        options = resolve(ctx, args[2]) if len(args) > 2 else None
        flag = _httponly_disabled(ctx, options)
        if flag is not None:
            yield COOKIE_HTTPONLY_DISABLED.finding(
                ctx.location(flag),
                f'{callee}("{name}") sets httpOnly: false, so page scripts (and any XSS) '
                "can read it; set httpOnly: true unless client code truly needs the value",
            )
        if not looks_like_auth_cookie(name):
            continue
        if options is None:
            missing = ["httpOnly", "secure"]
        elif options.type != "object":
            continue  # built elsewhere: cannot tell
        else:
            missing = [
                key
                for key in ("httpOnly", "secure")
                if _flag_missing(ctx, options, key)
                and not (key == "httpOnly" and flag is not None)  # NW803 already says so
            ]
        if missing:
            yield AUTH_COOKIE_INSECURE.finding(
                ctx.location(call),
                f'{callee}("{name}") sets a credential cookie without '
                f"{' and '.join(f'{key}: true' for key in missing)}; pass "
                '{ httpOnly: true, secure: true, sameSite: "lax" }',
            )


CHECKER = Checker(rules=(COOKIE_HTTPONLY_DISABLED, AUTH_COOKIE_INSECURE), check_file=_check_file)
