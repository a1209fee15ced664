"""Login, sign-up and password flows found through the route table: session fixation,
user enumeration, weak password policy, unlogged failures, no second factor."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.auth import (
    FAILED_LOGIN_NOT_LOGGED,
    NO_SECOND_FACTOR,
    SESSION_FIXATION,
    USER_ENUMERATION,
    WEAK_PASSWORD_POLICY,
)
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.appmodel import App, Guard, Route
from nodeward.source.appmodel.inspect import (
    WRITE_METHODS,
    handler_calls,
    handler_text,
    is_login_route,
    passport_local,
    segments,
)
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.regex_length import min_length
from nodeward.source.rules.express import resolve
from nodeward.source.rules.passport_strategies import (
    LOG_CALL,
    distinct_verifiers,
    rejections,
    unlogged_rejections,
)
from nodeward.source.rules.password_schemas import weak_password_schemas

SECOND_FACTOR_PACKAGES = (
    "otplib",
    "@otplib/core",
    "@otplib/preset-default",
    "speakeasy",
    "node-2fa",
    "notp",
    "otpauth",
    "@simplewebauthn/server",
    "fido2-lib",
    "@passwordless-id/webauthn",
    "passport-totp",
    "totp-generator",
)

# -- shared ---------------------------------------------------------------------------

_SESSION_USER_KEY = re.compile(
    r"^(user|userId|user_id|uid|authenticated|isAuthenticated|loggedIn|logged_in|account|"
    r"accountId|email|username|role|auth)$"
)
_PASSPORT_LOGIN = re.compile(r"\breq\.(logIn|login)\(")
_FAILURE_STATUS = frozenset({400, 401, 403, 404, 409, 422})


def _sets_session_user(route: Route) -> Node | None:
    func = route.handler.function
    if func is None:
        return None
    for node in syntax.walk(func):
        if node.type != "assignment_expression":
            continue
        chain = syntax.member_chain(node.child_by_field_name("left"))
        if (
            chain
            and len(chain) >= 3
            and chain[0] in ("req", "request")
            and chain[1] == "session"
            and _SESSION_USER_KEY.match(chain[2])
        ):
            return node
    return None


def _uses_express_session(app: App) -> bool:
    return any(
        m.ref is not None and m.ref.module == "express-session"
        for r in app.routes
        for m in r.chain
        if m.has(Guard.SESSION)
    )


# -- failure answers --------------------------------------------------------------------


def _answers(route: Route) -> list[tuple[Node, int | None, str]]:
    """(call, status, message) for each error answer of the handler: res.status(4xx)...,
    res.sendStatus(4xx), done(null, false, { message })."""
    found: list[tuple[Node, int | None, str]] = []
    for _ctx, call, _ref in handler_calls(route):
        chain = syntax.member_chain(call.child_by_field_name("function"))
        if chain is None:
            continue
        args = syntax.call_arguments(call)
        if chain[-1] == "status" and args:
            status = syntax.number_value(args[0])
            if status is not None and int(status) in _FAILURE_STATUS:
                found.append((call, int(status), _message_after(call)))
        elif chain[-1] == "sendStatus" and args:
            status = syntax.number_value(args[0])
            if status is not None and int(status) in _FAILURE_STATUS:
                found.append((call, int(status), ""))
        elif chain[-1] == "render" and len(args) >= 2 and route.handler.function is not None:
            # server-rendered forms: res.render("login", { loginError: "Invalid password" })
            for key, item, _pair in syntax.object_entries(args[1]):
                if key is not None and _ERROR_KEY.search(key):
                    message = _literal(route.handler.function, item)
                    if message:
                        found.append((call, None, message))
        elif chain[-1] == "flash" and len(args) >= 2:
            # req.flash("danger", "Invalid login username") before a redirect
            kind = syntax.string_value(args[0]) or ""
            message = _literal(route.handler.function, args[1]) if route.handler.function else None
            if message and _FLASH_ERROR.match(kind):
                found.append((call, None, message))
    return found


_ERROR_KEY = re.compile(r"error|message|msg|alert|warning", re.IGNORECASE)
_FLASH_ERROR = re.compile(r"^(error|danger|warning|warn|fail(ure)?|alert)$", re.IGNORECASE)


def _literal(func: Node, node: Node) -> str | None:
    """A string literal, or a local variable of the handler initialised with one."""
    value = syntax.string_value(node)
    if value is not None or node.type != "identifier":
        return value
    name = syntax.text(node)
    for declarator in syntax.walk(func):
        if declarator.type == "variable_declarator":
            ident = declarator.child_by_field_name("name")
            if ident is not None and syntax.text(ident) == name:
                return syntax.string_value(declarator.child_by_field_name("value"))
    return None


def _message_after(status_call: Node) -> str:
    """The literal text of `res.status(401).json({ error: "..." })` / `.send("...")`."""
    parent = status_call.parent
    if parent is None or parent.type != "member_expression" or parent.parent is None:
        return ""
    outer = parent.parent
    if outer.type != "call_expression":
        return ""
    args = syntax.call_arguments(outer)
    if not args:
        return ""
    value = syntax.string_value(args[0])
    if value is not None:
        return value
    for _key, item, _pair in syntax.object_entries(args[0]):
        text = syntax.string_value(item)
        if text is not None:
            return text
    return syntax.text(args[0])


_CREDENTIAL_FAILURE = re.compile(
    r"user|password|credential|account|e-?mail|username|not found|invalid|incorrect|wrong|"
    r"unknown|exist",
    re.IGNORECASE,
)
_VALIDATION_FAILURE = re.compile(r"required|missing|must be|provide", re.IGNORECASE)


def _credential_failures(route: Route) -> list[tuple[Node, int | None, str]]:
    return [
        (call, status, message)
        for call, status, message in _answers(route)
        if status != 400 or _CREDENTIAL_FAILURE.search(message)
        if not _VALIDATION_FAILURE.search(message)
    ]


_FORGOT_SEGMENT = re.compile(
    r"^(forgot-?(password|pass|pw)?|reset-?(password|pass|pw)?|password-?reset|recover)$", re.I
)
_NO_ACCOUNT = re.compile(
    r"not found|no (user|account)|does ?n[o']t exist|unknown|not registered|"
    r"invalid (login |e-?mail |account )?(user ?name|login|user|account)\b",
    re.I,
)


def _enumeration(route: Route) -> Finding | None:
    failures = _credential_failures(route)
    if route.method not in WRITE_METHODS:
        return None
    if is_login_route(route) and len(failures) >= 2:
        distinct = {(status, message.strip().lower()) for _call, status, message in failures}
        if len(distinct) > 1:
            shown = "; ".join(f"{s or ''} {m!r}".strip() for _c, s, m in failures[:3])
            return USER_ENUMERATION.finding(
                route.location,
                f"{route.label} answers failed logins differently ({shown}), which tells "
                'an attacker whether an account exists; answer "Invalid e-mail or password" '
                "with one status for every failure",
            )
    if any(_FORGOT_SEGMENT.match(s) for s in segments(route.path)):
        for _call, status, message in failures:
            if status == 404 or _NO_ACCOUNT.search(message):
                return USER_ENUMERATION.finding(
                    route.location,
                    f"{route.label} tells the client that no account exists "
                    f"({status or ''} {message!r}); always answer "
                    '"If the account exists, we sent an e-mail"',
                )
    return None


def _strategy_messages(verify: Node) -> list[tuple[Node, str]]:
    """The messages of a verify callback's rejections, `done(null, false, { message })`."""
    found: list[tuple[Node, str]] = []
    for node in rejections(verify):
        args = syntax.call_arguments(node)
        if len(args) >= 3:
            message = syntax.string_value(syntax.object_get(args[2], "message"))
            found.append((node, message if message is not None else syntax.text(args[2])))
    return found


