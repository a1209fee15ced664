const express = require("express");
const { runQuery } = require("../lib/db");

const router = express.Router();

// No rate limiter in front of the password check: brute force is free.
router.post("/", (req, res) => {
  runQuery("SELECT id FROM users WHERE name = ? AND password_hash = ?", (err, rows) => {
    if (err) return res.status(500).send(err.message);
    req.session.user = rows[0];
    res.redirect("/");
  });
});

module.exports = router;
