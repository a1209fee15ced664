"""The rules of the flow checks (rules/flows.py): what each reports, why, and the fix.
Data only; the taint engine (source/taint/) finds the flows."""

from __future__ import annotations

from dataclasses import replace

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source.taint.model import SinkKind

_OWASP_CHEAT = "https://cheatsheetseries.owasp.org/cheatsheets/"
_INJ = (Practice.INJECTION,)
_XSS = (Practice.INPUT_SANITIZING,)


def _rule(
    code: str,
    name: str,
    title: str,
    cwe: tuple[int, ...],
    owasp: Owasp,
    practices: tuple[Practice, ...],
    severity: Severity,
    text: tuple[str, str, str, str, str],
    references: tuple[str, ...],
) -> RuleMeta:
    what, why, example, use_instead, fix = text
    return RuleMeta(
        code=code,
        name=name,
        title=title,
        cwe=cwe,
        owasp=owasp,
        practices=practices,
        severity=severity,
        confidence=Confidence.HIGH,
        what=what,
        why=why,
        example=example,
        use_instead=use_instead,
        fix=fix,
        references=references,
    )


SQL_INJECTION = _rule(
    "NW101",
    "sql-injection",
    "Request data is built into an SQL query",
    (89,),
    Owasp.A03,
    _INJ,
    Severity.CRITICAL,
    (
        "Follows request data (query string, body, route parameters, headers, cookies) "
        "through variables, helpers and modules into the query text of mysql, mysql2, pg, "
        "sqlite3, better-sqlite3, mssql, sequelize, knex raw helpers, typeorm and prisma's "
        "unsafe raw queries.",
        "Text concatenated into SQL is parsed as SQL: an attacker can read, change or delete "
        "any data the database user can reach, and sometimes run commands on the host.",
        'db.query("SELECT * FROM users WHERE id = " + req.params.id);',
        'db.query("SELECT * FROM users WHERE id = ?", [req.params.id]);',
        "Pass the values separately: placeholders (`?`, `$1`) with a values array, "
        "tagged templates (prisma.$queryRaw`...`), or the query builder",
    ),
    (_OWASP_CHEAT + "SQL_Injection_Prevention_Cheat_Sheet.html",),
)

NOSQL_INJECTION = _rule(
    "NW102",
    "nosql-injection",
    "Request data that can be an object is used as a MongoDB query",
    (943,),
    Owasp.A03,
    _INJ,
    Severity.HIGH,
    (
        "Reports MongoDB and mongoose queries (find, findOne, update*, delete*, count*, "
        "aggregate, where) whose filter holds values from `req.body`, `req.query` or "
        "cookies, and `$where` clauses with request data (any source: `$where` runs "
        "JavaScript on the server), also built by a helper function or a data-access "
        "object's method (`this.find = function ...`). Express's JSON and extended "
        "urlencoded body parsers and its default `qs` query parser turn "
        "`username[$ne]=x` into `{ $ne: 'x' }`, so such a field can carry operators; route "
        "parameters and headers are strings and are not reported.",
        "An operator object such as `{ $ne: null }` or `{ $gt: '' }` in place of a "
        "string matches every document: the classic login bypass and data dump.",
        "User.findOne({ username: req.body.username, password: req.body.password });",
        "User.findOne({ username: String(req.body.username) });\n"
        "// or app.use(mongoSanitize()) / sanitize(req.body) before the query",
        "Coerce each value to the type you expect (String(x)), validate the body with a "
        "schema, or strip operators with mongo-sanitize / express-mongo-sanitize",
    ),
    (_OWASP_CHEAT + "Injection_Prevention_Cheat_Sheet.html",),
)

COMMAND_INJECTION = _rule(
    "NW103",
    "command-injection",
    "Request data reaches a shell command",
    (78,),
    Owasp.A03,
    _INJ,
    Severity.CRITICAL,
    (
        "Follows request data into child_process exec/execSync, spawn/execFile with "
        "`shell: true` (or as the program), shelljs exec and execa.",
        "The shell interprets `;`, `|`, `$(...)` and backticks: an attacker runs any "
        "command with the server's privileges.",
        'exec("ping -c 1 " + req.query.host);',
        'execFile("ping", ["-c", "1", req.query.host]);',
        "Run the program directly with an argument array (execFile/spawn without a shell) "
        "and validate the argument against an allow-list",
    ),
    (_OWASP_CHEAT + "OS_Command_Injection_Defense_Cheat_Sheet.html",),
)

