"""Access control and CSRF (NW5xx)."""

from __future__ import annotations

from nodeward.catalog.flows import flow_rule
from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_REFERENCES_AC = (
    "OWASP Authorization Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Authorization_Cheat_Sheet.html",
    "OWASP Top 10 A01 Broken Access Control: https://owasp.org/Top10/A01_2021-Broken_Access_Control/",
)

_OWASP_CHEAT = "https://cheatsheetseries.owasp.org/cheatsheets/"


CSRF_MISSING = RuleMeta(
    code="NW501",
    name="csrf-protection-missing",
    title="State-changing routes of a cookie-session app have no CSRF protection",
    cwe=(352,),
    owasp=Owasp.A01,
    practices=(Practice.CSRF,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Builds the route table and reports, once per application, the POST, PUT, PATCH and "
        "DELETE routes whose middleware chain includes a cookie session (express-session, "
        "cookie-session, koa-session, also applied in a NestJS main.ts with "
        "`app.use(session(...))`; on Fastify @fastify/session, @fastify/secure-session, or "
        "@fastify/cookie when the app sets credential cookies with `reply.setCookie`), or an "
        "authentication middleware that reads its credential from a cookie (`req.cookies.token`, "
        "`req.signedCookies`, `ctx.cookies.get(...)`: a JWT kept in a cookie), but "
        "no CSRF protection (csurf, csrf-csrf, csrf-sync, lusca.csrf, tiny-csrf, an "
        "Origin/Referer check; on Fastify @fastify/csrf-protection's `app.csrfProtection` "
        "as a route's `onRequest` hook or in `app.addHook('onRequest', ...)`; also a "
        "project middleware that hands the request to one of them to exempt a path), when the "
        "session cookie (or, without a session store, every credential cookie the app's "
        "folder sets) is not SameSite `lax` or `strict`. Routers in other files, mounted or "
        "loaded from a folder, count; each exposed route is listed as a related location. "
        "Apps that authenticate with bearer tokens only are not reported. The fix names the "
        "framework's own CSRF tool."
    ),
    why=(
        "Browsers attach the session cookie to requests any other site triggers. Without a "
        "CSRF token or a SameSite cookie, a page on another origin can post a form to these "
        "routes and act as the signed-in user: change the e-mail, transfer money, delete data."
    ),
    example=(
        "app.use(session({ secret: process.env.SECRET }));\n"
        'app.post("/account/email", requireAuth, updateEmail);'
    ),
    use_instead=(
        "const { doubleCsrfProtection } = doubleCsrf({ getSecret: () => process.env.CSRF });\n"
        'app.use(session({ secret: process.env.SECRET, cookie: { sameSite: "lax" } }));\n'
        "app.use(doubleCsrfProtection);\n"
        'app.post("/account/email", requireAuth, updateEmail);'
    ),
    fix=(
        "Add CSRF middleware (csrf-csrf doubleCsrfProtection or csrf-sync) before the "
        "state-changing routes (on Fastify @fastify/csrf-protection's onRequest hook "
        'app.csrfProtection), and set the session cookie\'s sameSite to "lax" or "strict"'
    ),
    references=(
        "OWASP CSRF Prevention Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html",
        "Express security best practices: https://expressjs.com/en/advanced/best-practice-security.html",
        "@fastify/csrf-protection: https://github.com/fastify/csrf-protection",
        "NestJS CSRF protection: https://docs.nestjs.com/security/csrf",
    ),
)

