"""Data exposure and secrets (NW6xx)."""

from __future__ import annotations

from nodeward.catalog.flows import flow_rule
from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_SECRET_REFERENCES = (
    "OWASP Secrets Management Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
    "CWE-798 Use of Hard-coded Credentials: https://cwe.mitre.org/data/definitions/798.html",
)


HARDCODED_SECRET = RuleMeta(
    code="NW601",
    name="hardcoded-secret",
    title="A credential is written into the source code",
    cwe=(798, 259),
    owasp=Owasp.A07,
    practices=(Practice.SECRETS, Practice.AUTHENTICATION),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks string literals stored under credential names (`password`, `pwd`, `secret`, "
        "`apiKey`, `token`, `privateKey`, `clientSecret`, `jwtSecret`, ...) in variables, "
        "properties and assignments, literal fallbacks (`process.env.JWT_SECRET || 'dev'`), "
        "and literal keys passed to `jwt.sign`/`jwt.verify`, `crypto.createHmac` and "
        "`createCipheriv` (also through a constant). Placeholders (`changeme`, `xxx`, "
        "`<your-key>`, `${...}`), field names (`password: 'password'`), env-variable names, "
        "UI text, and values shorter than 4 (passwords) or 8 characters stay quiet. Files "
        "under test/, tests/, __tests__, spec/, fixtures/ and `*.test.*`/`*.spec.*` are "
        "skipped: their credentials are fakes by convention; so are locale folders (i18n/, "
        "locales/). express-session and "
        "cookie-session secrets are left to NW805. Committed dotenv files (`.env`, "
        "`.env.production`, `.env.local`; not `.env.example`, `.sample`, `.template`) are "
        "read too: each credential variable is reported, as a weak secret when it is short, "
        "only dictionary words or a well-known default (`secret`, `changeme`, "
        "`keyboard cat`); a `.gitignore`d file is not committed and stays quiet. So are "
        "the JSON settings of a `config/` folder (node-config's `default.json`, "
        "sequelize's `config.json`; not schemas, templates or node-config's "
        "custom-environment-variables.json). Literal keys given to cookie-parser, "
        "passport-jwt (`secretOrKey`), express-jwt, koa-jwt and @nestjs/jwt (`secret`), "
        "and to the Fastify plugins @fastify/jwt and @fastify/cookie (`register(plugin, { "
        "secret })`) are reported like jwt.sign keys, whatever their length. Reports "
        "never quote the value: only its length and, from 8 characters, its first two."
    ),
    why=(
        "Source code is copied to laptops, CI logs, forks and container images; a secret in "
        "it is readable by everyone who ever had the code and cannot be rotated without a "
        "release. A known JWT or session secret lets anyone forge tokens for any user."
    ),
    example="const jwtSecret = 'n0t-s0-s3cret-2024';\njwt.sign({ sub: user.id }, jwtSecret);",
    use_instead=(
        "const jwtSecret = process.env.JWT_SECRET;\n"
        "if (!jwtSecret) throw new Error('JWT_SECRET is not set');\n"
        "jwt.sign({ sub: user.id }, jwtSecret);"
    ),
    fix="Read the credential from the environment or a secret manager, and rotate it",
    references=_SECRET_REFERENCES,
)

CLOUD_OR_API_KEY = RuleMeta(
    code="NW602",
    name="cloud-or-api-key",
    title="A cloud or API provider key is written into the source code",
    cwe=(798,),
    owasp=Owasp.A07,
    practices=(Practice.SECRETS,),
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    what=(
        "Checks every string literal for credential formats that identify their provider: "
        "AWS access key ids (AKIA/ASIA...), GitHub tokens (ghp_, gho_, github_pat_), Stripe "
        "live keys (sk_live_), Slack tokens and webhooks, Google API keys (AIza...), "
        "SendGrid, Twilio and npm tokens, and PEM private keys. The formats are data "
        "(secret_patterns.toml), modelled on gitleaks' rules; values containing `EXAMPLE`, "
        "`dummy` or `xxxx` are ignored. Test files are scanned too: these formats are real "
        "keys wherever they sit; the text of the test and snippet code that is left out of "
        "the analysis by default is still searched for them."
    ),
    why=(
        "These keys work from anywhere on the internet. Bots scan public repositories and "
        "packages for them within minutes; a leaked AWS or Stripe key means cloud bills, "
        "data theft or fraudulent charges."
    ),
    example="const stripe = new Stripe('sk_live_51Hxxxxxxxxxxxxxxxxxxxxxxx');",
    use_instead="const stripe = new Stripe(process.env.STRIPE_SECRET_KEY);",
    fix="Revoke the key at the provider now, then load it from the environment",
    references=(
        *_SECRET_REFERENCES,
        "gitleaks default rules: https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml",
    ),
)