CODE_INJECTION = _rule(
    "NW104",
    "code-injection",
    "Request data is evaluated as JavaScript",
    (94, 95),
    Owasp.A03,
    _INJ,
    Severity.CRITICAL,
    (
        "Follows request data into eval, the Function constructor, the vm module, "
        "setTimeout/setInterval called with a string, sandboxes with published escapes "
        "(vm2, notevil, safe-eval, static-eval) and mathjs `eval` (code execution before "
        "3.17). Fixed code run by vm.runInContext/runInNewContext is read too: "
        "`vm.runInContext('safeEval(data)', { safeEval, data: req.body.x })` evaluates "
        "the request data.",
        "Evaluated request data runs with the server's full privileges: file system, "
        "network, environment secrets.",
        "const result = eval(req.body.expression);",
        "const result = evaluate(parse(req.body.expression)); // a safe expression parser",
        "Never evaluate request data; parse it (JSON.parse, a math-expression library) "
        "or map it to a fixed set of functions",
    ),
    (_OWASP_CHEAT + "Nodejs_Security_Cheat_Sheet.html",),
)

PATH_TRAVERSAL = _rule(
    "NW105",
    "path-traversal",
    "Request data is used as a file path",
    (22,),
    Owasp.A01,
    _INJ,
    Severity.HIGH,
    (
        "Follows request data (also through path.join/path.resolve) into fs calls "
        "(readFile, createReadStream, writeFile, unlink, ..., fs/promises, fs-extra) and "
        "into res.sendFile/res.download without a `root` option. Upload file names from "
        "multer (`originalname`) and express-fileupload (`name`) do not count: busboy "
        "keeps only their last path segment. A whole request container passed as the "
        "locals of res.render (`{ ...req.body }`, `req.query`) is reported too: view "
        "engines read option keys from the locals (hbs `layout` picks the file to read).",
        "`../` sequences or absolute paths let an attacker read or overwrite any file the "
        "process can reach: source code, keys, /etc/passwd.",
        "res.sendFile(path.join(__dirname, 'files', req.query.name));",
        "res.sendFile(path.basename(req.query.name), { root: FILES_DIR });",
        "Use path.basename, or resolve the path and check that it startsWith the allowed "
        "folder; for sendFile pass the `root` option",
    ),
    ("OWASP Path Traversal: https://owasp.org/www-community/attacks/Path_Traversal",),
)

SSRF = _rule(
    "NW106",
    "ssrf",
    "Request data chooses the URL of an outgoing request",
    (918,),
    Owasp.A10,
    _INJ,
    Severity.HIGH,
    (
        "Follows request data into the URL or options of http/https request/get, axios "
        "(also axios.create instances), fetch, node-fetch, undici, got, request, needle "
        "and superagent.",
        "The server becomes a proxy into its own network: cloud metadata endpoints, "
        "admin interfaces and databases that trust internal callers.",
        "const r = await axios.get(req.query.url);",
        "const url = new URL(req.query.url);\n"
        "if (!ALLOWED_HOSTS.includes(url.hostname)) return res.sendStatus(400);",
        "Allow-list the hosts (and schemes) the server may call and check the parsed URL "
        "before the request",
    ),
    (_OWASP_CHEAT + "Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",),
)

LOG_INJECTION = _rule(
    "NW107",
    "log-injection",
    "Request data is written to the log unsanitized",
    (117,),
    Owasp.A09,
    _INJ,
    Severity.LOW,
    (
        "Reports request strings written by console.* or a logger (logger, winston, "
        "pino, bunyan) without removing line breaks. Whole objects are not reported: "
        "they are printed escaped.",
        "A value with `\\n` forges extra log lines, which misleads incident response and "
        "can inject into log viewers.",
        'console.log("login failed for " + req.body.username);',
        'logger.warn("login failed", { user: JSON.stringify(req.body.username) });',
        "Log structured fields (JSON), or strip \\r and \\n: value.replace(/[\\r\\n]/g, '')",
    ),
    (_OWASP_CHEAT + "Logging_Cheat_Sheet.html",),
)

