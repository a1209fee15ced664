"""Injection (NW1xx): request data in queries, commands, code, paths and parsers."""

from __future__ import annotations

from nodeward.catalog.flows import flow_rule
from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_INJ = (Practice.INJECTION,)

_OWASP_CHEAT = "https://cheatsheetseries.owasp.org/cheatsheets/"


SQL_INJECTION = flow_rule(
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

NOSQL_INJECTION = flow_rule(
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
        "parameters and headers are strings and are not reported. SQL ORMs too: Prisma "
        "reads operators from plain objects (`where: { resetToken: req.body.token }` with "
        '`{"not": ""}`), and a whole request object as a Sequelize or TypeORM filter '
        "(`findAll({ where: req.query })`, `repo.findOneBy(req.body)`) lets the client "
        "choose the columns or send `{}`.",
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

COMMAND_INJECTION = flow_rule(
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

CODE_INJECTION = flow_rule(
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
        "3.17), template text compiled by an engine (EJS, Pug, Handlebars, Nunjucks, "
        "lodash `template`) and a string a headless browser runs as page script "
        "(Puppeteer/Playwright `page.evaluate`; a function argument is not reported). "
        "Fixed code run by vm.runInContext/runInNewContext is read too: "
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

PATH_TRAVERSAL = flow_rule(
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
        "keeps only their last path segment; those of formidable and multiparty "
        "(`form.parse(req, (err, fields, files) => ...)`: `originalFilename`) keep `../`. "
        "A whole request container passed as the "
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

SSRF = flow_rule(
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
        "and superagent, and the page URL of renderers that fetch it (wkhtmltopdf, "
        "html-pdf, Puppeteer/Playwright `goto`, PhantomJS `page.open`). A URL whose origin is "
        'fixed first, by a literal (`"https://api.example.com/users/" + id`) or by '
        'configuration followed by a `/` (`config.apiBase + "/users/" + id`, '
        "`` `${process.env.API_ORIGIN}/x/${id}` ``), is not reported.",
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

LOG_INJECTION = flow_rule(
    "NW107",
    "log-injection",
    "Request data is written to the log unsanitized",
    (117,),
    Owasp.A09,
    _INJ,
    Severity.LOW,
    (
        "Reports request strings written by console.* or a logger (logger, winston, "
        "pino, bunyan, Fastify's request.log) without removing line breaks. Objects are "
        "not reported, whether a whole request container or a literal holding request "
        'data (`logger.info({ user }, "login")`): they are printed inspected or as JSON, '
        "their newlines escaped; so is a value formatted by `util.inspect` or by a `%j`, "
        "`%o` or `%O` directive of `util.format` (`%s` copies a string as it is).",
        "A value with `\\n` forges extra log lines, which misleads incident response and "
        "can inject into log viewers.",
        'console.log("login failed for " + req.body.username);',
        'logger.warn("login failed", { user: JSON.stringify(req.body.username) });',
        "Log structured fields (JSON), or strip \\r and \\n: value.replace(/[\\r\\n]/g, '')",
    ),
    (_OWASP_CHEAT + "Logging_Cheat_Sheet.html",),
)

REDOS = flow_rule(
    "NW108",
    "redos",
    "Request data meets a regular expression that can backtrack catastrophically",
    (1333, 400),
    Owasp.A04,
    (Practice.DENIAL_OF_SERVICE,),
    Severity.MEDIUM,
    (
        "Reports `new RegExp(...)` built from request data, and constant regexes (literals, "
        '`new RegExp("...")`, a constant or static field holding one) applied (test, exec, '
        "match, replace, search, split) to request data whose repeats are ambiguous: a "
        "nested unbounded quantifier that can make up a whole iteration (`(a+)+`, "
        "`^\\w+([.-]?\\w+)*@`, `([\\w.-]+)+`) or alternatives under a star that match the "
        "same character (`(\\w|\\d)*`), with something after them that can fail.",
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

PROTOTYPE_POLLUTION = flow_rule(
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
        "text); paths any string (for set helpers only the path counts: a value stored "
        "at a constant path pollutes nothing).",
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

DESERIALIZATION = flow_rule(
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

XXE = flow_rule(
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

HEADER_INJECTION = flow_rule(
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

ZIP_SLIP = flow_rule(
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
        "startsWith(targetDir) check before the write counts as the fix. Also follows "
        "request data (an upload's buffer or path) into archives that a library extracts "
        "whole: adm-zip (`new AdmZip(x)` later `extractAllTo`/`extractEntryTo`) before "
        "0.4.9, decompress before 4.2.1 (the version the project's package.json requires), "
        "and tar `x`/`extract` with `preservePaths: true`. unzipper's Extract, later "
        "adm-zip and decompress, and tar's defaults refuse entries outside the folder.",
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

XPATH_INJECTION = flow_rule(
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

CODE_EXECUTION = RuleMeta(
    code="NW150",
    name="code-execution-non-literal",
    title="Code evaluated from a non-constant string",
    cwe=(95, 94),
    owasp=Owasp.A03,
    practices=(Practice.INJECTION,),
    severity=Severity.HIGH,
    confidence=Confidence.LOW,
    what=(
        "Checks `eval`, `new Function` / `Function()`, `vm.runInThisContext`, "
        "`vm.runInNewContext`, `vm.runInContext`, `new vm.Script`, `vm.compileFunction` "
        "and string-built `setTimeout` / `setInterval` / `setImmediate` calls whose code "
        "argument is not a constant (a variable, concatenation or template with "
        "substitutions). In browser code (static folders, .jsx/.tsx, front-end imports, "
        "or `document`/`window` without a Node.js module) the finding is medium and says "
        "the code runs in the visitor's browser; a proven flow there is NW903."
    ),
    why=(
        "If any part of the string comes from a user, they run arbitrary JavaScript in the "
        "server process: read files and secrets, spawn shells. The `vm` module is not a "
        "security sandbox."
    ),
    example='const result = eval("(" + req.query.expr + ")");',
    use_instead="const result = JSON.parse(req.query.expr);",
    fix="Parse data with JSON.parse or a real parser; never build code from input",
    references=(
        "OWASP Code Injection: https://owasp.org/www-community/attacks/Code_Injection",
        "Node.js vm is not a security mechanism: "
        "https://nodejs.org/api/vm.html#vm-executing-javascript",
    ),
)

COMMAND_EXECUTION = RuleMeta(
    code="NW151",
    name="command-execution-non-literal",
    title="Shell command built from a non-constant string",
    cwe=(78,),
    owasp=Owasp.A03,
    practices=(Practice.INJECTION,),
    severity=Severity.HIGH,
    confidence=Confidence.LOW,
    what=(
        "Checks child_process `exec` / `execSync` (also through `util.promisify`), "
        "`spawn` / `spawnSync` / `execFile` / `execFileSync` with a `shell` option, shelljs "
        "`exec` and execa with `shell: true`, when the command (or, with a shell, its "
        "arguments) is not a constant."
    ),
    why=(
        "These run the string through `/bin/sh`; a user-controlled fragment such as "
        "`; rm -rf /` or `$(curl ...)` becomes a command of its own."
    ),
    example="exec(`convert ${req.query.file} out.png`);",
    use_instead='execFile("convert", [req.query.file, "out.png"]);',
    fix="Use execFile/spawn with an argument array and no shell; validate arguments",
    references=(
        "OWASP OS Command Injection Defense Cheat Sheet: "
        "https://cheatsheetseries.owasp.org/cheatsheets/"
        "OS_Command_Injection_Defense_Cheat_Sheet.html",
        "Node.js child_process: https://nodejs.org/api/child_process.html",
    ),
)

UNSAFE_DESERIALIZATION = RuleMeta(
    code="NW152",
    name="unsafe-deserialization-call",
    title="Data deserialized with a library that can run code",
    cwe=(502,),
    owasp=Owasp.A08,
    practices=(Practice.INJECTION,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks node-serialize `unserialize`, serialize-to-js `deserialize`, js-yaml "
        "`unsafeLoad` / `unsafeLoadAll`, and js-yaml `load` / `loadAll` with the "
        "`DEFAULT_FULL_SCHEMA` / `FULL_SCHEMA` schema, when the input is not a constant."
    ),
    why=(
        "These formats can describe functions: node-serialize runs `_$$ND_FUNC$$_` "
        "payloads and js-yaml's full schema builds `!!js/function` values, so a crafted "
        "document executes code in the server (CVE-2017-5941)."
    ),
    example="const prefs = serialize.unserialize(req.cookies.prefs);",
    use_instead="const prefs = JSON.parse(req.cookies.prefs);",
    fix="Use JSON.parse, or js-yaml load() with its default (safe) schema",
    references=(
        "OWASP Deserialization Cheat Sheet: "
        "https://cheatsheetseries.owasp.org/cheatsheets/Deserialization_Cheat_Sheet.html",
        "CVE-2017-5941 (node-serialize): https://nvd.nist.gov/vuln/detail/CVE-2017-5941",
    ),
)


RULES: tuple[RuleMeta, ...] = (
    SQL_INJECTION,
    NOSQL_INJECTION,
    COMMAND_INJECTION,
    CODE_INJECTION,
    PATH_TRAVERSAL,
    SSRF,
    LOG_INJECTION,
    REDOS,
    PROTOTYPE_POLLUTION,
    DESERIALIZATION,
    XXE,
    HEADER_INJECTION,
    ZIP_SLIP,
    XPATH_INJECTION,
    CODE_EXECUTION,
    COMMAND_EXECUTION,
    UNSAFE_DESERIALIZATION,
)