ADMIN_UNPROTECTED = RuleMeta(
    code="NW502",
    name="admin-route-unprotected",
    title="Admin or privileged route without authentication or authorization middleware",
    cwe=(306, 862),
    owasp=Owasp.A01,
    practices=(Practice.ACCESS_CONTROL,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports routes that look privileged — a path segment admin, manage, internal or "
        "dashboard, `/users/:id/role`, or a handler named deleteUser/admin… — whose "
        "middleware chain (app, router and route level) has no authentication or "
        "authorization middleware and whose handler does not check the session user itself; "
        "and, in apps that check roles somewhere, `/admin` routes that only check that a user "
        "is signed in (no role middleware, no role test in the handler). Whatever the path, "
        "it also judges a route by what it does and by its siblings: a signed-in route "
        "without a role check that lists every user account or deletes accounts "
        "(`User.find({})`, `dao.getAllUsers()`, `User.deleteMany(...)`) in an app with a role "
        "middleware (used or only defined), and a state-changing route with no role check "
        "whose path is shared by a sibling route that runs one (`DELETE /products/:id` "
        "behind requireRole, `PUT /products/:id` without), unless its handler relates the "
        "record to the session user. A signed-in route with no role check that changes a "
        "role or admin flag (`User.update({ role: req.body.role })`, `user.isAdmin = true; "
        "user.save()`, `UPDATE users SET role = $1`, `setRole(...)`) is reported in any app. "
        "A public GET whose handler only renders a page or sends a file (the admin sign-in "
        "form) is not privileged by its path alone."
    ),
    why=(
        "Anyone who guesses the URL can use the admin function: list or delete users, "
        "change roles, read internal data."
    ),
    example='router.delete("/admin/users/:id", deleteUser);',
    use_instead='router.delete("/admin/users/:id", requireAuth, requireRole("admin"), deleteUser);',
    fix=(
        "Put authentication and a role check in the chain: router.use(requireAuth, "
        'requireRole("admin")) on the admin router, or per route'
    ),
    references=_REFERENCES_AC,
)

CLIENT_AUTHORIZATION = RuleMeta(
    code="NW503",
    name="client-controlled-authorization",
    title="Authorization decided from a value the client controls",
    cwe=(639, 807),
    owasp=Owasp.A01,
    practices=(Practice.ACCESS_CONTROL,),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Reports conditions that grant a role or privilege from the request itself: "
        "`req.body.role === 'admin'`, `if (req.query.isAdmin)`, "
        "`req.cookies.admin === 'true'`, `req.headers['x-user-role']`."
    ),
    why=(
        "The body, query string, unsigned cookies and headers are written by the client; "
        "an attacker sets `role=admin` and is an administrator."
    ),
    example='if (req.body.role === "admin") { return deleteAll(); }',
    use_instead='if (req.user.role === "admin") { return deleteAll(); }',
    fix=(
        "Decide from the server-side identity (req.user / req.session loaded from the "
        "session store or a verified token)"
    ),
    references=_REFERENCES_AC,
)

IDOR = RuleMeta(
    code="NW504",
    name="insecure-direct-object-reference",
    title="Record fetched by a request id without an ownership check",
    cwe=(639,),
    owasp=Owasp.A01,
    practices=(Practice.ACCESS_CONTROL,),
    severity=Severity.MEDIUM,
    confidence=Confidence.LOW,
    what=(
        "On authenticated routes, reports queries that load or change a record by an id "
        "taken from the request (`findById(req.params.id)`, `findOne({ _id: req.params.id })`, "
        "`WHERE id = ?` with req.params.id, a DAO or service method named for a record "
        "such as `dao.getByUserId(userId)` or `notes.updateNote(id, ...)`) when neither the "
        "query nor the handler refers to the session user (req.user, req.session; a filter "
        "built apart such as `{ id, ownerId: req.user.id }`; a check after the load) and no "
        "ownership or role middleware runs. The id may be read inline or through a local "
        "name (`const { userId } = req.params`); controllers that answer from the middle "
        "of the chain (`verifyToken, controller.read, audit`) are examined too. Routes "
        "meant for other users' records (like, vote, follow) are not reported."
    ),
    why=(
        "Signed-in users can read or change other users' records by changing the id in "
        "the URL: the classic insecure direct object reference."
    ),
    example=(
        'router.get("/orders/:id", requireAuth, async (req, res) => {\n'
        "  res.json(await Order.findById(req.params.id));\n});"
    ),
    use_instead=(
        'router.get("/orders/:id", requireAuth, async (req, res) => {\n'
        "  res.json(await Order.findOne({ _id: req.params.id, owner: req.user.id }));\n});"
    ),
    fix=(
        "Scope the query to the session user ({ _id: req.params.id, owner: req.user.id }) "
        "or compare the record's owner to req.user before answering"
    ),
    references=_REFERENCES_AC,
)

