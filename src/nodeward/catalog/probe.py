"""Rules only the live probe can check (no static twin), and the static rules it also checks.

A weakness has one code wherever it is seen: live checks of weaknesses the static rules also
find (NW301 missing headers, NW101 SQL injection, ...) use those rules, looked up by code at
run time, so the probe and the static scan can never disagree about a rule's identity."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_OWASP_HEADERS = "OWASP HTTP Headers Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html"


HSTS_MISSING = RuleMeta(
    code="NW340",
    name="hsts-missing-or-weak",
    title="HTTPS response without a strong Strict-Transport-Security header",
    cwe=(319, 523),
    owasp=Owasp.A05,
    practices=(Practice.SECURITY_HEADERS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks HTTPS responses of the live app for a Strict-Transport-Security header with a "
        "max-age of at least one year (Helmet's default is 365 days)."
    ),
    why=(
        "Without HSTS a browser that once typed the bare host name can be downgraded to "
        "plain HTTP by anyone on the network path, who then reads or rewrites the traffic."
    ),
    example="app.use(helmet({ strictTransportSecurity: false }));",
    use_instead=(
        "app.use(helmet());\n// Strict-Transport-Security: max-age=31536000; includeSubDomains"
    ),
    fix="Send Strict-Transport-Security: max-age=31536000; includeSubDomains (helmet() does)",
    references=(
        "Helmet strictTransportSecurity: https://helmetjs.github.io/",
        _OWASP_HEADERS,
    ),
)

SERVER_VERSION = RuleMeta(
    code="NW341",
    name="server-version-exposed",
    title="The Server header reveals software versions",
    cwe=(200,),
    owasp=Owasp.A05,
    practices=(Practice.SECURITY_HEADERS, Practice.X_POWERED_BY),
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    what="Checks live responses for a `Server` header that carries a version number.",
    why=(
        "A version number lets attackers look up the known vulnerabilities of exactly that "
        "release and skip straight to a working exploit."
    ),
    example="Server: nginx/1.18.0 (Ubuntu)",
    use_instead="Server: nginx   # server_tokens off;",
    fix="Hide the version: `server_tokens off` (nginx), or drop the header in the proxy",
    references=(_OWASP_HEADERS,),
)

CACHE_AUTHENTICATED = RuleMeta(
    code="NW342",
    name="authenticated-page-cacheable",
    title="An authenticated page may be stored by caches",
    cwe=(524, 525),
    owasp=Owasp.A04,
    practices=(Practice.DATA_LEAKS, Practice.COOKIES_SESSIONS),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "With authentication (`--header`, `--cookie` or `--login-url`), checks that pages "
        "answered only for the logged-in user carry `Cache-Control: no-store` (or `private`)."
    ),
    why=(
        "Without it, shared proxies and the browser's back button can show one user's "
        "account page to the next person at the same computer or behind the same cache."
    ),
    example='app.get("/account", requireUser, (req, res) => res.render("account"));',
    use_instead=(
        'app.get("/account", requireUser, (req, res) => {\n'
        '  res.set("Cache-Control", "no-store");\n  res.render("account");\n});'
    ),
    fix='Send Cache-Control: no-store when logged in: res.set("Cache-Control", "no-store")',
    references=(
        "OWASP Session Management Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
    ),
)

COOKIE_LONG_LIFETIME = RuleMeta(
    code="NW343",
    name="session-cookie-long-lifetime",
    title="A session cookie lives for a very long time",
    cwe=(613,),
    owasp=Owasp.A07,
    practices=(Practice.COOKIES_SESSIONS,),
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    what=(
        "Checks session cookies set by the live app for a Max-Age or Expires more than 30 "
        "days ahead."
    ),
    why=(
        "A session that outlives its user's visit by months stays usable on shared "
        "computers and in stolen cookie jars long after anyone would notice."
    ),
    example="session({ secret, cookie: { maxAge: 1000 * 60 * 60 * 24 * 365 } })",
    use_instead="session({ secret, rolling: true, cookie: { maxAge: 1000 * 60 * 60 * 8 } })",
    fix="Keep session cookies short-lived (hours, not months) and renew them on activity",
    references=(
        "OWASP Session Management Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
    ),
)

EXPOSED_FILE = RuleMeta(
    code="NW650",
    name="sensitive-file-exposed",
    title="A configuration, source-control or backup file is served",
    cwe=(538, 527, 530),
    owasp=Owasp.A05,
    practices=(Practice.DATA_LEAKS, Practice.SECRETS),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Requests well-known sensitive files (/.env, /package.json, /.git/config, backups) and "
        "reports those the live app serves with matching content."
    ),
    why=(
        "A served .env hands over database passwords and signing secrets; .git exposes the "
        "source and its history; package.json lists every dependency to target."
    ),
    example='app.use(express.static(__dirname, { dotfiles: "allow" }));',
    use_instead='app.use(express.static(path.join(__dirname, "public")));',
    fix="Serve only a dedicated public folder, never the project root or dotfiles",
    references=(
        "OWASP WSTG Review Old Backup and Unreferenced Files: https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information",
    ),
)

APP_CRASH = RuleMeta(
    code="NW740",
    name="request-crashes-app",
    title="One request makes the app stop answering",
    cwe=(248, 400),
    owasp=Owasp.A04,
    practices=(Practice.ERROR_HANDLING, Practice.DENIAL_OF_SERVICE),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Notices when the live app, after answering earlier requests, drops a request and then "
        "refuses connections: the request crashed the process."
    ),
    why=(
        "An uncaught exception in a callback or promise ends a Node.js process; anyone who "
        "can send that request can take the site down at will."
    ),
    example='app.get("/x", (req, res) => { setImmediate(() => { throw new Error("x"); }); });',
    use_instead=(
        'app.get("/x", async (req, res, next) => {\n  try { await work(); res.send("ok"); }\n'
        "  catch (err) { next(err); }\n});"
    ),
    fix="Catch errors in callbacks and promises and pass them to next(err); run under a supervisor",
    references=(
        "Node.js docs, process 'uncaughtException': https://nodejs.org/api/process.html#event-uncaughtexception",
    ),
)


RULES: tuple[RuleMeta, ...] = (
    HSTS_MISSING,
    SERVER_VERSION,
    CACHE_AUTHENTICATED,
    COOKIE_LONG_LIFETIME,
    EXPOSED_FILE,
    APP_CRASH,
)

#: Rules of the static analysis that the probe also checks on the live app (same code, one
#: identity); tests/web keeps this list in step with the codes the checks use.
LIVE_SHARED_CODES = frozenset(
    {
        "NW101", "NW102", "NW103", "NW104", "NW105", "NW106", "NW110", "NW111", "NW114",
        "NW301", "NW302", "NW303", "NW304", "NW401", "NW501", "NW502", "NW540", "NW610",
        "NW630", "NW720", "NW741", "NW801", "NW802", "NW803", "NW804", "NW901",
    }
)  # fmt: skip
