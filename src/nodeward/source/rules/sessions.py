"""Session middleware configuration: express-session and cookie-session."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

SESSION_MODULES = ("express-session", "cookie-session")
DEFAULT_COOKIE_NAMES = {"express-session": "connect.sid", "cookie-session": "session"}

SESSION_DEFAULT_NAME = RuleMeta(
    code="NW801",
    name="session-cookie-default-name",
    title="Session cookie uses the framework's default name",
    cwe=(1004, 200),
    owasp=Owasp.A05,
    practices=(Practice.COOKIES_SESSIONS, Practice.DEFAULT_COOKIE_NAMES),
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    what=(
        "Checks for express-session or cookie-session configured without a `name`, or with "
        "a framework default (`connect.sid`, `session`)."
    ),
    why=(
        "A default cookie name tells an attacker which framework and session store run "
        "behind the site, and lets generic attack tooling target it."
    ),
    example="app.use(session({ secret: process.env.SESSION_SECRET }));",
    use_instead=(
        'app.use(session({ name: "sid_7f3a", secret: process.env.SESSION_SECRET,\n'
        '  cookie: { secure: true, httpOnly: true, sameSite: "lax" } }));'
    ),
    fix='Give the session cookie a neutral name: session({ name: "sid_…" })',
    references=(
        "Express production security best practices: https://expressjs.com/en/advanced/best-practice-security.html",
        "OWASP Session Management Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
    ),
)


def session_calls(ctx: FileContext) -> Iterator[tuple[str, Node, Node | None]]:
    """(module, call, options object or None) for every session middleware created."""
    for call in ctx.calls:
        ref = ctx.callee(call)
        if ref is None or ref.path or ref.module not in SESSION_MODULES:
            continue
        args = syntax.call_arguments(call)
        options = ctx.value_of(args[0]) if args else None
        yield ref.module, call, options


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for module, call, options in session_calls(ctx):
        if options is not None and options.type != "object":
            continue  # built elsewhere: cannot tell
        if (
            options is not None
            and syntax.has_spread(options)
            and not syntax.object_has(options, "name")
        ):
            continue
        default = DEFAULT_COOKIE_NAMES[module]
        name_node = syntax.object_get(options, "name")
        if name_node is None:
            yield SESSION_DEFAULT_NAME.finding(
                ctx.location(call),
                f'{module} has no `name`, so its cookie is called "{default}"; '
                'set a neutral name: session({ name: "sid_…" })',
            )
            continue
        name = syntax.string_value(name_node)
        if name is not None and name in DEFAULT_COOKIE_NAMES.values():
            yield SESSION_DEFAULT_NAME.finding(
                ctx.location(name_node),
                f'Session cookie uses the default name "{name}"; '
                'set a neutral name: session({ name: "sid_…" })',
            )


CHECKER = Checker(rules=(SESSION_DEFAULT_NAME,), check_file=_check_file)
