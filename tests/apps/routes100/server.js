// An Express app with 100 routes (a mix of safe and weak ones) for nodeward's probe benchmark.
"use strict";
const express = require("express");

const app = express();
const host = "127.0.0.1";
const port = Number(process.env.PORT || 3000);
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

app.use(express.json());
app.use(express.urlencoded({ extended: false }));

const links = [];
for (let i = 0; i < 25; i += 1) {
  app.get(`/items/${i}`, (req, res) => res.json({ id: i, name: `item ${i}` }));
  app.get(`/pages/${i}`, (req, res) => res.send(`<html><body><h1>Page ${i}</h1><a href="/items/${i}">item</a></body></html>`));
  app.get(`/search/${i}`, (req, res) =>
    res.send(`<html><body>Results ${i} for ${i % 5 === 0 ? req.query.q : escapeHtml(req.query.q || "")}</body></html>`)
  );
  app.get(`/api/orders/:orderId/lines/${i}`, (req, res) => res.json({ order: req.params.orderId, line: i }));
  links.push(`<a href="/pages/${i}">page ${i}</a>`, `<a href="/search/${i}?q=x">search ${i}</a>`, `<a href="/api/orders/7/lines/${i}">order ${i}</a>`);
}

app.get("/", (req, res) => res.send(`<!doctype html><html><body>${links.join("\n")}</body></html>`));

app.listen(port, host, () => console.log(`listening on http://${host}:${port}`));
