// Deliberately vulnerable Express app for nodeward's probe tests: weaknesses whose effect
// never shows in the answer (a shell's output dropped, a file written, a deserializer that
// runs functions), each with a safe twin. Never deploy; the tests run it on 127.0.0.1 only.
"use strict";

const express = require("express");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { exec, execFile } = require("child_process");
const multer = require("multer");

const app = express();
const SAVED = fs.mkdtempSync(path.join(os.tmpdir(), "nodeward-blind-app-"));

app.get("/", (req, res) => {
  res.type("html").send(`<!doctype html><html><body>
<a href="/check?dir=public">check</a> <a href="/check-safe?dir=public">check safe</a>
<a href="/save?name=notes">save</a> <a href="/save-safe?name=notes">save safe</a>
<a href="/restore?data=%7B%7D">restore</a> <a href="/restore-safe?data=%7B%7D">restore safe</a>
<a href="/show?topic=accounts">accounts</a> <a href="/show-safe?topic=accounts">accounts safe</a>
<form method="post" action="/upload" enctype="multipart/form-data"><input name="title"><input type="file" name="doc"></form>
<form method="post" action="/upload-safe" enctype="multipart/form-data"><input name="title"><input type="file" name="doc"></form>
<a href="/app">the app (needs JavaScript)</a> <a href="/pick">pick (needs clicks)</a>
<a href="/say/%3Cb%3Ehi%3C%2Fb%3E/loud">say</a> <a href="/say-safe/%3Cb%3Ehi%3C%2Fb%3E/loud">say safe</a>
</body></html>`);
});

// -- a page whose link and form exist only once its script ran ----------------------------
app.get("/app", (req, res) => {
  res.type("html").send(`<!doctype html><html><body><div id="root"></div><script>
const root = document.getElementById("root");
const link = document.createElement("a");
link.href = "/" + ["greet"].join("") + "?name=" + "world";
link.textContent = "greet";
root.appendChild(link);
root.insertAdjacentHTML("beforeend", '<form method="get" action="/' + "greet-safe" + '"><input name="name"></form>');
</script></body></html>`);
});

// -- a page whose form action and requests come from click handlers -----------------------
const SIGNED_OUT = [];
app.get("/pick", (req, res) => {
  res.type("html").send(`<!doctype html><html><body>
<form id="f" method="get" action="/greet-safe"><input name="name"></form>
<button id="mode">Fast mode</button> <button id="beep">Beep</button> <button id="bye">Log out</button>
<script>
document.getElementById("mode").addEventListener("click", () => { document.getElementById("f").action = "/" + "echo"; });
document.getElementById("beep").addEventListener("click", () => fetch("/" + "shout?words=hi"));
document.getElementById("bye").addEventListener("click", () => fetch("/" + "sign-off?all=1"));
</script></body></html>`);
});
app.get("/echo", (req, res) => res.type("html").send(`<p>${req.query.name}</p>`));
app.get("/shout", (req, res) => res.type("html").send(`<p>${req.query.words}!</p>`));
app.get("/sign-off", (req, res) => { SIGNED_OUT.push(req.query.all); res.send("bye"); });
app.get("/signed-out", (req, res) => res.json(SIGNED_OUT));
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
app.get("/say/:words/loud", (req, res) => res.type("html").send(`<h1>${req.params.words}</h1>`));
app.get("/say-safe/:words/loud", (req, res) => res.type("html").send(`<h1>${escapeHtml(req.params.words)}</h1>`));
app.get("/greet", (req, res) => res.type("html").send(`<p>Hello ${req.query.name}</p>`));
app.get("/greet-safe", (req, res) => res.type("html").send(`<p>Hello ${escapeHtml(req.query.name)}</p>`));

// -- a shell runs for its exit code only: nothing of its output comes back ----------------
app.get("/check", (req, res) => exec(`test -d ${req.query.dir}`, () => res.send("checked")));
app.get("/check-safe", (req, res) => execFile("test", ["-d", String(req.query.dir)], () => res.send("checked")));

// -- a file write: the path is joined, not checked ----------------------------------------
app.get("/save", (req, res) =>
  fs.writeFile(path.join(SAVED, String(req.query.name)), "notes", (err) =>
    res.send(err ? "could not save" : "saved"),
  ),
);
app.get("/save-safe", (req, res) =>
  fs.writeFile(path.join(SAVED, path.basename(String(req.query.name))), "notes", (err) =>
    res.send(err ? "could not save" : "saved"),
  ),
);

// -- node-serialize's format, in a few lines: a `_$$ND_FUNC$$_` value is evaluated --------
const PREFIX = "_$$ND_FUNC$$_";
const unserialize = (text) => {
  const value = JSON.parse(text);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string" && item.startsWith(PREFIX)) value[key] = eval(`(${item.slice(PREFIX.length)})`);
  }
  return value;
};
const restore = (parse) => (req, res) => {
  try {
    parse(String(req.query.data));
    res.send("restored");
  } catch (err) {
    res.status(400).send("cannot restore");
  }
};
app.get("/restore", restore(unserialize));
app.get("/restore-safe", restore(JSON.parse));

// -- a value the app links itself picks a system file ------------------------------------
const TOPICS = { accounts: "/etc/passwd" };
const SAFE_TOPICS = { accounts: path.join(__dirname, "package.json") };
const show = (topics) => (req, res) =>
  fs.readFile(topics[req.query.topic] || path.join(__dirname, "server.js"), "utf8", (err, text) =>
    res.type("text/plain").send(err ? "no such topic" : text.slice(0, 2000)),
  );
app.get("/show", show(TOPICS));
app.get("/show-safe", show(SAFE_TOPICS));

// -- an upload form (multipart): its text field is shown back, the file is required ----------
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 10000 } }).single("doc");
const saved = (show) => (req, res) =>
  req.file ? res.type("html").send(`<p>Saved ${show(req.body.title)} (${req.file.size} bytes)</p>`) : res.status(400).send("no file");
app.post("/upload", upload, saved(String));
app.post("/upload-safe", upload, saved(escapeHtml));

app.listen(Number(process.env.PORT || 3000), "127.0.0.1");