CONNECTION_STRING_PASSWORD = RuleMeta(
    code="NW603",
    name="connection-string-password",
    title="A database or broker URL embeds a password",
    cwe=(798, 259),
    owasp=Owasp.A07,
    practices=(Practice.SECRETS,),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Checks string and template literals for connection URLs with a literal password: "
        "`mongodb://user:pass@`, `mongodb+srv://`, `postgres://`, `mysql://`, `redis://:pass@`, "
        "`amqp://`, `mssql://`, `smtp://` and similar. Passwords interpolated from the "
        "environment (`${process.env.DB_PASS}`) and placeholders (`<password>`, `****`, "
        "`password`) are not reported; URLs to localhost are reported with low confidence."
    ),
    why=(
        "The URL gives whoever reads the code the database itself, and connection strings "
        "end up in logs and error messages as a whole."
    ),
    example="mongoose.connect('mongodb://admin:S3cretPass@db.internal:27017/shop');",
    use_instead="mongoose.connect(process.env.MONGODB_URI);",
    fix="Move the URL (or at least its password) to an environment variable and rotate it",
    references=_SECRET_REFERENCES,
)

DIRECTORY_LISTING = RuleMeta(
    code="NW610",
    name="directory-listing",
    title="Directory listings are served",
    cwe=(548,),
    owasp=Owasp.A05,
    practices=(Practice.DATA_LEAKS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks for serve-index (and koa-serve-index, Express 3's `express.directory`) "
        "middleware, and for @fastify/static with `list` or serve-handler with "
        "`directoryListing` turned on. `express.static` alone lists nothing and is not "
        "reported."
    ),
    why=(
        "A listing shows every file in the folder: backups, `.env` copies, source maps, "
        "uploads of other users. Attackers do not need to guess names."
    ),
    example="app.use('/files', express.static('public'), serveIndex('public', { icons: true }));",
    use_instead="app.use('/files', express.static('public', { index: false }));",
    fix="Remove the listing middleware; serve known files with express.static only",
    references=(
        "OWASP WSTG, Review Webserver Metafiles and directory listing: https://owasp.org/www-project-web-security-testing-guide/",
        "CWE-548: https://cwe.mitre.org/data/definitions/548.html",
    ),
)

SENSITIVE_DATA_LOGGED = RuleMeta(
    code="NW611",
    name="sensitive-data-logged",
    title="Passwords, tokens or whole request bodies are written to logs",
    cwe=(532,),
    owasp=Owasp.A09,
    practices=(Practice.DATA_LEAKS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks console.*, winston/pino/bunyan/log4js logger calls (a logger created from "
        "those packages, or a receiver named `logger`/`log`) and `debug` instances for "
        "arguments that are a whole request body, header set or cookie jar "
        "(`req.body`, `req.headers`, `req.cookies`, also inside templates, concatenations, "
        "objects and `JSON.stringify`), the Authorization header, or a value named like a "
        "password, secret or token; morgan custom tokens that return `req.body`; and "
        "`new Sequelize(...)` that leaves query logging on (no options, no `logging` key: "
        "the default is console.log; `logging: true` or a console method), reported with low "
        "confidence. A `logging` value chosen by a condition or a custom function, and "
        "options built elsewhere or spread in, are not judged. mongoose's debug switch is "
        "left out: it is off unless set."
    ),
    why=(
        "Logs are kept for months, shipped to third-party services and read by many "
        "people: a password or session token in them is a credential leak that no access "
        "control covers. Request bodies carry passwords on login and sign-up routes. "
        "Sequelize prints each SQL statement with the values of its WHERE clauses: e-mail "
        "addresses, reset tokens, password hashes."
    ),
    example="console.log('login attempt', req.body);",
    use_instead="logger.info({ user: req.body.email }, 'login attempt');",
    fix="Log identifiers only; redact secrets (pino `redact`, winston format) before logging",
    references=(
        "OWASP Logging Cheat Sheet (data to exclude): https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html#data-to-exclude",
        "Sequelize logging option: https://sequelize.org/api/v6/class/src/sequelize.js~sequelize#instance-constructor-constructor",
        "pino redaction: https://getpino.io/#/docs/redaction",
    ),
)

SENSITIVE_DATA_EXPOSURE = flow_rule(
    "NW630",
    "sensitive-data-exposure",
    "A database record with secret fields, or the server's environment, is sent to the "
    "client whole",
    (200, 359),
    Owasp.A01,
    (Practice.DATA_LEAKS,),
    Severity.MEDIUM,
    (
        "Reads the project's mongoose schemas, sequelize models and typeorm entities for "
        "secret fields (password, passwordHash, hash, salt, token, resetToken, secret, "
        "ssn, creditCard, apiKey), then reports records of those models read without a "
        "projection (.select('-password'), a projection argument, attributes) and sent "
        "whole by res.json / res.send, also inside an object ({ user }) or array. A schema "
        "with a toJSON transform, `select: false` on the field, `delete user.password`, "
        "`const { password, ...rest } = user` and lodash pick/omit count as fixes. Also "
        "reports `process.env` sent whole (res.json, res.send, Fastify reply.send, Koa "
        "ctx.body), directly, inside an object or returned by a helper; one variable "
        "(`process.env.APP_VERSION`) is fine.",
        "Password hashes, reset tokens and personal data end up in the browser, in logs "
        "of proxies and in API clients: offline cracking and account takeover. The "
        "environment holds the database password, API keys and signing secrets.",
        "const user = await User.findById(req.params.id);\nres.json(user);",
        'const user = await User.findById(req.params.id).select("-password -resetToken");\n'
        "res.json(user);",
        "Project the fields the client needs (select, attributes), or strip secrets in a "
        "toJSON transform of the schema",
    ),
    (
        "OWASP API3:2023 Broken Object Property Level Authorization: "
        "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
    ),
)


PERSONAL_DATA_UNENCRYPTED = RuleMeta(
    code="NW631",
    name="personal-data-unencrypted",
    title="Personal data (SSN, date of birth, card number) is stored unencrypted",
    cwe=(311, 312, 359),
    owasp=Owasp.A02,
    practices=(Practice.DATA_LEAKS,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Follows request data into database writes (mongoose/sequelize/prisma/typeorm "
        "models, MongoDB collections, SQL INSERT/UPDATE), also through DAOs and services in "
        "other modules, callbacks and promises, and reports a written field named like a "
        "social security number, date of birth, card number, CVV, IBAN, tax or passport "
        "number (`ssn`, `dob`, `dateOfBirth`, `creditCard`, `cardNumber`, ...) whose value "
        "passed through no encryption or hashing call (a callee named encrypt, cipher, "
        "hash, seal: `crypto.createCipheriv(...).update(ssn)`, `encrypt(dob)`). The object "
        "written may be a literal, `{ $set: record }` / `{ data: record }`, or a variable "
        "filled field by field (`record.ssn = ssn`). A model that encrypts in a hook or "
        "setter (mongoose `pre('save')`, sequelize hooks, typeorm @BeforeInsert) is not "
        "reported."
    ),
    why=(
        "A database dump, a backup or one injection flaw then hands out the identity data "
        "used for fraud and account recovery; privacy law and PCI DSS require it encrypted "
        "at rest (card numbers must not be stored at all after authorisation, CVVs never)."
    ),
    example="users.updateOne({ _id: id }, { $set: { ssn: req.body.ssn } });",
    use_instead=(
        "users.updateOne({ _id: id }, { $set: { ssn: encrypt(req.body.ssn) } }); "
        "// AES-256-GCM with a key from a KMS"
    ),
    fix=(
        "Encrypt the field before it is stored (crypto.createCipheriv('aes-256-gcm', key, "
        "iv) with a managed key, or the database's field-level encryption); never store CVVs"
    ),
    references=(
        "OWASP Cryptographic Storage Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Cryptographic_Storage_Cheat_Sheet.html",
        "CWE-312 Cleartext Storage of Sensitive Information: https://cwe.mitre.org/data/definitions/312.html",
    ),
)


GRAPHQL_INTROSPECTION = RuleMeta(
    code="NW612",
    name="graphql-introspection-enabled",
    title="GraphQL server answers introspection queries",
    cwe=(200,),
    owasp=Owasp.A05,
    practices=(Practice.DATA_LEAKS,),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks Apollo Server and NestJS `GraphQLModule.forRoot()` created with "
        "`introspection` true in every environment (`true`, a name or setting bound to it, "
        "`isDev || true`, a ternary whose branches are all true; a `NODE_ENV` check is "
        "accepted), and express-graphql's `graphqlHTTP({ ... })`, which always answers "
        "introspection unless its `validationRules` include graphql-js's "
        "`NoSchemaIntrospectionCustomRule`. Options built elsewhere or spread in are not judged."
    ),
    why=(
        "Introspection returns every type, field, argument and mutation, including the "
        "internal and admin ones the client never shows: a map of the attack surface, and "
        "the first query of every GraphQL attack tool."
    ),
    example="new ApolloServer({ typeDefs, resolvers, introspection: true });",
    use_instead=(
        "new ApolloServer({ typeDefs, resolvers,\n"
        '  introspection: process.env.NODE_ENV !== "production" });'
    ),
    fix=(
        "Turn introspection off in production: Apollo `introspection: false` (its default "
        "when NODE_ENV is production); express-graphql validationRules: "
        "[NoSchemaIntrospectionCustomRule]"
    ),
    references=(
        "OWASP GraphQL Cheat Sheet, Introspection: "
        "https://cheatsheetseries.owasp.org/cheatsheets/GraphQL_Cheat_Sheet.html",
        "graphql-js NoSchemaIntrospectionCustomRule: https://graphql.org/graphql-js/validation/",
    ),
)

RULES: tuple[RuleMeta, ...] = (
    HARDCODED_SECRET,
    CLOUD_OR_API_KEY,
    CONNECTION_STRING_PASSWORD,
    DIRECTORY_LISTING,
    SENSITIVE_DATA_LOGGED,
    GRAPHQL_INTROSPECTION,
    SENSITIVE_DATA_EXPOSURE,
    PERSONAL_DATA_UNENCRYPTED,
)
