const mysql = require("mysql");

const pool = mysql.createPool({
  host: process.env.DB_HOST,
  user: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
  database: "shop",
});

// A helper that runs whatever SQL text it is given: the callers decide whether it is safe.
function runQuery(sql, callback) {
  pool.query(sql, callback);
}

function findUserByName(name, callback) {
  // SQL injection: the name is pasted into the query text.
  runQuery("SELECT id, name, email FROM users WHERE name = '" + name + "'", callback);
}

module.exports = { runQuery, findUserByName };