def _strategy_enumeration(graph: ModuleGraph) -> Iterator[Finding]:
    """passport-local verify callbacks (inline, local or imported) that say "Unknown user"
    and "Wrong password"; a callback shared by two strategies is reported once."""
    for strategy in distinct_verifiers(graph):
        messages = _strategy_messages(strategy.verify)
        if len({m.strip().lower() for _n, m in messages}) > 1:
            node = messages[1][0]
            shown = ", ".join(repr(m) for _n, m in messages[:3])
            yield USER_ENUMERATION.finding(
                strategy.verify_ctx.location(node),
                f"The passport-local strategy rejects logins with different messages ({shown}), "
                "which tells an attacker whether an account exists; use one message such as "
                '"Invalid e-mail or password"',
            )


_PASSWORD_NAME = re.compile(r"(?:new_?|old_?)?(?:password|passwd|pass|pwd|pw)", re.IGNORECASE)
_LENGTH_CHECK = re.compile(r"\.length\s*+[<>]|[<>]=?\s*+[\w.]++\.length|isLength|minLength")
#: NIST SP 800-63B: at least 8 characters for memorized secrets a user chooses
_SHORTEST_ACCEPTABLE = 8


_TESTS = ("test", "match", "search")


def _tested_value(call: Node) -> tuple[Node, Node] | None:
    """(pattern, subject) of `pattern.test(subject)` or `subject.match(pattern)`."""
    function = call.child_by_field_name("function")
    method = function.child_by_field_name("property") if function is not None else None
    name = syntax.text(method) if method is not None else ""
    if name not in _TESTS:
        return None  # most calls: nothing else is read
    receiver = function.child_by_field_name("object") if function is not None else None
    args = syntax.call_arguments(call)
    if receiver is None or not args:
        return None
    match name:
        case "test":
            return receiver, args[0]
        case "match" | "search":
            return args[0], receiver
    return None


