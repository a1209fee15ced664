// Deliberately vulnerable Express app for nodeward's probe tests: every input place (query,
// form, JSON body, path parameter, cookie, header) and every injection class, each endpoint
// with a safe twin. Never deploy; the tests run it on 127.0.0.1 only, as `nobody` under root.
"use strict";

const express = require("express");
const cookieParser = require("cookie-parser");
const http = require("http");
const { exec, execFile } = require("child_process");
const xpath = require("xpath");
const { DOMParser } = require("@xmldom/xmldom");

const app = express();
app.use(express.urlencoded({ extended: true }));
app.use(express.json());
app.use(cookieParser());

const shell = (res, command) =>
  exec(command, (err, stdout, stderr) => res.type("text/plain").send(err ? `${err.message}` : stdout + stderr));
const noShell = (res, program, args) =>
  execFile(program, args, (err, stdout) => res.type("text/plain").send(err ? `${err.message}` : stdout));

app.get("/", (req, res) => {
  res.type("html").send(`<!doctype html><html><body>
<a href="/place/query?host=example">query</a> <a href="/place/query-safe?host=example">query safe</a>
<form method="post" action="/place/form"><input name="host"></form>
<form method="post" action="/place/form-safe"><input name="host"></form>
<a href="/ssjs?expr=1">ssjs</a> <a href="/ssjs-safe?expr=1">ssjs safe</a>
<a href="/ssjs-blind?expr=1">ssjs blind</a> <a href="/ssjs-blind-safe?expr=1">ssjs blind safe</a>
<a href="/xpath?name=alice">xpath</a> <a href="/xpath-safe?name=alice">xpath safe</a>
<form method="post" action="/xxe"><input name="xml"></form>
<form method="post" action="/xxe-safe"><input name="xml"></form>
<a href="/ssrf?url=http://127.0.0.1/">ssrf</a> <a href="/ssrf-safe?url=http://127.0.0.1/">ssrf safe</a>
<a href="/ls?dir=public">ls</a> <a href="/ls-safe?dir=public">ls safe</a>
<a href="/nosql?name=alice">nosql</a> <a href="/nosql-safe?name=alice">nosql safe</a>
<a href="/echo?name=alice">echo</a> <a href="/grep?word=alice">grep</a>
<a href="/grep-safe?word=alice">grep safe</a> <a href="/read?doc=intro">read</a>
<a href="/read-safe?doc=intro">read safe</a>
<a href="/hello/:name">greeting (replace :name)</a> <a href="/hello-safe/:name">safe greeting</a>
<form method="post" action="/comment"><input name="text"></form>
<form method="post" action="/comment-safe"><input name="text"></form>
<a href="/api/lookup?who=alice">lookup</a> <a href="/api/lookup-safe?who=alice">lookup safe</a>
</body></html>`);
});

// -- one injection class (a shell) in every input place ----------------------------------
app.get("/place/query", (req, res) => shell(res, `echo ${req.query.host}`));
app.get("/place/query-safe", (req, res) => noShell(res, "echo", [String(req.query.host)]));
app.post("/place/form", (req, res) => shell(res, `echo ${req.body.host}`));
app.post("/place/form-safe", (req, res) => noShell(res, "echo", [String(req.body.host)]));
app.post("/place/json", (req, res) => {
  const { host } = req.body;
  shell(res, `echo ${host}`);
});
app.post("/place/json-safe", (req, res) => {
  const { host } = req.body;
  noShell(res, "echo", [String(host)]);
});
app.get("/place/path/:host", (req, res) => shell(res, `echo ${req.params.host}`));
app.get("/place/path-safe/:host", (req, res) => noShell(res, "echo", [req.params.host]));
app.get("/place/cookie", (req, res) => shell(res, `echo ${req.cookies.host}`));
app.get("/place/cookie-safe", (req, res) => noShell(res, "echo", [String(req.cookies.host)]));
app.get("/place/header", (req, res) => shell(res, `echo ${req.get("x-host")}`));
app.get("/place/header-safe", (req, res) => noShell(res, "echo", [String(req.get("x-host"))]));

// -- server-side JavaScript ---------------------------------------------------------------
app.get("/ssjs", (req, res) => {
  try {
    res.type("text/plain").send(String(eval(String(req.query.expr))));
  } catch (err) {
    res.status(400).type("text/plain").send(`cannot evaluate: ${err.message}`);
  }
});
// The value is evaluated and dropped: only its time shows.
app.get("/ssjs-blind", (req, res) => {
  try {
    eval(String(req.query.expr));
  } catch (err) {
    // ignored: the answer is the same either way
  }
  res.type("text/plain").send("noted");
});
app.get("/ssjs-blind-safe", (req, res) => res.type("text/plain").send(req.query.expr ? "noted" : "empty"));
app.get("/ssjs-safe", (req, res) => res.type("text/plain").send(`you sent ${req.query.expr}`));

// -- XPath --------------------------------------------------------------------------------
const USERS_XML = new DOMParser().parseFromString(
  "<users><user><name>alice</name><role>admin</role></user><user><name>bob</name><role>user</role></user></users>",
  "text/xml",
);
app.get("/xpath", (req, res) => {
  try {
    const nodes = xpath.select(`//user[name='${req.query.name}']/role/text()`, USERS_XML);
    res.json(nodes.map(String));
  } catch (err) {
    res.status(500).type("text/plain").send(err.message);
  }
});
app.get("/xpath-safe", (req, res) => {
  const nodes = xpath.parse("//user[name=$name]/role/text()").select({
    node: USERS_XML,
    variables: { name: String(req.query.name) },
  });
  res.json(nodes.map(String));
});

