"""Session middleware configuration: express-session, cookie-session, and Fastify's
@fastify/session and @fastify/secure-session plugins.

All take an options object, often built in a variable; express-session and the Fastify
plugins (`app.register(fastifySession, {...})`) nest the cookie flags under `cookie`,
cookie-session takes them at the top level. When the options (or the
cookie options) come from somewhere this file cannot see, the rules stay silent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from nodeward.catalog.cookies import (
    SESSION_COOKIE_NOT_SECURE,
    SESSION_COOKIE_SAMESITE,
    SESSION_DEFAULT_NAME,
    SESSION_SECRET_WEAK,
)
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.call_index import in_document_order
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules import literals
from nodeward.source.rules.express import resolve

SESSION_MODULES = ("express-session", "cookie-session")
#: Fastify session plugins, registered with `app.register(plugin, options)`.
FASTIFY_SESSION_PLUGINS = (
    "@fastify/session",
    "@fastify/secure-session",
    "fastify-session",
    "fastify-secure-session",
)
#: A file that imports none of these creates no session middleware.
_SESSION_PACKAGES = frozenset((*SESSION_MODULES, *FASTIFY_SESSION_PLUGINS))
DEFAULT_COOKIE_NAMES = {
    "express-session": "connect.sid",
    "cookie-session": "session",
    "@fastify/session": "sessionId",
    "fastify-session": "sessionId",
    "@fastify/secure-session": "session",
    "fastify-secure-session": "session",
}
#: The option that names the cookie: `name`, or `cookieName` for the Fastify plugins.
_NAME_OPTION = dict.fromkeys(FASTIFY_SESSION_PLUGINS, "cookieName")
#: @fastify/session sets `Secure` unless told otherwise: only `secure: false` is reported.
_SECURE_BY_DEFAULT = frozenset({"@fastify/session", "fastify-session"})


def session_calls(ctx: FileContext) -> Iterator[tuple[str, Node, Node | None]]:
    """(module, call, options object or None) for every session middleware created:
    `session({...})`, and `app.register(fastifySession, {...})` for the Fastify plugins."""
    if not ctx.imports_any(_SESSION_PACKAGES):
        return
    # the calls it may yield, in document order: `x.register(...)` and calls into a
    # session module
    index = ctx.call_index
    registers = (call for call, _receiver, _method in index.method_calls(("register",)))
    into = (call for call, _ref in index.calls_into(SESSION_MODULES))
    for call in in_document_order(registers, into):
        args = syntax.call_arguments(call)
        plugin = _fastify_session_plugin(ctx, call, args)
        if plugin is not None:
            yield plugin, call, resolve(ctx, args[1]) if len(args) > 1 else None
            continue
        ref = ctx.callee(call)
        if ref is None or ref.path or ref.module not in SESSION_MODULES:
            continue
        options = resolve(ctx, args[0]) if args else None
        yield ref.module, call, options


def _fastify_session_plugin(ctx: FileContext, call: Node, args: list[Node]) -> str | None:
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression" or not args:
        return None
    if syntax.text(fn.child_by_field_name("property")) != "register":
        return None
    ref = ctx.ref_of(syntax.unwrap(args[0]))
    if ref is None or ref.path or ref.module not in FASTIFY_SESSION_PLUGINS:
        return None
    return ref.module


def _default_name_findings(ctx: FileContext) -> Iterator[Finding]:
    for module, call, options in session_calls(ctx):
        if options is not None and options.type != "object":
            continue  # built elsewhere: cannot tell
        key = _NAME_OPTION.get(module, "name")
        if (
            options is not None
            and syntax.has_spread(options)
            and not syntax.object_has(options, key)
        ):
            continue
        default = DEFAULT_COOKIE_NAMES[module]
        fix = (
            f"{syntax.text(call.child_by_field_name('function'))}"
            f'({syntax.text(syntax.call_arguments(call)[0])}, {{ {key}: "sid_…" }})'
            if module in FASTIFY_SESSION_PLUGINS
            else 'session({ name: "sid_…" })'
        )
        name_node = syntax.object_get(options, key)
        if name_node is None:
            yield SESSION_DEFAULT_NAME.finding(
                ctx.location(call),
                f'{module} has no `{key}`, so its cookie is called "{default}"; '
                f"set a neutral name: {fix}",
            )
            continue
        name = syntax.string_value(name_node)
        if name is not None and name in DEFAULT_COOKIE_NAMES.values():
            yield SESSION_DEFAULT_NAME.finding(
                ctx.location(name_node),
                f'Session cookie uses the default name "{name}"; set a neutral name: {fix}',
            )


#: A secret shorter than this is weak even when it does not sit in the code.
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class SessionConfig:
    """A session middleware call and the object holding its cookie flags."""

    module: str
    call: Node
    options: Node
    cookie: Node | None  # None: express-session without `cookie` (all defaults)
    cookie_known: bool  # False when a spread or a variable hides part of the cookie options

    def flag(self, key: str) -> Node | None:
        return syntax.object_get(self.cookie, key)


def session_configs(ctx: FileContext) -> Iterator[SessionConfig]:
    """Session middleware calls whose options object this file shows."""
    for module, call, options in session_calls(ctx):
        if options is None or options.type != "object":
            continue
        if module == "cookie-session":
            yield SessionConfig(module, call, options, options, not syntax.has_spread(options))
            continue
        raw = syntax.object_get(options, "cookie")
        cookie = resolve(ctx, raw)
        if cookie is None:
            yield SessionConfig(module, call, options, None, not syntax.has_spread(options))
        elif cookie.type == "object":
            yield SessionConfig(module, call, options, cookie, not syntax.has_spread(cookie))


def _secure_findings(ctx: FileContext, config: SessionConfig) -> Iterator[Finding]:
    where = "`secure`" if config.module == "cookie-session" else "`cookie.secure`"
    secure = config.flag("secure")
    if secure is None:
        if config.cookie_known and config.module not in _SECURE_BY_DEFAULT:
            yield SESSION_COOKIE_NOT_SECURE.finding(
                ctx.location(config.call),
                f"{config.module} sets no {where}, so the session cookie is also sent over "
                'plain HTTP; set secure: true (or "auto" behind a trusted proxy)',
            )
    elif syntax.bool_value(resolve(ctx, secure)) is False:
        yield SESSION_COOKIE_NOT_SECURE.finding(
            ctx.location(secure),
            f"{config.module} sets {where} to false, so the session cookie is also sent "
            'over plain HTTP; set secure: true (or "auto" behind a trusted proxy)',
        )


def _samesite_findings(ctx: FileContext, config: SessionConfig) -> Iterator[Finding]:
    same_site = config.flag("sameSite")
    if same_site is None:
        if config.cookie_known:
            yield SESSION_COOKIE_SAMESITE.finding(
                ctx.location(config.call),
                f"{config.module} sets no sameSite on the session cookie, so other sites' "
                'requests carry it (CSRF); set sameSite: "lax" or "strict"',
            )
        return
    value = resolve(ctx, same_site)
    text = (syntax.string_value(value) or "").lower()
    if text == "none" or syntax.bool_value(value) is False:
        yield SESSION_COOKIE_SAMESITE.finding(
            ctx.location(same_site),
            f"{config.module} sets sameSite to {syntax.text(same_site)}, so the session "
            'cookie rides on cross-site requests (CSRF); set sameSite: "lax" or "strict"',
        )


def literal_strings(ctx: FileContext, node: Node | None, _depth: int = 0) -> Iterator[Node]:
    """String literals an expression may evaluate to: itself, through constants, array
    items, `a || "x"` / `a ?? "x"` fallbacks and both branches of `?:`."""
    node = syntax.unwrap(node)
    if node is None or _depth > 8:
        return
    match node.type:
        case "string" | "template_string":
            if syntax.string_value(node) is not None:
                yield node
        case "identifier" | "shorthand_property_identifier":
            bound = resolve(ctx, node)
            if bound is not None and bound != node:
                yield from literal_strings(ctx, bound, _depth + 1)
        case "array":
            for item in node.named_children:
                yield from literal_strings(ctx, item, _depth + 1)
        case "binary_expression":
            operator = node.child_by_field_name("operator")
            if syntax.text(operator) in ("||", "??"):
                yield from literal_strings(ctx, node.child_by_field_name("left"), _depth + 1)
                yield from literal_strings(ctx, node.child_by_field_name("right"), _depth + 1)
        case "ternary_expression":
            for field in ("consequence", "alternative"):
                yield from literal_strings(ctx, node.child_by_field_name(field), _depth + 1)
        case _:
            return


def _secret_findings(ctx: FileContext, module: str, options: Node) -> Iterator[Finding]:
    keys = ("secret", "keys") if module == "cookie-session" else ("secret",)
    for key in keys:
        for literal in literal_strings(ctx, syntax.object_get(options, key)):
            value = syntax.string_value(literal) or ""
            weakness = (
                f"is only {len(value)} characters long and "
                if len(value) < MIN_SECRET_LENGTH
                else ""
            )
            yield SESSION_SECRET_WEAK.finding(
                ctx.location(literal),
                f"{module} `{key}` {weakness}is a string literal in the code, so anyone "
                "with the source can forge session cookies; read a random 32+ character "
                "secret from the environment (process.env.SESSION_SECRET)",
                secrets=literals.secret_as_written(literal),
            )


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    yield from _default_name_findings(ctx)
    for config in session_configs(ctx):
        yield from _secure_findings(ctx, config)
        yield from _samesite_findings(ctx, config)
    for module, _call, options in session_calls(ctx):
        if options is not None and options.type == "object":
            yield from _secret_findings(ctx, module, options)


CHECKER = Checker(
    rules=(
        SESSION_DEFAULT_NAME,
        SESSION_COOKIE_NOT_SECURE,
        SESSION_COOKIE_SAMESITE,
        SESSION_SECRET_WEAK,
    ),
    check_file=_check_file,
)
