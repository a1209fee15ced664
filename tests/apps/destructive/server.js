// A shop whose pages link to and post to actions that change state: logout, delete, drop,
// reset, transfer, DELETE and PUT forms, and a form that pre-fills a file path. Every
// request is recorded in memory; GET /__requests returns the list (not linked anywhere),
// so a test can assert which of them the probe sent.
const express = require("express");

const app = express();
const port = Number(process.env.PORT || 3000);
const host = "127.0.0.1";
const received = [];

app.use(express.text({ type: "*/*" }));
app.use((req, res, next) => {
  if (req.path !== "/__requests") {
    received.push({ method: req.method, url: req.originalUrl, body: typeof req.body === "string" ? req.body : "" });
  }
  next();
});

app.get("/__requests", (req, res) => res.json(received));

const page = (body) => `<!doctype html><html><head><title>shop</title></head><body>${body}</body></html>`;

app.get("/", (req, res) => {
  res.type("html").send(
    page(`
    <a href="/about">About</a>
    <a href="/dropdown">A dropdown menu demo</a>
    <a href="/deleted-items">Deleted items</a>
    <a href="/logout">Log out</a>
    <a href="/delete?id=1">Delete item 1</a>
    <a href="/users/deleteUser?id=2">Delete user 2</a>
    <a href="/admin/stats">Admin stats</a>
    <a href="/admin/drop">Drop the database</a>
    <a href="/admin/purge-cache">Purge the cache</a>
    <a href="/reset-db">Reset the database</a>
    <a href="/account/transfer?to=bob&amount=100">Send bob 100</a>
    <a href="/orders?action=cancel&id=7">Cancel order 7</a>
    <form action="/search" method="get"><input name="q" value="shoes"><button>Search</button></form>
    <form action="/admin/drop-table" method="post">
      <input type="hidden" name="csrf_token" value="tok-123">
      <input name="table" value="users"><button>Drop</button>
    </form>
    <form action="/admin/save-config" method="post">
      <input name="path" value="/etc/hosts"><textarea name="content"></textarea><button>Save</button>
    </form>
    <form action="/transfer" method="post">
      <input name="to" value="mallory"><input name="amount" value="1000"><button>Send</button>
    </form>
    <form action="/items/1" method="delete"><button>Delete</button></form>
    <form action="/profile" method="put"><input name="name" value="alice"><button>Save</button></form>
  `),
  );
});

app.get("/about", (req, res) => res.type("html").send(page("<p>We sell shoes.</p>")));
app.get("/dropdown", (req, res) => res.type("html").send(page("<select><option>a</option></select>")));
app.get("/deleted-items", (req, res) => res.type("html").send(page("<p>No deleted items.</p>")));
app.get("/search", (req, res) => res.type("html").send(page("<p>results</p>")));
app.get("/admin/stats", (req, res) => res.type("html").send(page("<p>3 orders</p>")));

// Every other request "does" its action: it only answers, but a real app would not.
app.all("*", (req, res) => res.type("html").send(page(`<p>done: ${req.method}</p>`)));

app.listen(port, host, () => console.log(`listening on http://${host}:${port}`));