REDOS = _rule(
    "NW108",
    "redos",
    "Request data meets a regular expression that can backtrack catastrophically",
    (1333, 400),
    Owasp.A04,
    (Practice.DENIAL_OF_SERVICE,),
    Severity.MEDIUM,
    (
        "Reports `new RegExp(...)` built from request data, and regex literals with "
        "nested quantifiers (`(a+)+`) or overlapping alternation under a star "
        "(`(\\w|\\d)*`) applied (test, exec, match, replace, search, split) to request data.",
        "Node runs on one thread: a crafted string makes such a regex take seconds or "
        "hours and stops the whole server.",
        "if (/^(\\w+\\s?)*$/.test(req.query.name)) { ... }",
        "if (/^[\\w\\s]{1,64}$/.test(req.query.name)) { ... }",
        "Rewrite the regex without nested quantifiers, bound the input length, or use "
        "re2; never compile a regex from request data (escape it with lodash.escapeRegExp)",
    ),
    (
        "OWASP ReDoS: https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS",
    ),
)

PROTOTYPE_POLLUTION = _rule(
    "NW109",
    "prototype-pollution",
    "Request data is merged or written into objects by key",
    (1321,),
    Owasp.A08,
    _INJ,
    Severity.HIGH,
    (
        "Reports request data passed to deep-merge and path-set helpers (lodash merge, "
        "mergeWith, defaultsDeep, set, setWith, zipObjectDeep; deep-extend; merge."
        "recursive; dot-prop set), nested writes `obj[a][b] = v` whose key comes from "
        "the request, and calls to the project's own recursive merges (for-in, "
        "Object.keys or Object.entries over the source, descending into `target[key]`) "
        "and set-by-path helpers (`path.split('.')`, walking `cur = cur[k] || {}`) that "
        "do not reject `__proto__` together with `constructor` or `prototype`, and do "
        "not test the target's own keys (hasOwnProperty on the source does not count). "
        "Merges need object-shaped data (req.body, req.query, JSON.parse of request "
        "text); paths any string.",
        "A key of `__proto__` or `constructor.prototype` writes onto Object.prototype: "
        "every object in the process gains the attacker's property (isAdmin: true), or "
        "the server crashes.",
        "_.merge(settings, req.body);",
        "const { theme, language } = req.body;\nObject.assign(settings, { theme, language });",
        "Copy only known keys, use Map for request-keyed data, or reject `__proto__`, "
        "`constructor` and `prototype` keys",
    ),
    (_OWASP_CHEAT + "Prototype_Pollution_Prevention_Cheat_Sheet.html",),
)

DESERIALIZATION = _rule(
    "NW110",
    "insecure-deserialization",
    "Request data is deserialized with a library that can run code",
    (502,),
    Owasp.A08,
    _INJ,
    Severity.CRITICAL,
    (
        "Follows request data into node-serialize unserialize, serialize-to-js "
        "deserialize, funcster deepDeserialize and cryo parse.",
        "These formats can carry functions (`_$$ND_FUNC$$_`) that run while the value is "
        "rebuilt: remote code execution.",
        "const prefs = serialize.unserialize(req.cookies.prefs);",
        "const prefs = JSON.parse(req.cookies.prefs);",
        "Use JSON.parse and validate the result; never deserialize functions from clients",
    ),
    (_OWASP_CHEAT + "Deserialization_Cheat_Sheet.html",),
)

XXE = _rule(
    "NW111",
    "xxe",
    "Request XML is parsed with external entities enabled",
    (611,),
    Owasp.A05,
    _INJ,
    Severity.HIGH,
    (
        "Reports libxmljs / libxmljs2 parseXml / parseXmlString called on request data "
        "with `noent: true`.",
        "External entities read local files (file:///etc/passwd) and reach internal URLs "
        "from the parser.",
        "libxmljs.parseXml(req.body, { noent: true });",
        "libxmljs.parseXml(req.body, { noent: false, nonet: true });",
        "Leave `noent` off (the default) or use a parser without DTD support (xml2js)",
    ),
    (_OWASP_CHEAT + "XML_External_Entity_Prevention_Cheat_Sheet.html",),
)

