// A deliberately insecure Express app: every weakness here is on purpose, so that
// `nodeward scan examples/vulnerable-app` has something to report. Never deploy it.
const express = require("express");
const session = require("express-session");
const users = require("./routes/users");
const login = require("./routes/login");

const app = express();
app.use(express.json());

// No helmet(): no Content-Security-Policy, HSTS or X-Frame-Options, and Express still
// announces itself with X-Powered-By.

// Hard-coded secret, default cookie name (connect.sid), no secure/sameSite cookie flags.
app.use(
  session({
    secret: "keyboard cat",
    resave: false,
    saveUninitialized: true,
  })
);

app.use("/users", users);
app.use("/login", login); // no rate limiting on the login route

app.use((err, req, res, next) => {
  // Leaks the stack trace to the client.
  res.status(500).send(err.stack);
});

app.listen(3000);
