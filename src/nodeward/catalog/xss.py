"""Cross-site scripting and output encoding (NW9xx)."""

from __future__ import annotations

from dataclasses import replace

from nodeward.catalog.flows import flow_rule
from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_OWASP_CHEAT = "https://cheatsheetseries.owasp.org/cheatsheets/"

_XSS = (Practice.INPUT_SANITIZING,)


REFLECTED_XSS = flow_rule(
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

TEMPLATE_UNESCAPED = flow_rule(
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

DOM_XSS = flow_rule(
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
        "follows location.hash/search/href, document.URL/referrer, window.name, "
        "postMessage `event.data` (window listeners) and Angular's ActivatedRoute "
        "(`snapshot.queryParams`, `paramMap`, `queryParams.subscribe(...)`), and, with "
        "medium confidence since the server may have checked it, data the server sent: "
        "fetch responses (`res.json()`, `res.text()`), XMLHttpRequest `responseText`, "
        "axios, jQuery `$.ajax`/`$.get`/`$.getJSON`/`$.post` callbacks and deferreds, "
        "Angular HttpClient observables (through services in other files, `pipe`, "
        "`forkJoin`, `subscribe`), WebSocket and EventSource `message` events and "
        "Socket.IO client messages; React state set from "
        "such data (`setPost(data)`) is followed to where the component renders it. "
        "Sinks: innerHTML/outerHTML (`=` and `+=`), document.write, insertAdjacentHTML, "
        "jQuery .html()/.append()/$(...), Angular bypassSecurityTrust* and React "
        "dangerouslySetInnerHTML, and code the browser evaluates (eval, new Function, "
        "string timers). DOMPurify.sanitize, Angular's `sanitizer.sanitize(...)`, "
        "escaping helpers and number formatting (`toFixed`) count as safe.",
        "A crafted link or message runs script in the page without the server ever seeing "
        "it: server-side filters and logs miss it entirely.",
        'document.getElementById("out").innerHTML = location.hash.slice(1);',
        'document.getElementById("out").textContent = location.hash.slice(1);',
        "Write text (textContent, innerText, jQuery .text()), or sanitize with "
        "DOMPurify.sanitize before inserting HTML; check event.origin for messages",
    ),
    (_OWASP_CHEAT + "DOM_based_XSS_Prevention_Cheat_Sheet.html",),
)

STORED_XSS = flow_rule(
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

TEMPLATE_UNSAFE_CONTEXT = replace(
    flow_rule(
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


RULES: tuple[RuleMeta, ...] = (
    REFLECTED_XSS,
    TEMPLATE_UNESCAPED,
    DOM_XSS,
    STORED_XSS,
    TEMPLATE_UNSAFE_CONTEXT,
)