XPATH_INJECTION = _rule(
    "NW114",
    "xpath-injection",
    "Request data is written into an XPath expression",
    (643,),
    Owasp.A03,
    _INJ,
    Severity.HIGH,
    (
        "Follows request data into the expression text of xpath (select, select1, "
        "evaluate, parse) and libxmljs / libxmljs2 `find` and `get`. The live probe "
        "reports it when a quote breaks the expression or an XPath-only condition "
        "(count(/*)=1 versus =2) changes the answer.",
        "A quote ends the string literal and `' or '1'='1` selects every node: a login that "
        "checks credentials with XPath accepts any password, and a search reads every "
        "record of the document, including fields never meant to be shown.",
        "xpath.select(`//user[name='${req.query.name}']`, doc);",
        'const nodes = xpath.parse("//user[name=$name]").select({ node: doc, '
        "variables: { name: req.query.name } });",
        "Pass input as an XPath variable (xpath.parse(expr).select({ variables })), never "
        "in the expression text",
    ),
    (
        "OWASP XPath Injection: https://owasp.org/www-community/attacks/XPATH_Injection",
        "CWE-643: https://cwe.mitre.org/data/definitions/643.html",
    ),
)

HEADER_INJECTION = _rule(
    "NW112",
    "header-injection",
    "Request data is written into a response header",
    (113,),
    Owasp.A03,
    _INJ,
    Severity.MEDIUM,
    (
        "Follows request data into res.setHeader / set / header / append / writeHead "
        "(name or value) and into the name of res.cookie.",
        "Older runtimes and proxies split on CR/LF (response splitting); even today an "
        "attacker-chosen header name or value can set cookies, CORS or caching policy.",
        'res.setHeader("X-User", req.query.user);',
        'res.setHeader("X-User", encodeURIComponent(req.query.user));',
        "Encode the value (encodeURIComponent) or pick it from an allow-list",
    ),
    (_OWASP_CHEAT + "HTTP_Headers_Cheat_Sheet.html",),
)

OPEN_REDIRECT = _rule(
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
        "calls, does not: `https://evil.example/?https://allowed.example` passes it.",
        "Phishing pages borrow the site's trusted domain: the link looks like yours and "
        "lands on theirs, often right after login.",
        "res.redirect(req.query.next);",
        'const next = String(req.query.next);\nif (!next.startsWith("/") || next.startsWith("//")) '
        'return res.redirect("/");\nres.redirect(next);',
        "Redirect only to relative paths or to an allow-list of URLs",
    ),
    (_OWASP_CHEAT + "Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html",),
)

MASS_ASSIGNMENT = _rule(
    "NW541",
    "mass-assignment",
    "The whole request body is written into a database record",
    (915,),
    Owasp.A01,
    (Practice.ACCESS_CONTROL,),
    Severity.HIGH,
    (
        "Reports `req.body` passed whole (also spread or through a helper) to ORM "
        "create/insert/update*/findOneAndUpdate/findByIdAndUpdate, `new Model(req.body)` "
        "and Object.assign(record, req.body). Confidence is medium when a mongoose schema, "
        "sequelize model or typeorm entity in the project declares a privileged field "
        "(role, isAdmin, admin, balance, permissions, verified), low otherwise.",
        "A client adds `role: 'admin'` or `balance: 1e9` to the form and the server saves it.",
        "await User.create(req.body);",
        "const { name, email } = req.body;\nawait User.create({ name, email });",
        "Pick the fields the client may set (destructuring, lodash pick, a validation "
        "schema with stripUnknown)",
    ),
    (_OWASP_CHEAT + "Mass_Assignment_Cheat_Sheet.html",),
)

