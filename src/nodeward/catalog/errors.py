"""Errors and exceptions (NW4xx), and how the app runs in production."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

ERROR_DETAILS_LEAKED = RuleMeta(
    code="NW401",
    name="error-details-leaked",
    title="Error object or stack trace sent to the client",
    cwe=(209, 497),
    owasp=Owasp.A05,
    practices=(Practice.ERROR_HANDLING, Practice.DATA_LEAKS),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks Express error handlers (`(err, req, res, next)`), Fastify error handlers "
        "(`app.setErrorHandler((error, request, reply) => ...)`), NestJS exception filters "
        "(`catch(exception, host)`), `catch` blocks and "
        "`.catch(err => ...)` callbacks for responses (`res.send/json/jsonp/end/write/"
        "render`, also after `res.status(...)`; Fastify's `reply.code(...).send`) that "
        "include the error object itself, its `stack`, or an object carrying either. "
        "`err.message` alone, and details guarded by "
        'a development check (`NODE_ENV`, `isDev`, `app.get("env")`) are accepted. A '
        "Fastify `reply.send(error)` is accepted too (Fastify serialises an Error without "
        "its stack); `error.stack` in a reply is not. Also checks Express route handlers "
        "that call a parser or evaluator that throws on malformed input (`JSON.parse`, "
        "mathjs `evaluate`, `new URL`, `new RegExp`, `decodeURIComponent`, YAML `load`) "
        "with request data outside any `try`: the error reaches Express's default error "
        "handler, which sends the stack trace unless NODE_ENV is production. Not reported "
        "when the project has an error handler (`(err, req, res, next)`) or a Dockerfile, "
        "compose, Kubernetes, .env file or npm script sets NODE_ENV=production. GraphQL "
        "servers: Apollo Server and NestJS GraphQLModule.forRoot with `debug` or "
        "`includeStacktraceInErrorResponses` true in every environment, and error "
        "formatters (`formatError`, express-graphql `customFormatErrorFn`, mercurius "
        "`errorFormatter`) that return the error's stack outside a development check."
    ),
    why=(
        "Stack traces and raw error objects reveal file paths, library versions, SQL "
        "statements and sometimes credentials, all of which help an attacker aim the next "
        "request."
    ),
    example="app.use((err, req, res, next) => res.status(500).json({ error: err.stack }));",
    use_instead=(
        "app.use((err, req, res, next) => {\n  logger.error(err);\n"
        '  res.status(500).json({ error: "Internal server error" });\n});'
    ),
    fix="Log the error on the server and send the client a generic message",
    references=(
        "OWASP Error Handling Cheat Sheet: "
        "https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html",
        "Express error handling: https://expressjs.com/en/guide/error-handling.html",
    ),
)

PROCESS_ERRORS_UNHANDLED = RuleMeta(
    code="NW402",
    name="process-errors-unhandled",
    title="Server has no handler for uncaught exceptions or unhandled rejections",
    cwe=(248, 755),
    owasp=Owasp.A09,
    practices=(Practice.ERROR_HANDLING,),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks projects that start a server (`app.listen(...)`, "
        "`http.createServer(...).listen(...)`, outside test files) for a "
        '`process.on("uncaughtException" | "unhandledRejection", ...)` handler anywhere '
        "in the project. Reported at each listen call."
    ),
    why=(
        "Without these handlers a stray exception or rejected promise kills the process "
        "with nothing logged where the team looks, taking every in-flight request down, "
        "and leaves no chance to close connections and exit cleanly."
    ),
    example="app.listen(3000);",
    use_instead=(
        'process.on("unhandledRejection", (reason) => { logger.fatal(reason); '
        "process.exit(1); });\n"
        'process.on("uncaughtException", (err) => { logger.fatal(err); process.exit(1); });\n'
        "app.listen(3000);"
    ),
    fix="Register process.on('uncaughtException') and process.on('unhandledRejection') "
    "handlers that log and exit",
    references=(
        "Node.js process events: https://nodejs.org/api/process.html#event-uncaughtexception",
        "Node.js best practices, error handling: "
        "https://github.com/goldbergyoni/nodebestpractices#2-error-handling-practices",
    ),
)

NODE_ENV_NOT_PRODUCTION = RuleMeta(
    code="NW410",
    name="node-env-not-production",
    title="The production start path does not set NODE_ENV=production",
    cwe=(489, 209),
    owasp=Owasp.A05,
    practices=(Practice.ERROR_HANDLING,),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks how the app is started in production. A Dockerfile whose final stage runs "
        "node, npm, yarn, pnpm or pm2 (CMD or ENTRYPOINT) must set `ENV NODE_ENV=production` "
        "in that stage or a stage it is built from (or in the command itself). Without a "
        "Dockerfile, docker-compose or Kubernetes file setting it, a package.json `start` "
        "script that runs `node` must set it. One finding per start path, at the CMD line or "
        "the `start` script."
    ),
    why=(
        "Express and many libraries switch on NODE_ENV: without `production` Express "
        "answers errors with full stack traces (file paths, library versions), does not "
        "cache view templates, and logs verbosely. The stack traces hand an attacker a map "
        "of the server."
    ),
    example='FROM node:20-alpine\nCOPY . .\nUSER node\nCMD ["node", "server.js"]',
    use_instead=(
        "FROM node:20-alpine\nENV NODE_ENV=production\nCOPY . .\nUSER node\n"
        'CMD ["node", "server.js"]'
    ),
    fix="Set NODE_ENV=production where the app starts (`ENV NODE_ENV=production`)",
    references=(
        "Express performance best practices: https://expressjs.com/en/advanced/best-practice-performance.html#set-node_env-to-production",
        "Express error handling (stack traces outside production): https://expressjs.com/en/guide/error-handling.html",
    ),
)


RULES: tuple[RuleMeta, ...] = (
    ERROR_DETAILS_LEAKED,
    PROCESS_ERRORS_UNHANDLED,
    NODE_ENV_NOT_PRODUCTION,
)
