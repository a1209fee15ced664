"""One finding per problem: a setting that turns escaping off is one finding with the
outputs as evidence, a template line keeps its most specific XSS rule, and reflected and
stored XSS at one sink are one finding."""

from __future__ import annotations

import shutil
from pathlib import Path

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path

RULES = Path(__file__).parent / "fixtures" / "rules"
XSS = ("NW901", "NW902", "NW904", "NW905")

HBS_APP = """const express = require("express");
const { engine } = require("express-handlebars");
const app = express();
app.engine("hbs", engine({ extname: ".hbs", compilerOptions: { noEscape: true } }));
app.set("view engine", "hbs");
app.get("/page", (req, res) => {
  res.render("page", { a: req.query.a, b: req.query.b, c: req.query.c, d: "static" });
});
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_handlebars_no_escape_is_one_finding_with_every_output(tmp_path: Path) -> None:
    page = "<h1>{{a}}</h1>\n<p>{{ b }}</p>\n<p>{{c}}</p>\n<p>{{d}}</p>\n"
    root = _write(tmp_path, {"app.js": HBS_APP, "views/page.hbs": page})
    report = scan_path(root, select=XSS)
    [finding] = report.findings
    assert finding.rule == "NW902"
    assert isinstance(finding.location, SourceLocation)
    assert (finding.location.path, finding.location.line) == ("app.js", 4)
    related = [e.location for e in finding.evidence]
    assert [(r.path, r.line) for r in related if isinstance(r, SourceLocation)] == [
        ("views/page.hbs", 1),
        ("views/page.hbs", 2),
        ("views/page.hbs", 3),
    ]
    assert finding.message.startswith(
        "Handlebars engine(... noEscape: true ...) turns off HTML escaping in every template "
        "it renders; request or stored data reaches 3 outputs printed without escaping (XSS): "
        "views/page.hbs:1 {{ a }}, views/page.hbs:2 {{ b }}, views/page.hbs:3 {{ c }}; "
    )


def test_without_no_escape_the_outputs_are_escaped(tmp_path: Path) -> None:
    app = HBS_APP.replace(", compilerOptions: { noEscape: true }", "")
    page = "<h1>{{a}}</h1>\n<p>{{ b }}</p>\n"
    root = _write(tmp_path, {"app.js": app, "views/page.hbs": page})
    assert scan_path(root, select=XSS).findings == ()


def test_a_line_with_reflected_and_stored_data_is_one_finding(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(RULES / "flows_stored_xss_js", root)
    view = root / "views" / "comments.ejs"
    view.write_text(
        view.read_text().replace(
            "<% }) %>", "  <p><%- page.term %> wrote <%- comment.text %></p>\n<% }) %>"
        )
    )
    line = (
        view.read_text().splitlines().index("  <p><%- page.term %> wrote <%- comment.text %></p>")
        + 1
    )
    report = scan_path(root, select=XSS)
    on_line = [
        f
        for f in report.findings
        if isinstance(f.location, SourceLocation)
        and (f.location.path, f.location.line) == ("views/comments.ejs", line)
    ]
    assert [f.rule for f in on_line] == ["NW904"]
    assert any(e.description.startswith("also: ") for e in on_line[0].evidence)


def test_autoescape_off_evidence_is_exactly_the_tainted_outputs() -> None:
    # The fixture's loops and helpers: only the outputs request data reaches are evidence
    # (`{{ loop.index }}`, a fixed list and a shadowing name are not).
    report = scan_path(RULES / "flows_templates_ts", select=("NW902",))
    evidence = {
        (f.location.path, f.location.line): [
            (e.location.path, e.location.line)
            for e in f.evidence
            if isinstance(e.location, SourceLocation)
        ]
        for f in report.findings
        if isinstance(f.location, SourceLocation)
    }
    assert evidence == {
        ("src/server.ts", 7): [
            ("templates/inbox.njk", 3),
            ("templates/labels.njk", 4),
            ("templates/report.njk", 5),
            ("templates/results.njk", 4),
        ],
        ("templates/results.njk", 6): [],  # `| safe`: the tag, not the setting
    }


def test_one_template_line_is_reported_once_by_a_rule(tmp_path: Path) -> None:
    app = (
        'const express = require("express");\nconst app = express();\n'
        'app.set("view engine", "ejs");\n'
        'app.get("/", (req, res) => res.render("index", { a: req.query.a, b: req.query.b }));\n'
    )
    root = _write(tmp_path, {"app.js": app, "views/index.ejs": "<p><%- a %> and <%- b %></p>\n"})
    report = scan_path(root, select=XSS)
    [finding] = report.findings
    assert (finding.rule, finding.location.line) == ("NW902", 1)  # type: ignore[union-attr]
    assert [e.description.split(" is rendered")[0] for e in finding.evidence] == [
        "also: req.query.b"
    ]


def test_a_render_with_a_callback_names_each_output_once(tmp_path: Path) -> None:
    """`res.render(view, data, (err, html) => ...)` is a binding of the handler (its
    callback is analysed with it): every pass over the bindings saw the same render, and
    the finding listed the other outputs once per pass."""
    app = (
        'const express = require("express");\n'
        "const app = express();\n"
        'app.set("view engine", "hbs");\n'
        'app.post("/theme", (req, res, next) => {\n'
        '  res.render("theme", { ...req.body }, (err, html) => {\n'
        "    if (err) { next(err); } else { res.send(html.slice(0, 100)); }\n"
        "  });\n"
        "});\n"
    )
    page = "<style>\n  body { background: {{bg}}; color: {{fg}}; }\n</style>\n"
    root = _write(tmp_path, {"app.js": app, "views/theme.hbs": page})
    [finding] = scan_path(root, select=("NW905",)).findings  # both outputs: one line
    assert isinstance(finding.location, SourceLocation)
    assert (finding.location.path, finding.location.line) == ("views/theme.hbs", 2)
    assert [e.description[:60] for e in finding.evidence] == [
        "also: req.body.fg is rendered by res.render() (app.js:5) and"
    ]