def _is_password(subject: Node) -> bool:
    chain = syntax.member_chain(syntax.unwrap(subject))
    return chain is not None and _PASSWORD_NAME.fullmatch(chain[-1]) is not None


def _regex_of(ctx: FileContext, node: Node) -> Node | None:
    """The literal a pattern expression names: `/^...$/`, `PASS_RE`, `rules.password`."""
    value = resolve(ctx, node)
    if value is not None and value.type == "member_expression":
        owner = resolve(ctx, value.child_by_field_name("object"))
        key = value.child_by_field_name("property")
        if owner is not None and owner.type == "object" and key is not None:
            value = resolve(ctx, syntax.object_get(owner, syntax.text(key)))
    return value


def _weak_password_patterns(ctx: FileContext) -> Iterator[Finding]:
    """A password rule such as `PASS_RE = /^.{1,20}$/; PASS_RE.test(password)`: an anchored
    pattern decides the whole password, and this one accepts a single character."""
    reported: set[int] = set()
    for call, _receiver, _method in ctx.call_index.method_calls(_TESTS):
        tested = _tested_value(call)
        if tested is None or not _is_password(tested[1]):
            continue
        pattern = _regex_of(ctx, tested[0])
        if pattern is None or pattern.type != "regex" or pattern.id in reported:
            continue
        body = pattern.child_by_field_name("pattern")
        text = syntax.text(body) if body is not None else ""
        if not (text.startswith("^") and text.endswith("$") and not text.endswith("\\$")):
            continue
        shortest = min_length(text)
        if shortest is None or shortest >= _SHORTEST_ACCEPTABLE:
            continue
        scope = syntax.enclosing_function(call)
        if scope is not None and _LENGTH_CHECK.search(syntax.text(scope)):
            continue
        reported.add(pattern.id)
        plural = "" if shortest == 1 else "s"
        yield WEAK_PASSWORD_POLICY.finding(
            ctx.location(pattern),
            f"The password rule {syntax.text(pattern)} accepts passwords of {shortest} "
            f"character{plural}; require at least 12 (e.g. /^.{{12,128}}$/) or check the "
            "strength with zxcvbn",
        )


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    yield from _weak_password_patterns(ctx)
    yield from weak_password_schemas(ctx)


# -- per rule ---------------------------------------------------------------------------


def _fixation(app: App, route: Route) -> Finding | None:
    if not _uses_express_session(app) or any(passport_local(m) for m in route.chain):
        return None
    text = handler_text(route)
    assignment = _sets_session_user(route)
    if assignment is None or "regenerate(" in text or _PASSPORT_LOGIN.search(text):
        return None
    return SESSION_FIXATION.finding(
        route.location,
        f"{route.label} stores the user in the session (`{syntax.text(assignment)[:50]}`) "
        "without req.session.regenerate(); regenerate the session id before signing the "
        "user in",
    )


