// Deliberately insecure Express app: every weakness the nodeward live probe checks for.
// Started by the tests on 127.0.0.1 with PORT set. Never deploy this.
"use strict";
const path = require("path");
const fs = require("fs");
const { exec } = require("child_process");
const express = require("express");
const session = require("express-session");
const serveIndex = require("serve-index");

const app = express();
const host = "127.0.0.1";
const port = Number(process.env.PORT || 3000);

const USERS = [
  { id: 1, name: "alice", email: "alice@example.com", phone: "+1-202-555-0101", passwordHash: "$2b$10$abcdefghijklmnopqrstuu5sQf1VfWbGHyEQ7ayRZ0lqJ1qYlH5iW" },
  { id: 2, name: "bob", email: "bob@example.com", phone: "+1-202-555-0102", passwordHash: "$2b$10$bcdefghijklmnopqrstuvu9mX1r4rYj9wZz2cD5eF6gH7iJ8kL9mNO" },
  { id: 3, name: "carol", email: "carol@example.com", phone: "+1-202-555-0103", passwordHash: "$2b$10$cdefghijklmnopqrstuvwu1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sTU" },
];
const PRODUCTS = [
  { id: 1, name: "lamp" },
  { id: 2, name: "desk" },
];

app.use(express.json());
app.use(express.urlencoded({ extended: true }));
app.use(
  session({
    secret: "keyboard cat",
    resave: false,
    saveUninitialized: true,
    cookie: { httpOnly: false, maxAge: 1000 * 60 * 60 * 24 * 365 * 5 },
  })
);

// CORS that reflects any Origin (including "null") and allows credentials.
app.use((req, res, next) => {
  if (req.headers.origin) {
    res.set("Access-Control-Allow-Origin", req.headers.origin);
    res.set("Access-Control-Allow-Credentials", "true");
  }
  next();
});

app.get("/", (req, res) => {
  res.send(`<!doctype html><html><head><title>Shop</title></head><body>
<a href="/search?q=lamp">search</a> <a href="/products?id=1">product</a>
<a href="/api/users?name=alice">users</a> <a href="/go?url=/">home</a>
<a href="/file?name=readme.txt">readme</a> <a href="/ping?host=localhost">ping</a>
<a href="/files/">files</a> <a href="/account">account</a> <a href="/admin">admin</a>
<a href="/api/token">token</a> <a href="/help">help</a>
<a href="https://elsewhere.invalid/">partner</a>
<form method="get" action="/search"><input name="q"></form>
<form method="post" action="/login"><input name="username"><input type="password" name="password"></form>
<form method="post" action="/signin"><input type="email" name="email"><input type="password" name="pass"></form>
<form method="post" action="/transfer"><input name="to"><input name="amount"></form>
</body></html>`);
});

app.get("/search", (req, res) => {
  res.send(`<html><body><h1>Results for ${req.query.q}</h1></body></html>`);
});

// Simulated SQL: a stray quote breaks the query; "AND 1=2" empties it.
app.get("/products", (req, res) => {
  const id = String(req.query.id || "");
  if ((id.match(/'/g) || []).length % 2 === 1) {
    res.status(500).type("text/plain").send(`SQLITE_ERROR: unrecognized token: "'${id}"`);
    return;
  }
  const m = /^'?(\d+)'?(?:\s+(AND|OR)\s+'?(\d+)'?\s*=\s*'?(\d+)'?)?/i.exec(id.replace(/^'|'$/g, ""));
  if (!m) return res.json([]);
  const cond = m[2] ? m[3] === m[4] : true;
  const rows = PRODUCTS.filter((p) => (m[2] && m[2].toUpperCase() === "OR" ? cond || p.id === Number(m[1]) : cond && p.id === Number(m[1])));
  res.json(rows);
});

// NoSQL-style lookup: an object like { $ne: "" } matches everyone.
app.get("/api/users", (req, res) => {
  const name = req.query.name;
  const match = (u) => (typeof name === "object" && name !== null && "$ne" in name ? u.name !== name.$ne : u.name === name);
  res.json(USERS.filter(match));
});

app.get("/api/token", (req, res) => {
  res.json({ token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwibmFtZSI6ImFsaWNlIn0.c2lnbmF0dXJlX2lzX2Zha2VfZm9yX3Rlc3Rz", stripeKey: "sk_live_51HfakeFAKEfakeFAKEfake00000000" });
});

app.get("/go", (req, res) => res.redirect(String(req.query.url || "/")));

app.get("/file", (req, res) => {
  fs.readFile(path.join(__dirname, "public", String(req.query.name || "")), "utf8", (err, text) => {
    if (err) return res.status(404).send("not found");
    res.type("text/plain").send(text);
  });
});

app.get("/ping", (req, res) => {
  exec(`echo pinging ${req.query.host}`, (err, stdout) => res.type("text/plain").send(stdout));
});

app.use("/files", express.static(path.join(__dirname, "public")), serveIndex(path.join(__dirname, "public")));

app.post("/login", (req, res) => {
  const { username, password } = req.body;
  if (username === "alice" && password === "wonderland") {
    req.session.user = "alice";
    return res.redirect("/account");
  }
  res.status(401).send("invalid credentials");
});

app.get("/account", (req, res) => {
  if (!req.session.user) return res.status(401).send("please log in");
  res.send(`<html><body>Welcome ${req.session.user}, card ending 4242</body></html>`);
});

app.post("/transfer", (req, res) => res.send(`sent ${Number(req.body.amount) || 0} to someone`));

// A legacy page behind an old proxy: a weak CSP and a versioned Server header.
app.get("/help", (req, res) => {
  res.set("Content-Security-Policy", "script-src 'self' 'unsafe-inline' 'unsafe-eval' *");
  res.set("Server", "nginx/1.18.0 (Ubuntu)");
  res.send("<html><body>Help</body></html>");
});

// A hand-rolled limiter keyed on req.ip, with every proxy trusted: X-Forwarded-For resets it.
app.set("trust proxy", true);
const attempts = new Map();
app.post("/signin", (req, res) => {
  const count = (attempts.get(req.ip) || 0) + 1;
  attempts.set(req.ip, count);
  if (count > 5) return res.status(429).send("too many attempts");
  res.status(401).send("invalid credentials");
});

app.get("/admin", (req, res) => res.send("<h1>Admin dashboard</h1><p>users: 3</p>"));

app.get("/boom", () => {
  throw new Error("database connection lost");
});

// Exposed project files.
app.get("/.env", (req, res) => res.type("text/plain").send("DB_PASSWORD=hunter2\nSESSION_SECRET=keyboard cat\n"));
app.get("/package.json", (req, res) => res.sendFile(path.join(__dirname, "package.json")));
app.get("/.git/config", (req, res) => res.type("text/plain").send('[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = git@example.com:shop.git\n'));

// A PDF export that takes the whole process down (crash detection): the error is thrown
// outside the request's call stack, so Express cannot catch it.
app.get("/report", (req, res) => {
  if (req.query.format === "pdf") {
    setImmediate(() => {
      throw new Error("PDF renderer failed");
    });
    return;
  }
  res.json({ sales: 3 });
});

app.listen(port, host, () => console.log(`listening on http://${host}:${port}`));
