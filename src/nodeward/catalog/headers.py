"""Security headers and transport (NW3xx) found in the code."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_EXPRESS_PRACTICES = (
    "Express production security best practices: "
    "https://expressjs.com/en/advanced/best-practice-security.html"
)

_HELMET_DOCS = "Helmet documentation: https://helmetjs.github.io/"


MISSING_SECURITY_HEADERS = RuleMeta(
    code="NW301",
    name="missing-security-headers",
    title="Web app sets no security headers (no Helmet or equivalent)",
    cwe=(693, 1021),
    owasp=Owasp.A05,
    practices=(Practice.SECURITY_HEADERS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks projects that create an Express app (`express()`), a Fastify app "
        "(`fastify()`) or a NestJS app (`NestFactory.create(...)`) for header middleware "
        "applied anywhere in the project: Helmet (`helmet()` or any of its single-header "
        "middlewares, also `app.use(helmet())` in a Nest bootstrap), @fastify/helmet "
        "(`app.register(helmet)`), lusca, or hand-written code setting "
        "`Content-Security-Policy` or `X-Frame-Options` on the response. The finding points "
        "at the app creation and names the framework's own tool. Files under test folders "
        "are ignored."
    ),
    why=(
        "Without Content-Security-Policy, X-Frame-Options, Strict-Transport-Security and "
        "X-Content-Type-Options, browsers run injected scripts, let other sites frame the "
        "app (clickjacking) and sniff content types; Express, Fastify and NestJS set none "
        "of them themselves."
    ),
    example='const app = express();\napp.get("/", home);',
    use_instead='const app = express();\napp.use(helmet());\napp.get("/", home);',
    fix=(
        "Apply Helmet before the routes: app.use(helmet()) (Express, NestJS main.ts), "
        "app.register(helmet) from @fastify/helmet (Fastify)"
    ),
    references=(
        _EXPRESS_PRACTICES,
        _HELMET_DOCS,
        "@fastify/helmet: https://github.com/fastify/fastify-helmet",
        "NestJS Helmet: https://docs.nestjs.com/security/helmet",
    ),
)

X_POWERED_BY_EXPOSED = RuleMeta(
    code="NW302",
    name="x-powered-by-exposed",
    title="Express or NestJS app announces itself with the X-Powered-By header",
    cwe=(200, 497),
    owasp=Owasp.A05,
    practices=(Practice.X_POWERED_BY, Practice.SECURITY_HEADERS),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks projects that create an Express app, or a NestJS app on its default "
        "Express platform (`NestFactory.create(AppModule)`; Fastify sends no such header), "
        "for something removing the "
        "`X-Powered-By: Express` header: `app.disable('x-powered-by')`, "
        "`app.set('x-powered-by', false)`, `res.removeHeader('X-Powered-By')`, or Helmet "
        "(`helmet()` hides it unless `xPoweredBy: false` / `hidePoweredBy: false`; "
        "`helmet.xPoweredBy()` / `helmet.hidePoweredBy()` alone)."
    ),
    why=(
        "The header tells attackers the server runs Express, so they can aim known "
        "Express and Node.js exploits at it without fingerprinting first."
    ),
    example="const app = express();",
    use_instead='const app = express();\napp.disable("x-powered-by");',
    fix="Turn the header off: app.disable('x-powered-by') (or use helmet())",
    references=(_EXPRESS_PRACTICES, _HELMET_DOCS),
)

HELMET_PROTECTION_DISABLED = RuleMeta(
    code="NW303",
    name="helmet-protection-disabled",
    title="Helmet is configured to switch a protection off or to allow inline scripts",
    cwe=(693, 1021),
    owasp=Owasp.A05,
    practices=(Practice.SECURITY_HEADERS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks Helmet options that turn off Content-Security-Policy, "
        "Strict-Transport-Security (`strictTransportSecurity`/`hsts`), X-Content-Type-Options "
        "(`xContentTypeOptions`/`noSniff`) or X-Frame-Options (`xFrameOptions`/`frameguard`), "
        "and CSP directives (`default-src`, `script-src`) allowing `'unsafe-inline'` (without "
        "a nonce or hash), `'unsafe-eval'` or `*`. Turning off Cross-Origin-Embedder-Policy "
        "(off by default since Helmet 7) or X-XSS-Protection (Helmet sets it to `0` on "
        "purpose) is not reported."
    ),
    why=(
        "Each disabled header removes a browser defence: CSP against injected scripts, HSTS "
        "against protocol downgrade, nosniff against content-type confusion, frame options "
        "against clickjacking. `'unsafe-inline'` and `'unsafe-eval'` make a CSP useless "
        "against cross-site scripting."
    ),
    example=(
        "app.use(helmet({ contentSecurityPolicy: false }));\n"
        "app.use(helmet.contentSecurityPolicy({ directives: "
        "{ scriptSrc: [\"'self'\", \"'unsafe-inline'\"] } }));"
    ),
    use_instead=(
        "app.use(helmet({ contentSecurityPolicy: { directives: {\n"
        "  scriptSrc: [\"'self'\", (req, res) => `'nonce-${res.locals.cspNonce}'`] } } }));"
    ),
    fix="Keep Helmet's protections on; replace inline scripts with nonces or hashes",
    references=(
        _HELMET_DOCS,
        "OWASP Content Security Policy Cheat Sheet: "
        "https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html",
    ),
)

CORS_PERMISSIVE_CREDENTIALS = RuleMeta(
    code="NW304",
    name="cors-permissive-credentials",
    title="CORS allows credentialed requests from any origin",
    cwe=(942, 346),
    owasp=Owasp.A05,
    practices=(Practice.SECURITY_HEADERS, Practice.ACCESS_CONTROL),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Checks the `cors` middleware (and `@fastify/cors` options) for `credentials: true` "
        'combined with an origin that accepts everyone: `"*"` or no origin (the default '
        "`*`), `true` (reflect the request's Origin), a `/.*/` pattern, or an origin "
        "function that calls back with `true` or returns the request's Origin without "
        "testing it; `@koa/cors` with credentials and no origin (it then echoes the "
        "request's Origin) or a reflecting origin function. Also checks hand-written "
        "handlers that echo "
        "`req.headers.origin` into `Access-Control-Allow-Origin` without an allow-list test "
        "while sending `Access-Control-Allow-Credentials: true` (Express `res.set`/`res.header`, "
        "Koa `ctx.set`, Fastify `reply.header`/`reply.headers`; a test that the header is "
        'present, such as `if (req.get("origin") !== undefined)`, is no allow-list).'
    ),
    why=(
        "With credentials allowed and the origin reflected, any website a logged-in user "
        "visits can call the API with the user's cookies and read the responses: account "
        "data, CSRF tokens, anything the user can see."
    ),
    example="app.use(cors({ origin: true, credentials: true }));",
    use_instead=('app.use(cors({ origin: ["https://app.example.com"], credentials: true }));'),
    fix='List the trusted origins explicitly: cors({ origin: ["https://app.example.com"], '
    "credentials: true })",
    references=(
        "OWASP Web Security Testing Guide, Testing CORS: "
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_"
        "Security_Testing/11-Client-side_Testing/07-Testing_Cross_Origin_Resource_Sharing",
        "PortSwigger, CORS vulnerabilities: https://portswigger.net/web-security/cors",
    ),
)

HEADERS_ORDER = RuleMeta(
    code="NW320",
    name="headers-middleware-order",
    title="helmet is applied after routes it should cover, or only to some routers",
    cwe=(693, 1021),
    owasp=Owasp.A05,
    practices=(Practice.SECURITY_HEADERS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Reports `app.use(helmet())` registered after routes of the same app (Express runs "
        "middleware in registration order, so those routes answer without the headers), "
        "and helmet applied to some routers while other routes of the app go without it."
    ),
    why=(
        "Routes registered before helmet send no Content-Security-Policy, HSTS, "
        "X-Frame-Options or nosniff headers and keep X-Powered-By: the protection the "
        "code seems to have is missing exactly where it was forgotten."
    ),
    example=('app.get("/", home);\napp.use(helmet());'),
    use_instead=('app.use(helmet());\napp.get("/", home);'),
    fix="Call app.use(helmet()) right after creating the app, before any route or router",
    references=(
        "helmet: https://helmetjs.github.io/",
        "Express security best practices: https://expressjs.com/en/advanced/best-practice-security.html",
    ),
)


RULES: tuple[RuleMeta, ...] = (
    MISSING_SECURITY_HEADERS,
    X_POWERED_BY_EXPOSED,
    HELMET_PROTECTION_DISABLED,
    CORS_PERMISSIVE_CREDENTIALS,
    HEADERS_ORDER,
)