#: `req.body.password`, or `{ ..., password, ... } = req.body`: the braces are read once
#: (the lookahead finds the name, the possessive run takes the rest) and hold no brace, so
#: a run of `{` without a `}` is not rescanned from each one
_PASSWORD_FROM_BODY = re.compile(
    r"req\.body\.(?:password|newPassword|new_password|pass|pwd)\b"
    r"|\{(?=[^{}]*?\b(?:password|newPassword|new_password)\b)[^{}]*+\}\s*+=\s*+req\.body"
)
_STORES = re.compile(r"bcrypt|argon2|scrypt|pbkdf2|hash|\.create\(|\.save\(|insert|update", re.I)
_STRENGTH_CHECK = re.compile(
    r"\.length\s*[<>]|[<>]=?\s*[\w.]+\.length|isStrongPassword|zxcvbn|isLength|\.test\(|"
    r"\.match\(|\.min\(|passwordStrength|validatePassword|checkPassword|PasswordPolicy|"
    r"\.validate\(|\.validateAsync\(|safeParse|\.parse\(|owasp",
)
_SIGNUP_SEGMENT = re.compile(
    r"^(register|signup|sign-?up|join|users|accounts|password|passwords|change-?password|"
    r"reset-?(password|pass|pw)?|new-?password|update-?password)$",
    re.IGNORECASE,
)


def _weak_password(route: Route) -> Finding | None:
    if route.method not in WRITE_METHODS:
        return None
    if not any(_SIGNUP_SEGMENT.match(s) for s in segments(route.path)):
        return None
    text = handler_text(route)
    if not _PASSWORD_FROM_BODY.search(text) or not _STORES.search(text):
        return None
    if _STRENGTH_CHECK.search(text) or route.guarded_by(Guard.VALIDATION):
        return None
    return WEAK_PASSWORD_POLICY.finding(
        route.location,
        f"{route.label} stores the password from the request body with no length or "
        "strength check; reject short passwords first (at least 12 characters, e.g. "
        'body("password").isLength({ min: 12 }) or zxcvbn)',
    )


def _unlogged_failure(route: Route) -> Finding | None:
    if not is_login_route(route):
        return None
    failures = [f for f in _credential_failures(route) if f[1] in (401, 403) or f[2]]
    if not failures:
        return None
    for _ctx, call, _ref in handler_calls(route):
        name = syntax.dotted_name(call.child_by_field_name("function")) or ""
        if LOG_CALL.search(name):
            return None
    return FAILED_LOGIN_NOT_LOGGED.finding(
        route.location,
        f"{route.label} rejects failed logins without logging them; log the user name and "
        "source IP with the app's logger before answering",
    )


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    first_login: Route | None = None
    for app in analysis.app_model.apps:
        for route in app.routes:
            if not route.complete or route.handler.function is None:
                if route.complete and first_login is None and is_login_route(route):
                    first_login = route
                continue
            if is_login_route(route) and first_login is None:
                first_login = route
            for finding in (
                _fixation(app, route) if is_login_route(route) else None,
                _enumeration(route),
                _weak_password(route),
                _unlogged_failure(route),
            ):
                if finding is not None:
                    yield finding
    yield from _strategy_enumeration(analysis.module_graph)
    yield from unlogged_rejections(analysis.module_graph)
    project = analysis.project
    if first_login is not None and not any(project.uses_package(p) for p in SECOND_FACTOR_PACKAGES):
        yield NO_SECOND_FACTOR.finding(
            first_login.location,
            f"{first_login.label} signs users in with a password, and the project uses no "
            "TOTP or WebAuthn library; offer a second factor (otplib, @simplewebauthn/server)",
        )


CHECKER = Checker(
    rules=(
        SESSION_FIXATION,
        USER_ENUMERATION,
        WEAK_PASSWORD_POLICY,
        FAILED_LOGIN_NOT_LOGGED,
        NO_SECOND_FACTOR,
    ),
    check_file=_check_file,
    check_project=_check_project,
)
