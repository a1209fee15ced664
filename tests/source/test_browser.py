"""Browser code keeps the browser rules and is never described as running on the server."""

from __future__ import annotations

from pathlib import Path

from nodeward.findings import Severity, SourceLocation
from nodeward.scan import scan_path

SHIV = "(function (window, document) {\n  var code = window.name;\n  eval(code);\n})(this);\n"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _found(root: Path) -> list[tuple[str, str, int, Severity]]:
    report = scan_path(root, select=("NW104", "NW150", "NW903"))
    assert not any("on the server" in f.message for f in report.findings)
    return [
        (f.rule, f.location.path, f.location.line, f.severity)
        for f in report.findings
        if isinstance(f.location, SourceLocation)
    ]


def test_eval_of_the_url_in_browser_code_is_dom_xss(tmp_path: Path) -> None:
    root = _write(tmp_path, {"public/js/app.js": "eval(location.hash.slice(1));\n"})
    report = scan_path(root, select=("NW104", "NW150", "NW903"))
    [finding] = report.findings
    assert (finding.rule, finding.severity) == ("NW903", Severity.HIGH)
    assert finding.message.startswith("location.hash flows into eval() (DOM XSS); ")
    assert "on the server" not in finding.message


def test_non_constant_eval_in_browser_code_has_the_browser_wording(tmp_path: Path) -> None:
    # html5shiv-like: a script outside a static folder, told apart by `window`/`document`.
    root = _write(tmp_path, {"html5shiv.js": SHIV, "public/widget.js": "eval(config.code);\n"})
    assert _found(root) == [
        ("NW150", "html5shiv.js", 3, Severity.MEDIUM),
        ("NW150", "public/widget.js", 1, Severity.MEDIUM),
    ]
    report = scan_path(root, select=("NW150",))
    assert report.findings[0].message == (
        "eval() evaluates `code`, which is not a constant, in browser code; if any of it "
        "comes from the URL, a message or stored data, attackers run script in the "
        "visitor's browser. Parse data instead of evaluating it"
    )


def test_server_code_keeps_the_server_wording(tmp_path: Path) -> None:
    server = 'const fs = require("fs");\nconst window = {};\neval(process.argv[2]);\n'
    public = 'const { exec } = require("child_process");\neval(process.argv[2]);\n'
    root = _write(tmp_path, {"server.js": server, "public/tool.js": public})
    report = scan_path(root, select=("NW150",))
    assert [(f.location.path, f.severity) for f in report.findings] == [  # type: ignore[union-attr]
        ("public/tool.js", Severity.HIGH),
        ("server.js", Severity.HIGH),
    ]
    assert all("attackers run code on the server" in f.message for f in report.findings)