DIAGNOSTICS_EXPOSED = RuleMeta(
    code="NW505",
    name="diagnostics-exposed",
    title="Metrics, debug or log route reachable without authentication",
    cwe=(200, 215, 306),
    owasp=Owasp.A01,
    practices=(Practice.ACCESS_CONTROL,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports routes in the route table that expose diagnostics — /metrics "
        "(prom-client `register.metrics()`, express-prom-bundle), /debug, /logs, /heapdump, "
        "/actuator, /env, a /status that dumps process.env, swagger-stats or "
        "express-status-monitor — with no authentication middleware before them."
    ),
    why=(
        "Diagnostics reveal internal hostnames, versions, environment variables and "
        "secrets, request rates and memory contents; a heap dump can contain session "
        "tokens. They are for operators, not for the Internet."
    ),
    example='app.get("/metrics", async (req, res) => res.end(await register.metrics()));',
    use_instead=(
        'app.get("/metrics", basicAuth({ users: { ops: process.env.METRICS_PASSWORD } }),\n'
        "  async (req, res) => res.end(await register.metrics()));"
    ),
    fix=(
        "Put authentication middleware in front of the diagnostics route, or serve it on "
        "a separate internal port"
    ),
    references=(
        "OWASP Top 10 A01 Broken Access Control: https://owasp.org/Top10/A01_2021-Broken_Access_Control/",
        "CWE-215 Insertion of Sensitive Information Into Debugging Code: https://cwe.mitre.org/data/definitions/215.html",
    ),
)

OPEN_REDIRECT = flow_rule(
    "NW540",
    "open-redirect",
    "Request data chooses where the response redirects",
    (601,),
    Owasp.A01,
    (Practice.ACCESS_CONTROL,),
    Severity.MEDIUM,
    (
        "Follows request data into res.redirect, res.location, ctx.redirect and a "
        "Location header. An allow-list comparison or a check that the target "
        "startsWith('/') (and not '//') before the call counts as a fix; a substring "
        "check (`url.includes(allowed)`, `indexOf`), inline or in the helper the `if` "
        "calls, does not: `https://evil.example/?https://allowed.example` passes it. A "
        "target whose origin a literal or a configured base followed by `/` fixes "
        '(`config.appUrl + "/welcome?step=" + step`) is not reported.',
        "Phishing pages borrow the site's trusted domain: the link looks like yours and "
        "lands on theirs, often right after login.",
        "res.redirect(req.query.next);",
        'const next = String(req.query.next);\nif (!next.startsWith("/") || next.startsWith("//")) '
        'return res.redirect("/");\nres.redirect(next);',
        "Redirect only to relative paths or to an allow-list of URLs",
    ),
    (_OWASP_CHEAT + "Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html",),
)

MASS_ASSIGNMENT = flow_rule(
    "NW541",
    "mass-assignment",
    "The whole request body is written into a database record",
    (915,),
    Owasp.A01,
    (Practice.ACCESS_CONTROL,),
    Severity.HIGH,
    (
        "Reports `req.body` (or the whole parsed query string, `req.query`) passed whole "
        "(also spread or through a helper) to ORM "
        "create/insert/update*/findOneAndUpdate/findByIdAndUpdate, `new Model(req.body)` "
        "and Object.assign(record, req.body). Confidence is medium when a mongoose schema, "
        "sequelize model or typeorm entity in the project declares a privileged field "
        "(role, isAdmin, admin, balance, permissions, verified), low otherwise. It also "
        "reports a privileged field taken from the request on its own and written to a "
        "record: `User.create({ name, role: req.body.role })`, `new User({ isAdmin })` after "
        "`const { isAdmin } = req.body`, `user.role = req.body.role; await user.save()`, "
        "unless the route runs a role middleware or the handler tests the role in a "
        "condition (an allow-list of the roles a user may choose).",
        "A client adds `role: 'admin'` or `balance: 1e9` to the form and the server saves it.",
        "await User.create(req.body);",
        "const { name, email } = req.body;\nawait User.create({ name, email });",
        "Pick the fields the client may set (destructuring, lodash pick, a validation "
        "schema with stripUnknown)",
    ),
    (_OWASP_CHEAT + "Mass_Assignment_Cheat_Sheet.html",),
)


RULES: tuple[RuleMeta, ...] = (
    CSRF_MISSING,
    ADMIN_UNPROTECTED,
    CLIENT_AUTHORIZATION,
    IDOR,
    DIAGNOSTICS_EXPOSED,
    OPEN_REDIRECT,
    MASS_ASSIGNMENT,
)