// -- XXE: no pure-JS parser expands DTD entities, so the vulnerable twin expands internal
// entities by hand, as libxmljs with { noent: true } would; the safe twin ignores the DTD.
app.post("/xxe", (req, res) => {
  const xml = String(req.body.xml || "");
  const entities = {};
  for (const m of xml.matchAll(/<!ENTITY\s+(\w+)\s+"([^"]*)">/g)) entities[m[1]] = m[2];
  const body = xml.replace(/<!DOCTYPE[^\[]*\[[\s\S]*?\]>/, "").replace(/&(\w+);/g, (all, name) => entities[name] ?? all);
  res.type("text/plain").send(`parsed: ${body.replace(/<[^>]*>/g, "")}`);
});
app.post("/xxe-safe", (req, res) => {
  const xml = String(req.body.xml || "");
  res.type("text/plain").send(`parsed: ${xml.replace(/<!DOCTYPE[^\[]*\[[\s\S]*?\]>/, "").replace(/<[^>]*>/g, "")}`);
});

// -- SSRF (the app itself only ever fetches from 127.0.0.1) ------------------------------
app.get("/ssrf", (req, res) => {
  let target;
  try {
    target = new URL(String(req.query.url));
  } catch {
    return res.status(400).send("bad url");
  }
  if (target.hostname !== "127.0.0.1") return res.status(400).send("only 127.0.0.1");
  http
    .get(target, (answer) => {
      answer.resume();
      answer.on("end", () => res.send(`fetched: HTTP ${answer.statusCode}`));
    })
    .on("error", () => res.status(502).send("fetch failed"));
});
app.get("/ssrf-safe", (req, res) => {
  let target;
  try {
    target = new URL(String(req.query.url));
  } catch {
    return res.status(400).send("bad url");
  }
  const allowed = ["http://127.0.0.1/"];
  if (!allowed.includes(target.href)) return res.status(400).send("not allowed");
  res.send("fetched: allowed");
});

// -- argument injection: no shell, but the input can be an option -----------------------
app.get("/ls", (req, res) => noShell(res, "ls", [String(req.query.dir)]));
app.get("/ls-safe", (req, res) => noShell(res, "ls", ["--", String(req.query.dir)]));

// -- NoSQL: an in-memory collection whose filter honours $ne, as MongoDB would ----------
const PEOPLE = [
  { name: "alice", email: "alice@example.com" },
  { name: "bob", email: "bob@example.com" },
];
const matches = (value, wanted) =>
  wanted !== null && typeof wanted === "object"
    ? "$ne" in wanted
      ? value !== wanted.$ne
      : false
    : value === wanted;
app.get("/nosql", (req, res) => res.json(PEOPLE.filter((p) => matches(p.name, req.query.name))));
app.get("/nosql-safe", (req, res) => res.json(PEOPLE.filter((p) => matches(p.name, String(req.query.name)))));
// Echoes its input: must never be reported as NoSQL injection.
app.get("/echo", (req, res) => res.json({ youSent: req.query }));
app.post("/echo-json", (req, res) => res.json({ youSent: req.body }));

// -- a shell error (quoted input) must be reported as command injection, not SQL ---------
app.get("/grep", (req, res) => shell(res, `grep -c '${req.query.word}' /dev/null || true`));
app.get("/grep-safe", (req, res) => noShell(res, "grep", ["-c", "--", String(req.query.word), "/dev/null"]));

// -- path traversal through a parameter whose name says nothing about files --------------
const fs = require("fs");
const path = require("path");
app.get("/read", (req, res) => {
  fs.readFile(path.join(__dirname, "docs", String(req.query.doc)), "utf8", (err, text) =>
    err ? res.status(404).send("no such document") : res.type("text/plain").send(text),
  );
});
app.get("/read-safe", (req, res) => {
  const name = path.basename(String(req.query.doc));
  fs.readFile(path.join(__dirname, "docs", name), "utf8", (err, text) =>
    err ? res.status(404).send("no such document") : res.type("text/plain").send(text),
  );
});

// -- reflected XSS through a path parameter and a POST form field -------------------------
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
app.get("/hello/:name", (req, res) => res.type("html").send(`<p>Hello ${req.params.name}</p>`));
app.get("/hello-safe/:name", (req, res) => res.type("html").send(`<p>Hello ${escapeHtml(req.params.name)}</p>`));
app.post("/comment", (req, res) => res.type("html").send(`<p>You wrote ${req.body.text}</p>`));
app.post("/comment-safe", (req, res) => res.type("html").send(`<p>You wrote ${escapeHtml(req.body.text)}</p>`));

// -- a JSON API behind a bearer token (--login-json) -------------------------------------
const TOKENS = new Set();
app.post("/api/login", (req, res) => {
  const { user, password } = req.body;
  if (user !== "alice" || password !== "wonderland") return res.status(401).json({ error: "invalid credentials" });
  const token = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: user, n: TOKENS.size })).toString("base64url")}.c2lnbmF0dXJl`;
  TOKENS.add(token);
  res.json({ data: { accessToken: token } });
});
const bearer = (req, res, next) =>
  TOKENS.has((req.get("authorization") || "").replace(/^Bearer /, "")) ? next() : res.status(401).json({ error: "log in" });
app.get("/api/lookup", bearer, (req, res) => shell(res, `echo ${req.query.who}`));
app.get("/api/lookup-safe", bearer, (req, res) => noShell(res, "echo", [String(req.query.who)]));
// Behind a guard the route table names (gray-box): linked from nowhere, found only with the
// session, and a request without it only meets the 401.
const requireLogin = (req, res, next) => bearer(req, res, next);
app.get("/account/lookup", requireLogin, (req, res) => shell(res, `echo ${req.query.who}`));

app.listen(Number(process.env.PORT || 3000), "127.0.0.1");
