// The hardened twin of tests/apps/vulnerable: same routes, safe implementations.
// None of nodeward's active probe checks may fire against it.
"use strict";
const crypto = require("crypto");
const express = require("express");
const helmet = require("helmet");
const session = require("express-session");
const { rateLimit } = require("express-rate-limit");

const app = express();
const host = "127.0.0.1";
const port = Number(process.env.PORT || 3000);
const CSRF_KEY = crypto.randomBytes(32);

const USERS = [
  { id: 1, name: "alice" },
  { id: 2, name: "bob" },
];
const PRODUCTS = [
  { id: 1, name: "lamp" },
  { id: 2, name: "desk" },
];

const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const csrfToken = () => {
  const nonce = crypto.randomBytes(16).toString("hex");
  return `${nonce}.${crypto.createHmac("sha256", CSRF_KEY).update(nonce).digest("hex")}`;
};
const validCsrf = (token) => {
  const [nonce, mac] = String(token || "").split(".");
  if (!nonce || !mac) return false;
  const expected = crypto.createHmac("sha256", CSRF_KEY).update(nonce).digest("hex");
  return mac.length === expected.length && crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected));
};

app.use(helmet());
app.use(express.json());
app.use(express.urlencoded({ extended: false }));
app.use(
  session({
    name: "sid_h4rd",
    secret: crypto.randomBytes(32).toString("hex"),
    resave: false,
    saveUninitialized: false,
    cookie: { secure: true, httpOnly: true, sameSite: "lax", maxAge: 1000 * 60 * 60 },
  })
);

// State-changing requests: a valid token and, when the browser says, our own origin.
const csrf = (req, res, next) => {
  const origin = req.headers.origin;
  if (origin && origin !== `http://${req.headers.host}`) return res.status(403).send("forbidden");
  if (!validCsrf(req.body && req.body._csrf)) return res.status(403).send("forbidden");
  next();
};

app.get("/", (req, res) => {
  const token = csrfToken();
  res.send(`<!doctype html><html><head><title>Shop</title></head><body>
<a href="/search?q=lamp">search</a> <a href="/products?id=1">product</a>
<a href="/api/users?name=alice">users</a> <a href="/go?url=/">home</a>
<a href="/file?name=readme.txt">readme</a> <a href="/ping?host=localhost">ping</a>
<a href="/account">account</a> <a href="/admin">admin</a> <a href="/help">help</a>
<form method="get" action="/search"><input name="q"></form>
<form method="post" action="/login"><input type="hidden" name="_csrf" value="${token}"><input name="username"><input type="password" name="password"></form>
<form method="post" action="/signin"><input type="hidden" name="_csrf" value="${token}"><input type="email" name="email"><input type="password" name="pass"></form>
<form method="post" action="/transfer"><input type="hidden" name="_csrf" value="${token}"><input name="to"><input name="amount"></form>
</body></html>`);
});

app.get("/search", (req, res) => res.send(`<html><body><h1>Results for ${escapeHtml(req.query.q || "")}</h1></body></html>`));

app.get("/products", (req, res) => {
  const id = Number.parseInt(String(req.query.id || ""), 10);
  res.json(/^\d+$/.test(String(req.query.id || "")) ? PRODUCTS.filter((p) => p.id === id) : []);
});

app.get("/api/users", (req, res) => {
  const name = typeof req.query.name === "string" ? req.query.name : "";
  res.json(USERS.filter((u) => u.name === name));
});

app.get("/go", (req, res) => {
  const url = String(req.query.url || "/");
  res.redirect(url.startsWith("/") && !url.startsWith("//") && !url.includes("\\") ? url : "/");
});

const FILES = { "readme.txt": "Shop readme\n" };
app.get("/file", (req, res) => {
  const text = Object.hasOwn(FILES, String(req.query.name)) ? FILES[String(req.query.name)] : null;
  if (text === null) return res.status(404).send("not found");
  res.type("text/plain").send(text);
});

app.get("/ping", (req, res) => {
  const target = String(req.query.host || "");
  res.type("text/plain").send(/^[a-z0-9.-]{1,253}$/i.test(target) ? "pinging host\n" : "invalid host\n");
});

const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 5, standardHeaders: "draft-7", legacyHeaders: false });
app.post("/login", loginLimiter, csrf, (req, res) => res.status(401).send("invalid credentials"));

const signinLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 5, standardHeaders: "draft-7", legacyHeaders: false });
app.post("/signin", signinLimiter, csrf, (req, res) => res.status(401).send("invalid credentials"));
app.get("/help", (req, res) => res.send("<html><body>Help</body></html>"));

const requireUser = (req, res, next) => (req.session.user ? next() : res.status(401).send("please log in"));
app.get("/account", requireUser, (req, res) => res.set("Cache-Control", "no-store").send("account"));
app.post("/transfer", csrf, requireUser, (req, res) => res.send("sent"));
app.get("/admin", requireUser, (req, res) => res.send("admin"));

app.use((req, res) => res.status(404).send("not found"));
// Errors never leak details.
app.use((err, req, res, next) => res.status(err.status || 500).json({ error: "request failed" }));

app.listen(port, host, () => console.log(`listening on http://${host}:${port}`));
