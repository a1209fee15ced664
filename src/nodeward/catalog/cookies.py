"""Cookies and session management (NW8xx)."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_COOKIE_REFERENCES = (
    "OWASP Session Management Cheat Sheet, cookies: "
    "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html"
    "#cookies",
    "Express res.cookie: https://expressjs.com/en/api.html#res.cookie",
    "@fastify/cookie: https://github.com/fastify/fastify-cookie",
)

_SESSION_REFERENCES = (
    "OWASP Session Management Cheat Sheet: "
    "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
    "express-session options: https://github.com/expressjs/session#options",
    "@fastify/session options: https://github.com/fastify/session#options",
)


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
        "Checks for express-session or cookie-session configured without a `name`, and "
        "@fastify/session or @fastify/secure-session registered without a `cookieName`, "
        "or with a framework default (`connect.sid`, `session`, `sessionId`)."
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

SESSION_COOKIE_NOT_SECURE = RuleMeta(
    code="NW802",
    name="session-cookie-not-secure",
    title="Session cookie may be sent over plain HTTP (no `secure` flag)",
    cwe=(614,),
    owasp=Owasp.A05,
    practices=(Practice.COOKIES_SESSIONS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks express-session (`cookie.secure`) and cookie-session (`secure`) for a "
        '`secure` flag that is `false` or missing. `secure: true`, `secure: "auto"` and '
        'expressions such as `process.env.NODE_ENV === "production"` are accepted. '
        "@fastify/session and @fastify/secure-session (`cookie.secure`) are reported when "
        "the flag is `false` (@fastify/session sets it by default)."
    ),
    why=(
        "A session cookie without `Secure` is sent on any plain-HTTP request to the site, "
        "where anyone on the network path can read it and take over the session."
    ),
    example="app.use(session({ secret: process.env.SESSION_SECRET, cookie: { httpOnly: true } }));",
    use_instead=(
        'app.set("trust proxy", 1);\n'
        "app.use(session({ secret: process.env.SESSION_SECRET,\n"
        '  cookie: { secure: true, httpOnly: true, sameSite: "lax" } }));'
    ),
    fix='Set cookie: { secure: true } (or "auto" behind a proxy with trust proxy set)',
    references=_SESSION_REFERENCES,
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

SESSION_COOKIE_SAMESITE = RuleMeta(
    code="NW804",
    name="cookie-samesite-missing",
    title="Session cookie has no SameSite protection",
    cwe=(1275, 352),
    owasp=Owasp.A01,
    practices=(Practice.COOKIES_SESSIONS, Practice.CSRF),
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    what=(
        "Checks express-session (`cookie.sameSite`) and cookie-session (`sameSite`) for a "
        'missing `sameSite`, or `sameSite` set to `"none"` or `false`; also the `cookie` '
        "options of @fastify/session and @fastify/secure-session "
        "(`app.register(fastifySession, { cookie: {...} })`)."
    ),
    why=(
        "Without SameSite the browser attaches the session cookie to requests other sites "
        "trigger, which is what cross-site request forgery needs; browsers that do not "
        "default to Lax (and Lax's two-minute POST exception) leave the app exposed."
    ),
    example="app.use(session({ secret: process.env.S, cookie: { secure: true } }));",
    use_instead=(
        'app.use(session({ secret: process.env.S, cookie: { secure: true, sameSite: "lax" } }));'
    ),
    fix='Set cookie: { sameSite: "lax" } (or "strict")',
    references=(
        *_SESSION_REFERENCES,
        "OWASP CSRF Prevention Cheat Sheet, SameSite: "
        "https://cheatsheetseries.owasp.org/cheatsheets/"
        "Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html",
    ),
)

SESSION_SECRET_WEAK = RuleMeta(
    code="NW805",
    name="session-secret-weak",
    title="Session secret is written in the code",
    cwe=(798, 321),
    owasp=Owasp.A02,
    practices=(Practice.COOKIES_SESSIONS, Practice.SECRETS),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Checks express-session, @fastify/session and @fastify/secure-session `secret` and "
        "cookie-session `secret`/`keys` for string "
        "literals, directly, through a constant, in an array, or as the fallback of "
        '`process.env.X || "..."`. Values read from the environment or a config lookup '
        "are accepted."
    ),
    why=(
        "Whoever knows the secret can forge signed session cookies and log in as anyone. "
        "A secret in the source is known to everyone with the repository, its history, "
        "or a leaked build; a short one can be brute-forced offline from one cookie."
    ),
    example='app.use(session({ secret: "keyboard cat" }));',
    use_instead="app.use(session({ secret: process.env.SESSION_SECRET }));",
    fix="Read a random secret of 32+ characters from the environment or a secret store",
    references=(
        *_SESSION_REFERENCES,
        "OWASP Secrets Management Cheat Sheet: "
        "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
    ),
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


RULES: tuple[RuleMeta, ...] = (
    SESSION_DEFAULT_NAME,
    SESSION_COOKIE_NOT_SECURE,
    COOKIE_HTTPONLY_DISABLED,
    SESSION_COOKIE_SAMESITE,
    SESSION_SECRET_WEAK,
    AUTH_COOKIE_INSECURE,
)
