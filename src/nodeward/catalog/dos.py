"""Brute force and denial of service (NW7xx)."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_REFERENCES = (
    "Express security best practices: https://expressjs.com/en/advanced/best-practice-security.html",
    "OWASP Denial of Service Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Denial_of_Service_Cheat_Sheet.html",
)


BODY_NO_LIMIT = RuleMeta(
    code="NW701",
    name="body-parser-no-limit",
    title="Request bodies or uploads may be arbitrarily large",
    cwe=(400, 770),
    owasp=Owasp.A05,
    practices=(Practice.DENIAL_OF_SERVICE,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks express.json/urlencoded/raw/text, body-parser, koa-bodyparser, koa-body and "
        "fastify for a body limit above 10 MB (`'100mb'`, `52428800`) or `Infinity`, and "
        "express-fileupload and multer configured without `limits.fileSize`. Parsers left "
        "at their defaults (100 kB for body-parser, 1 MB for fastify) are not reported."
    ),
    why=(
        "Body parsers buffer the whole body in memory and JSON-parse it on the event loop: "
        "a few concurrent large requests exhaust memory or block every other request. "
        "Uploads without a size cap fill the disk or memory."
    ),
    example=(
        "app.use(express.json({ limit: '500mb' }));\nconst upload = multer({ dest: 'uploads/' });"
    ),
    use_instead=(
        "app.use(express.json({ limit: '100kb' }));\n"
        "const upload = multer({ dest: 'uploads/', limits: { fileSize: 5 * 1024 * 1024 } });"
    ),
    fix="Keep body limits small (default 100kb, a few MB at most) and set limits.fileSize",
    references=_REFERENCES,
)

NO_RATE_LIMITING = RuleMeta(
    code="NW702",
    name="no-rate-limiting",
    title="The project has login routes and no rate limiting anywhere",
    cwe=(307, 770),
    owasp=Owasp.A07,
    practices=(Practice.DENIAL_OF_SERVICE, Practice.BRUTE_FORCE),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports a project that registers a login-like POST route (`/login`, `/signin`, "
        "`/auth`, `/token`, password reset, OTP; on an Express app or router, Koa or "
        "fastify router, or a NestJS `@Post('login')`) while no rate-limiting package is "
        "imported or declared in any package.json: express-rate-limit, rate-limiter-flexible, "
        "express-brute, express-slow-down, express-limiter, @nestjs/throttler, "
        "koa-ratelimit, @fastify/rate-limit (so a global `app.register(rateLimit)` or a "
        "ThrottlerModule with an APP_GUARD ThrottlerGuard counts). It points at the app "
        "creation (`express()`, `fastify()`, `NestFactory.create(...)`), where a global "
        "limiter goes (at the first such route when no app owns it), and names the "
        "framework's own limiter. Route-level gaps are NW720's job."
    ),
    why=(
        "With no limiter anywhere, credential stuffing and password guessing run at the "
        "server's full speed, and every expensive endpoint can be flooded."
    ),
    example="app.post('/login', passport.authenticate('local'), done);",
    use_instead=(
        "const rateLimit = require('express-rate-limit');\n"
        "app.post('/login', rateLimit({ windowMs: 15 * 60 * 1000, limit: 5 }), "
        "passport.authenticate('local'), done);"
    ),
    fix=(
        "Add express-rate-limit (or rate-limiter-flexible) to the login routes and the API; "
        "on Fastify register @fastify/rate-limit, on NestJS apply @nestjs/throttler's "
        "ThrottlerGuard as an APP_GUARD"
    ),
    references=_REFERENCES,
)

LOOP_BOUND = RuleMeta(
    code="NW703",
    name="request-sized-loop",
    title="Request data sets how long a loop runs or how much memory a call takes",
    cwe=(606, 400, 770),
    owasp=Owasp.A04,
    practices=(Practice.DENIAL_OF_SERVICE,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Follows request data (across functions and files) into the bound of a for, while or "
        "do loop, or the size of `Array(n)`, `new Array(n)`, `Array.from({ length: n })`, "
        "`s.repeat(n)`, `padStart`/`padEnd` or `Buffer.alloc(n)`, with no upper bound "
        "checked on the way. A `.length` bound counts only on a value that may be an object "
        "(a JSON body or a parsed query): a string's or an array's length is capped by the "
        "body size, an object's `length` is whatever the client wrote. parseInt or Number "
        "alone is no bound; Math.min(n, MAX), _.clamp, or a comparison such as "
        "`if (n > MAX) return` before the loop is."
    ),
    why=(
        'One request with `{"items": {"length": 1e9}}` or `?count=1e9` keeps the event loop '
        "busy or exhausts memory: Node.js answers no other request meanwhile."
    ),
    example=(
        'app.post("/list", (req, res) => {\n  const items = req.body.items;\n'
        "  for (let i = 0; i < items.length; i++) out.push(items[i]);\n});"
    ),
    use_instead=(
        "const items = Array.isArray(req.body.items) ? req.body.items.slice(0, 100) : [];\n"
        "const count = Math.min(parseInt(req.query.count, 10) || 0, 100);"
    ),
    fix=(
        "Bound the size first: check Array.isArray and cap it (slice(0, MAX)), or "
        "Math.min(parseInt(n, 10) || 0, MAX) for a number"
    ),
    references=(
        *_REFERENCES,
        "CWE-606 Unchecked Input for Loop Condition: https://cwe.mitre.org/data/definitions/606.html",
    ),
)

GRAPHQL_NO_DEPTH_LIMIT = RuleMeta(
    code="NW704",
    name="graphql-no-depth-limit",
    title="GraphQL server without a query depth or cost limit",
    cwe=(400, 770),
    owasp=Owasp.A05,
    practices=(Practice.DENIAL_OF_SERVICE,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks Apollo Server (`new ApolloServer({...})`), express-graphql and koa-graphql "
        "(`graphqlHTTP({...})`), GraphQL Yoga (`createYoga({...})`), mercurius "
        "(`app.register(mercurius, {...})`) and NestJS `GraphQLModule.forRoot({...})` "
        "created without any depth or cost limiting: no `validationRules` or `plugins` "
        "entry from graphql-depth-limit (`depthLimit(n)`), graphql-query-complexity, "
        "graphql-validation-complexity, graphql-cost-analysis, @envelop/depth-limit "
        "(`useDepthLimit`), GraphQL Armor (`maxDepthPlugin`, `costLimitPlugin`) or a "
        "plugin of the project's own that computes depth or complexity, and for mercurius "
        "no `queryDepth`. Options built elsewhere, spread in or naming a rule of another "
        "project file are not judged, nor NestJS modules of a project that imports one of "
        "those limiting packages anywhere (Nest registers a complexity plugin as a "
        "`@Plugin()` provider, outside forRoot's options)."
    ),
    why=(
        "GraphQL lets one request ask for nested relations as deep as the schema allows "
        "(`user { friends { friends { friends ... } } }`) and alias the same field "
        "hundreds of times. Without a depth or cost limit a single small query makes the "
        "server resolve millions of objects: a denial of service that no rate limit on "
        "the number of requests stops."
    ),
    example="const server = new ApolloServer({ typeDefs, resolvers });",
    use_instead=(
        'const depthLimit = require("graphql-depth-limit");\n'
        "const server = new ApolloServer({ typeDefs, resolvers,\n"
        "  validationRules: [depthLimit(10)] });"
    ),
    fix=(
        "Limit query depth and cost: validationRules: [depthLimit(10)] (graphql-depth-limit) "
        "or a graphql-query-complexity rule; Yoga/envelop useDepthLimit({ maxDepth: 10 }) "
        "or GraphQL Armor; mercurius queryDepth: 10"
    ),
    references=(
        "OWASP GraphQL Cheat Sheet, Query Limiting: "
        "https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html",
        "graphql-depth-limit: https://github.com/stems/graphql-depth-limit",
        "graphql-query-complexity: https://github.com/slicknode/graphql-query-complexity",
        "CWE-770 Allocation of Resources Without Limits or Throttling: "
        "https://cwe.mitre.org/data/definitions/770.html",
    ),
)

LOGIN_NO_RATE_LIMIT = RuleMeta(
    code="NW720",
    name="login-no-rate-limit",
    title="Authentication route without rate limiting or lockout",
    cwe=(307,),
    owasp=Owasp.A07,
    practices=(Practice.BRUTE_FORCE, Practice.ACCESS_CONTROL),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports login, token, password-reset and OTP routes (by path, or because the "
        "handler calls bcrypt.compare / argon2.verify or the chain runs "
        'passport.authenticate("local")) whose middleware chain has no rate limiter, '
        "slow-down or brute-force guard (express-rate-limit, express-slow-down, "
        "express-brute, rate-limiter-flexible; on Fastify @fastify/rate-limit registered "
        "globally or a route's `config.rateLimit`; on NestJS ThrottlerGuard, global or in "
        "`@UseGuards`, unless `@SkipThrottle()`) and whose handler keeps no attempt "
        "counter. The fix names the app's framework's own limiter."
    ),
    why=(
        "Without a limit an attacker can try passwords, reset tokens or one-time codes as "
        "fast as the server answers: credential stuffing and code guessing succeed."
    ),
    example='router.post("/login", passport.authenticate("local"), done);',
    use_instead=(
        "const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 5 });\n"
        'router.post("/login", loginLimiter, passport.authenticate("local"), done);'
    ),
    fix=(
        "Put a rate limiter in the route's chain: rateLimit({ windowMs: 15 * 60 * 1000, "
        "limit: 5 }) from express-rate-limit, or a rate-limiter-flexible consume() per "
        "user and IP; on Fastify @fastify/rate-limit with the route's "
        "config.rateLimit, on NestJS ThrottlerGuard with @Throttle()"
    ),
    references=(
        "OWASP Authentication Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html",
        "Express security best practices (brute force): https://expressjs.com/en/advanced/best-practice-security.html",
        "@fastify/rate-limit: https://github.com/fastify/fastify-rate-limit",
        "NestJS rate limiting: https://docs.nestjs.com/security/rate-limiting",
    ),
)

RATE_LIMIT_BYPASS = RuleMeta(
    code="NW741",
    name="rate-limit-forwarded-for-bypass",
    title="A spoofed X-Forwarded-For header resets the rate limit",
    cwe=(307, 348),
    owasp=Owasp.A07,
    practices=(Practice.BRUTE_FORCE,),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "In the code: reports rate limiters (express-rate-limit, express-slow-down, "
        "@fastify/rate-limit, koa-ratelimit, rate-limiter-flexible's consume()) whose key "
        "function reads a client-IP header (X-Forwarded-For, X-Real-IP, Forwarded, ...), and "
        "limiters keyed on the client address in a project that trusts every proxy "
        '(`app.set("trust proxy", true)`, `app.enable("trust proxy")`, Koa\'s `app.proxy = '
        "true`, Fastify's `trustProxy: true`). On the live app: after the login route answers "
        "429, sends one more attempt with a fresh X-Forwarded-For address and reports the "
        "limit if it no longer applies."
    ),
    why=(
        "A header the client writes, or req.ip when `trust proxy` accepts any hop, lets each "
        "attempt claim a new address: the limiter counts every request under a fresh key and "
        "never triggers."
    ),
    example=(
        'app.set("trust proxy", true);\napp.post("/login", rateLimit({ limit: 5 }), login);\n'
        'rateLimit({ keyGenerator: (req) => req.headers["x-forwarded-for"] || req.ip });'
    ),
    use_instead=(
        'app.set("trust proxy", 1); // exactly the proxies in front of the app\n'
        "rateLimit({ limit: 5 }); // keyed on req.ip, or on the account being tried"
    ),
    fix='Trust only your own proxies: app.set("trust proxy", 1), or key the limit on the account',
    references=(
        "Express behind proxies: https://expressjs.com/en/guide/behind-proxies.html",
        "express-rate-limit, troubleshooting proxy issues: https://express-rate-limit.mintlify.app/guides/troubleshooting-proxy-issues",
    ),
)


RULES: tuple[RuleMeta, ...] = (
    BODY_NO_LIMIT,
    NO_RATE_LIMITING,
    LOOP_BOUND,
    GRAPHQL_NO_DEPTH_LIMIT,
    LOGIN_NO_RATE_LIMIT,
    RATE_LIMIT_BYPASS,
)
