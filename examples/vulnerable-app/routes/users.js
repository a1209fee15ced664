const express = require("express");
const _ = require("lodash");
const { findUserByName } = require("../lib/db");

const router = express.Router();

router.get("/search", (req, res) => {
  // req.query.name reaches the SQL text through lib/db.js.
  findUserByName(req.query.name, (err, rows) => {
    if (err) throw err;
    res.json(rows);
  });
});

router.post("/preferences", (req, res) => {
  // lodash 4.17.4's merge is open to prototype pollution.
  const prefs = _.merge({}, req.body);
  res.send("<p>Saved preferences for " + req.query.user + "</p>");
});

module.exports = router;
