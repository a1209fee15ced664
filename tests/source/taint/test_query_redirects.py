"""Flow steps and messages of the query-clause and URL-check findings: the `$where`
clause a DAO builds in another file and the substring check a redirect passes are named in
the flow (where the fix goes); a `$where` finding gives the fix for JavaScript, not for
operator objects; an RPC method's parameters are request data."""

from __future__ import annotations

from pathlib import Path

from nodeward.findings import Finding, SourceLocation
from nodeward.scan import scan_path


def _scan(tmp_path: Path, files: dict[str, str], rule: str) -> list[Finding]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    report = scan_path(tmp_path)
    return [f for f in report.findings if f.rule == rule]


def _steps(finding: Finding) -> list[tuple[str, int, str]]:
    return [(s.location.path, s.location.line, s.description) for s in finding.flow]


def test_where_clause_built_in_a_dao_method_is_a_flow_step(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "routes/stock.js": (
                'const { Store } = require("../data/store");\n'
                'const router = require("express").Router();\n'
                "const store = new Store(db);\n"
                'router.get("/s", (req, res) => {\n'
                "  store.above(req.query.level, (e, r) => res.json(r));\n"
                "});\n"
            ),
            "data/store.js": (
                "function Store(db) {\n"
                '  const items = db.collection("items");\n'
                "  this.above = function (level, done) {\n"
                "    const criteria = () => ({\n"
                "      $where: `this.count > '${level}'`,\n"
                "    });\n"
                "    items.find(criteria()).toArray(done);\n"
                "  };\n"
                "}\n"
                "module.exports = { Store };\n"
            ),
        },
        "NW102",
    )
    assert len(findings) == 1
    finding = findings[0]
    assert isinstance(finding.location, SourceLocation)
    assert (finding.location.path, finding.location.line) == ("data/store.js", 7)
    assert ("data/store.js", 5, "builds a MongoDB $where clause (JavaScript)") in _steps(finding)
    assert "(NoSQL injection: JavaScript the database runs)" in finding.message
    assert finding.message.endswith(
        "Never build $where (or $function) from request data; express the condition with "
        "query operators: { count: { $gt: Number(level) } }"
    )


def test_redirect_behind_a_substring_allow_list_names_the_check(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "lib/urls.js": (
                'const ALLOWED = ["https://a.example/"];\n'
                "exports.allowed = (url) => ALLOWED.some((u) => url.includes(u));\n"
            ),
            "app.js": (
                'const { allowed } = require("./lib/urls");\n'
                'const app = require("express")();\n'
                'app.get("/r", (req, res) => {\n'
                "  if (allowed(req.query.to)) {\n"
                "    res.redirect(req.query.to);\n"
                "  }\n"
                "});\n"
            ),
        },
        "NW540",
    )
    assert len(findings) == 1
    assert _steps(findings[0]) == [
        ("app.js", 5, "request data: req.query.to"),
        ("lib/urls.js", 2, "passes allowed(), a substring check of the URL"),
        ("app.js", 5, "reaches res.redirect()"),
    ]


def test_xmlrpc_method_parameters_are_request_data(tmp_path: Path) -> None:
    findings = _scan(
        tmp_path,
        {
            "rpc.js": (
                'const xmlrpc = require("xmlrpc");\n'
                'const needle = require("needle");\n'
                "const server = xmlrpc.createServer({ port: 9000 });\n"
                'server.on("site.check", (err, params, callback) => {\n'
                "  needle.get(params[0], () => callback(null, true));\n"
                "});\n"
                'server.on("error", (err, params) => needle.get(params[0]));\n'
            ),
        },
        "NW106",
    )
    assert [(f.location.line, f.message.split(" flows")[0]) for f in findings] == [  # type: ignore[union-attr]
        (5, "RPC call params")
    ]
    assert _steps(findings[0])[0] == ("rpc.js", 4, "request data: RPC call parameters `params`")