REFLECTED_XSS = _rule(
    "NW901",
    "reflected-xss",
    "Request data is sent back as HTML without escaping",
    (79,),
    Owasp.A03,
    _XSS,
    Severity.HIGH,
    (
        "Follows request strings into res.send, res.write and res.end. Objects and "
        "arrays (sent as JSON) and res.json are not reported; escape-html, he, "
        "validator.escape, xss, DOMPurify.sanitize, sanitize-html, lodash escape and "
        "encodeURIComponent count as escaping. Koa: `ctx.body = x` (or ctx.response.body) "
        "is reported when the handler set an HTML type (`ctx.type = 'html'`, "
        "`ctx.set('Content-Type', 'text/html')`) or set none and the string starts with "
        "`<` or with request data: Koa then picks text/html itself; a fixed text prefix "
        "makes it text/plain. Fastify: `reply.send(x)` is reported only after "
        "`reply.type('text/html')` or an HTML content-type header, since Fastify sends "
        "strings as text/plain. NestJS: a string returned by a controller route method is "
        "sent with res.send by the default Express adapter (not with @Render, @Res, a "
        "non-HTML @Header('Content-Type') or the Fastify adapter).",
        "A string sent with res.send is served as text/html: a link with a script in "
        "the query runs in the victim's session.",
        'res.send("<h1>Hello " + req.query.name + "</h1>");',
        'res.send("<h1>Hello " + escapeHtml(req.query.name) + "</h1>");',
        "Escape the value for HTML (escape-html), or render it through a template with "
        "auto-escaping, or answer JSON",
    ),
    (_OWASP_CHEAT + "Cross_Site_Scripting_Prevention_Cheat_Sheet.html",),
)

TEMPLATE_UNESCAPED = _rule(
    "NW902",
    "template-unescaped-output",
    "Request data is printed unescaped by a server-side template",
    (79,),
    Owasp.A03,
    _XSS,
    Severity.HIGH,
    (
        "Follows request data into `res.render(view, data)` and reads the view from the "
        "project: reports the template line that prints the variable without escaping "
        "(EJS `<%-`, Handlebars `{{{ }}}`, Pug `!=` / `!{}`, Nunjucks `| safe`, and every "
        "`{{ }}` when nunjucks or swig is configured with `autoescape: false` or "
        "Handlebars with `noEscape: true`: then one finding at the setting lists every "
        "output request or stored data reaches as evidence). A template line is reported "
        "once, by its most specific XSS rule (NW904, NW905, NW902). The render "
        "call is a step of the flow. An object literal built in the handler is followed "
        "property by property: with `{ items, term: req.query.q }` only `x.term` is "
        "request data. Records read from the database are left to NW904 (stored XSS). "
        "In a `<script>` block, raw output through a serializer that escapes `<` "
        "(serialize-javascript, jsesc, `.replace(/</g, '\\\\u003c')`) is not reported; "
        "escaping tags in script, event-handler, URL or CSS contexts are NW905.",
        "Unescaped output turns a query parameter into markup and script in the victim's "
        "page: stored or reflected XSS with the site's cookies and origin.",
        'res.render("profile", { bio: req.query.bio });\n// profile.ejs\n<div><%- bio %></div>',
        "<div><%= bio %></div>",
        "Print request data with the escaping tag (`<%=`, `{{ }}`, `#{}`), keep autoescape "
        "on, and sanitize (DOMPurify, sanitize-html) where HTML is really wanted",
    ),
    (_OWASP_CHEAT + "Cross_Site_Scripting_Prevention_Cheat_Sheet.html",),
)

