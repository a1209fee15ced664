"""Behaviour of the first syntax-tree rule pack beyond the annotated fixtures: the name
heuristics, project-level rules across files, and odd input that must not crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.findings import SourceLocation
from nodeward.scan import scan_path
from nodeward.source.rules.cookies import looks_like_auth_cookie
from nodeward.source.rules.express import is_test_file

PACK_CODES = {
    "NW150",
    "NW151",
    "NW152",
    "NW201",
    "NW202",
    "NW203",
    "NW301",
    "NW302",
    "NW303",
    "NW304",
    "NW401",
    "NW402",
    "NW802",
    "NW803",
    "NW804",
    "NW805",
    "NW806",
}


def _reported(root: Path, codes: set[str] = PACK_CODES) -> set[tuple[str, str, int]]:
    report = scan_path(root)
    # Only this pack's checkers are judged here; other analyzers have their own tests.
    crashed = [
        s
        for s in report.skips
        if "internal error" in s.reason and any(code in s.reason.split(":", 1)[0] for code in codes)
    ]
    assert not crashed, crashed
    found = set()
    for finding in report.findings:
        if finding.rule in codes and isinstance(finding.location, SourceLocation):
            found.add((finding.rule, finding.location.path, finding.location.line))
    return found


@pytest.mark.parametrize(
    "name",
    ["token", "refreshToken", "access_token", "connect.sid", "AUTH-COOKIE", "jwt", "sessionId"],
)
def test_credential_cookie_names(name: str) -> None:
    assert looks_like_auth_cookie(name)


@pytest.mark.parametrize("name", ["theme", "lang", "side_panel", "consent", "tokenize_hint2x"])
def test_other_cookie_names(name: str) -> None:
    assert not looks_like_auth_cookie(name)


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("test/app.test.js", True),
        ("src/__tests__/server.ts", True),
        ("src/app.spec.ts", True),
        ("src/server.js", False),
        ("src/latest/app.js", False),
        ("contest/app.js", False),
    ],
)
def test_test_files(rel: str, expected: bool) -> None:
    assert is_test_file(rel) is expected


def test_project_rules_point_at_app_and_listen(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text(
        'const express = require("express");\nconst app = express();\nmodule.exports = app;\n'
    )
    (tmp_path / "index.js").write_text('const app = require("./app");\napp.listen(3000);\n')
    assert _reported(tmp_path) == {
        ("NW301", "app.js", 2),
        ("NW302", "app.js", 2),
        ("NW402", "index.js", 2),
    }


def test_helmet_in_another_file_covers_the_app(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text(
        'import express from "express";\nimport secure from "./secure.js";\n'
        "const app = express();\nsecure(app);\nexport default app;\n"
    )
    (tmp_path / "secure.js").write_text(
        'import helmet from "helmet";\nexport default (app) => app.use(helmet());\n'
    )
    assert _reported(tmp_path) == set()


def test_helmet_keeping_x_powered_by_is_reported(tmp_path: Path) -> None:
    (tmp_path / "app.ts").write_text(
        'import express from "express";\nimport helmet from "helmet";\n'
        "const app = express();\napp.use(helmet({ hidePoweredBy: false }));\n"
    )
    assert _reported(tmp_path) == {("NW302", "app.ts", 3)}


def test_project_without_express_gets_no_app_findings(tmp_path: Path) -> None:
    (tmp_path / "cli.js").write_text('const fastify = require("fastify")();\n')
    assert _reported(tmp_path) == set()


ODD_INPUT = """
const session = require("express-session");
const cors = require("cors");
const jwt = require("jsonwebtoken");
const helmet = require("helmet");
const cp = require("child_process");
const yaml = require("js-yaml");
const vm = require("vm");
session();
session(...args);
session({ ...base, cookie: { ...cookieBase } });
session({ cookie: undefined, secret: [] });
cors(...opts);
cors({ ...opts, credentials: true });
cors({ origin: () => {}, credentials: true });
jwt.verify();
jwt.sign();
jwt.decode();
helmet({ contentSecurityPolicy: { directives: { scriptSrc: "'self'" } } });
helmet(...x);
cp.exec();
cp.spawn(cmd, args, { ...o });
yaml.load();
vm.runInThisContext();
eval();
new Function();
setTimeout();
res.cookie();
res.cookie("token");
res.setHeader();
app.use((err, req, res, next) => res.json());
try {} catch {}
try {} catch ({ message }) { res.send(message); }
process.on();
app.listen(
"""


@pytest.mark.parametrize("suffix", [".js", ".ts", ".tsx"])
def test_odd_input_does_not_crash(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"odd{suffix}").write_text(ODD_INPUT)
    found = _reported(tmp_path)
    assert {code for code, _path, _line in found} <= {"NW402"}
