"""Cookie flags on cookies the app sets itself (`res.cookie`) and on session cookies."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.express import is_response, method_call, resolve
from nodeward.source.rules.sessions import session_configs

_COOKIE_REFERENCES = (
    "OWASP Session Management Cheat Sheet, cookies: "
    "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html"
    "#cookies",
    "Express res.cookie: https://expressjs.com/en/api.html#res.cookie",
    "@fastify/cookie: https://github.com/fastify/fastify-cookie",
)

COOKIE_HTTPONLY_DISABLED = RuleMeta(
    code="NW803",
    name="cookie-httponly-disabled",
    title="Cookie readable by page scripts (`httpOnly: false`)",
    cwe=(1004,),
    owasp=Owasp.A05,
    practices=(Practice.COOKIES_SESSIONS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks for `httpOnly: false` in express-session, @fastify/session and "
        "@fastify/secure-session `cookie` options, cookie-session options, "
        "`res.cookie(name, value, { httpOnly: false })` and @fastify/cookie's "
        "`reply.setCookie(name, value, { httpOnly: false })`."
    ),
    why=(
        "A cookie without HttpOnly can be read by any script on the page, so a single "
        "cross-site scripting bug hands the attacker the session."
    ),
    example='res.cookie("sid", id, { httpOnly: false, secure: true });',
    use_instead='res.cookie("sid", id, { httpOnly: true, secure: true, sameSite: "lax" });',
    fix="Remove `httpOnly: false` (express-session and res.cookie default it to true)",
    references=_COOKIE_REFERENCES,
)

AUTH_COOKIE_INSECURE = RuleMeta(
    code="NW806",
    name="auth-cookie-insecure",
    title="Authentication cookie set without HttpOnly and Secure",
    cwe=(614, 1004),
    owasp=Owasp.A07,
    practices=(Practice.COOKIES_SESSIONS, Practice.AUTHENTICATION),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks `res.cookie(name, value, options)` on an Express (or NestJS) response and "
        "`reply.setCookie(name, value, options)` / `reply.cookie(...)` on a Fastify reply "
        "(@fastify/cookie) when the cookie "
        "name looks like a credential (auth, session, sid, token, jwt, access/refresh, "
        "remember) and the options do not set both `httpOnly: true` and `secure: true` "
        "(or no options are given). Flags that are computed (`secure: isProd`) are "
        "accepted; other cookies (theme, language) are not checked."
    ),
    why=(
        "`res.cookie` and `reply.setCookie` set neither flag by default. A token cookie "
        "without HttpOnly is "
        "stolen by any XSS, and without Secure it travels over plain HTTP."
    ),
    example='res.cookie("token", jwt);',
    use_instead='res.cookie("token", jwt, { httpOnly: true, secure: true, sameSite: "strict" });',
    fix='Pass { httpOnly: true, secure: true, sameSite: "lax" } to res.cookie / reply.setCookie',
    references=_COOKIE_REFERENCES,
)

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
    for call in ctx.nodes("call_expression"):
        found = method_call(call)
        if found is None or found[1] not in _COOKIE_METHODS or not is_response(ctx, found[0]):
            continue
        args = syntax.call_arguments(call)
        if len(args) >= 2:
            receiver = syntax.text(found[0]) if found[0].type == "identifier" else "res"
            yield call, args, f"{receiver}.{found[1]}"


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