TEMPLATE_UNSAFE_CONTEXT = replace(
    _rule(
        "NW905",
        "template-unsafe-context",
        "Request data is HTML-escaped by a template where HTML escaping does not protect it",
        (79, 83, 116),
        Owasp.A03,
        _XSS,
        Severity.HIGH,
        (
            "Follows request data into `res.render(view, data)` like NW902 and reports the "
            "template line that prints it with the escaping tag (EJS `<%=`, Handlebars "
            "`{{ }}`, Nunjucks `{{ }}`, Pug `#{}` and attribute values) in a context where "
            "HTML escaping is not the right encoding: JavaScript in a `<script>` block "
            "(code, template strings, quoted strings), an event-handler attribute "
            "(`onclick=`), the start of a URL attribute (`href`, `src`, `action`, "
            "`formaction`), and CSS (`<style>`, `style=`, low confidence). The context is "
            "read from the template text by a small markup scanner. Not reported: the "
            "same tags in element text and plain attributes, a URL with a fixed prefix "
            '(`href="/u/<%= id %>"`), values encoded for the context in the template '
            "(serialize-javascript, jsesc, JSON.stringify, Number, encodeURIComponent, "
            "Nunjucks `urlencode` / `dump`), HTML comments and `<script "
            'type="application/json">` data blocks. A separate rule from NW902 because '
            "the tag is the right one for HTML and the fix is a different encoding; "
            "unescaped tags in these contexts stay NW902 and database records stay NW904, "
            "both with the context in the message.",
            "HTML escaping turns `<`, `>`, `&` and quotes into entities. In an attribute "
            "the browser decodes them again before running an `onclick` handler; a URL "
            "needs no markup at all to be `javascript:alert(1)`; script code needs none "
            "to be `1;alert(1)`; escape-html leaves backslashes and newlines that break "
            "a script string.",
            "<script>var term = '<%= term %>';</script>\n"
            '<a href="<%= site %>" onclick="track(\'<%= term %>\')">site</a>',
            "<script>var term = <%- serialize(term, { isJSON: true }) %>;</script>\n"
            '<a href="<%= safeUrl %>" data-term="<%= term %>">site</a>\n'
            "// safeUrl: new URL(site) with protocol http: or https:, else '#'",
            "Encode for the context: JSON-encode data for scripts with a serializer "
            "(serialize-javascript, or JSON.stringify(x).replace(/</g, '\\\\u003c')) "
            "printed raw, or put it in a data- attribute and read it with dataset; "
            "allow only http:/https: URLs (new URL(x).protocol); never build event "
            "handlers or CSS from request data",
        ),
        (
            _OWASP_CHEAT + "Cross_Site_Scripting_Prevention_Cheat_Sheet.html",
            "https://github.com/yahoo/serialize-javascript",
        ),
    ),
    confidence=Confidence.MEDIUM,
)

STORED_XSS = _rule(
    "NW904",
    "stored-xss",
    "Request data stored in the database is later sent back as HTML without escaping",
    (79,),
    Owasp.A03,
    _XSS,
    Severity.HIGH,
    (
        "Joins two flows across handlers and files: request data written to a database "
        "store (mongoose/sequelize/prisma `create`, `insertMany`, `bulkCreate`, `upsert`, "
        "`update*`, `findByIdAndUpdate`, `new Model(x).save()`, `doc.field = x; "
        "doc.save()`, MongoDB `collection(name).insertOne/updateOne/...`, SQL "
        "`INSERT INTO` / `UPDATE` with the values concatenated or passed as parameters), "
        "and records of the same store (model, collection or table name, case and plural "
        "ignored) read back (`find*`, `findAll`, `findByPk`, `SELECT ... FROM`, through "
        "promises, await and callbacks) and sent by res.send/write/end as HTML or printed "
        "unescaped by a template (`<%-`, `{{{ }}}`, `!=`, `| safe`), or printed with the "
        "escaping tag where HTML escaping does not protect it (a `<script>` block, an "
        "`onclick` attribute, the start of an `href`/`src`, CSS; see NW905). When the write names "
        "the fields it fills (`create({ text: req.body.text, at: new Date() })`), only "
        "those fields count: printing `comment.at` is not reported. Stores never written "
        "from request data, values escaped before they were stored or before they are "
        "sent, and records sent as JSON are not reported.",
        "One request stores markup and script; every visitor of the page that shows the "
        "record runs it, with their session and the site's origin: stored (persistent) "
        "XSS needs no crafted link.",
        "Comment.create({ text: req.body.text });\n// another route\n"
        "const comments = await Comment.findAll();\n"
        'res.send(comments.map((c) => "<p>" + c.text + "</p>").join(""));',
        'res.send(comments.map((c) => "<p>" + escapeHtml(c.text) + "</p>").join(""));\n'
        "// or in the view: <%= comment.text %>",
        "Escape stored values when they are written into HTML (escape-html, the "
        "template's escaping tag `<%=` / `{{ }}`), or sanitize HTML that must stay HTML "
        "(DOMPurify, sanitize-html) before storing it",
    ),
    (_OWASP_CHEAT + "Cross_Site_Scripting_Prevention_Cheat_Sheet.html",),
)

DOM_XSS = _rule(
    "NW903",
    "dom-xss",
    "Browser code writes URL or message data into the page as HTML",
    (79,),
    Owasp.A03,
    _XSS,
    Severity.HIGH,
    (
        "In code the app serves to browsers (files under public/, static/, assets/ or an "
        "express.static root, .jsx/.tsx and front-end files, inline scripts in templates) "
        "follows location.hash/search/href, document.URL/referrer, window.name and "
        "postMessage `event.data` into innerHTML, outerHTML, document.write, "
        "insertAdjacentHTML, jQuery .html()/.append()/$(...), Angular "
        "bypassSecurityTrust* and React dangerouslySetInnerHTML, and into code the "
        "browser evaluates (eval, new Function, string timers).",
        "A crafted link or message runs script in the page without the server ever seeing "
        "it: server-side filters and logs miss it entirely.",
        'document.getElementById("out").innerHTML = location.hash.slice(1);',
        'document.getElementById("out").textContent = location.hash.slice(1);',
        "Write text (textContent, innerText, jQuery .text()), or sanitize with "
        "DOMPurify.sanitize before inserting HTML; check event.origin for messages",
    ),
    (_OWASP_CHEAT + "DOM_based_XSS_Prevention_Cheat_Sheet.html",),
)

ZIP_SLIP = _rule(
    "NW113",
    "zip-slip",
    "Archive entries are written to paths built from their names",
    (22, 29),
    Owasp.A01,
    _INJ,
    Severity.HIGH,
    (
        "Follows the names of archive entries (adm-zip getEntries(), unzipper and "
        "tar-stream `entry` events, tar `onentry`) into file-system writes "
        "(fs.writeFile*, createWriteStream, mkdir, ...). A path.resolve + "
        "startsWith(targetDir) check before the write counts as the fix.",
        "An entry named `../../app/server.js` or `/etc/cron.d/x` is written outside the "
        "extraction folder: a crafted upload overwrites code or configuration.",
        "for (const entry of zip.getEntries()) {\n"
        "  fs.writeFileSync(path.join(dest, entry.entryName), entry.getData());\n}",
        "const target = path.resolve(dest, entry.entryName);\n"
        "if (!target.startsWith(path.resolve(dest) + path.sep)) throw new Error('zip slip');\n"
        "fs.writeFileSync(target, entry.getData());",
        "Resolve each entry's path and check it stays inside the target folder before "
        "writing it; skip absolute paths and symlinks",
    ),
    ("Snyk Zip Slip: https://security.snyk.io/research/zip-slip-vulnerability",),
)

SENSITIVE_DATA_EXPOSURE = _rule(
    "NW630",
    "sensitive-data-exposure",
    "A database record with secret fields is sent to the client whole",
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
        "`const { password, ...rest } = user` and lodash pick/omit count as fixes.",
        "Password hashes, reset tokens and personal data end up in the browser, in logs "
        "of proxies and in API clients: offline cracking and account takeover.",
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

RULES_BY_KIND: dict[SinkKind, RuleMeta] = {
    SinkKind.SQL: SQL_INJECTION,
    SinkKind.NOSQL: NOSQL_INJECTION,
    SinkKind.COMMAND: COMMAND_INJECTION,
    SinkKind.CODE: CODE_INJECTION,
    SinkKind.PATH: PATH_TRAVERSAL,
    SinkKind.SSRF: SSRF,
    SinkKind.LOG: LOG_INJECTION,
    SinkKind.REDOS: REDOS,
    SinkKind.PROTOTYPE: PROTOTYPE_POLLUTION,
    SinkKind.DESERIALIZATION: DESERIALIZATION,
    SinkKind.XXE: XXE,
    SinkKind.XPATH: XPATH_INJECTION,
    SinkKind.HEADER: HEADER_INJECTION,
    SinkKind.REDIRECT: OPEN_REDIRECT,
    SinkKind.MASS_ASSIGNMENT: MASS_ASSIGNMENT,
    SinkKind.XSS: REFLECTED_XSS,
    SinkKind.DOM_XSS: DOM_XSS,
    SinkKind.ZIP_SLIP: ZIP_SLIP,
    SinkKind.SENSITIVE: SENSITIVE_DATA_EXPOSURE,
}
