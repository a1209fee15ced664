"""`nodeward fix` for the practices added last (issue #17): what each new fixer leaves to a
person and why, and the package.json pins, each checked on its exact text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fix_helpers import FIXTURES, committed_copy
from tree import write_file

from nodeward.cli import main
from nodeward.fix.manifest import add_overrides
from nodeward.fix.workspace import FileText


def _person(project: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    assert main(["fix", str(project), "--offline", "--format", "json", "-q"]) in (0, 1)
    document = json.loads(capsys.readouterr().out)
    return [(n["rule"], n["where"], n["reason"]) for n in document["needs_person"]]


def test_a_sync_password_digest_and_a_bare_send_file_need_a_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hashes = committed_copy(FIXTURES / "password-hash" / "before", tmp_path / "hashes")
    assert _person(hashes, capsys) == [
        (
            "NW210",
            "signup.js:20",
            "the function is not async: bcrypt.hash() returns a promise to await",
        )
    ]
    files = committed_copy(FIXTURES / "send-file" / "before", tmp_path / "files")
    assert _person(files, capsys) == [
        (
            "NW105",
            "files.js:18",
            "the path names no folder: pass the folder that holds the files as `root` "
            "and only the file name as the path",
        )
    ]


def test_a_compared_digest_and_a_computed_redirect_need_a_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_file(tmp_path, "p/package.json", '{"dependencies": {"express": "^4.21.2"}}\n')
    write_file(
        tmp_path,
        "p/app.js",
        'const express = require("express");\n'
        'const crypto = require("crypto");\n'
        "const app = express();\n"
        'app.post("/login", async (req, res) => {\n'
        '  if (crypto.createHash("md5").update(req.body.password).digest("hex")'
        " === req.user.hash) {\n"
        '    res.send("ok");\n'
        "  }\n"
        "});\n"
        'app.get("/go", (req, res) => {\n'
        '  res.redirect("https://" + req.query.host);\n'
        "});\n"
        "module.exports = app;\n",
    )
    person = {
        (r, w, why) for r, w, why in _person(tmp_path / "p", capsys) if r in ("NW210", "NW540")
    }
    assert person == {
        (
            "NW210",
            "app.js:5",
            "the digest is compared: a bcrypt hash is checked with bcrypt.compare()",
        ),
        (
            "NW540",
            "app.js:10",
            "the target is computed at the call: check it against an allow-list",
        ),
    }


def test_pins_join_an_existing_overrides_object() -> None:
    manifest = FileText(
        "package.json",
        b'{\n    "name": "x",\n    "overrides": {\n        "a": "1.0.0"\n    }\n}\n',
    )
    edit = add_overrides(manifest, "overrides", {"kit": {"lodash": "4.17.11"}})
    assert not isinstance(edit, str)
    patched = manifest.source[: edit.start] + edit.text.encode() + manifest.source[edit.end :]
    assert patched == (
        b'{\n    "name": "x",\n    "overrides": {\n        "a": "1.0.0",\n'
        b'        "kit": {\n            "lodash": "4.17.11"\n        }\n    }\n}\n'
    )


def test_a_pin_the_overrides_already_name_is_left_to_a_person() -> None:
    manifest = FileText("package.json", b'{"overrides": {"kit": {"qs": "6.0.0"}}}\n')
    reason = add_overrides(manifest, "overrides", {"kit": {"lodash": "4.17.11"}})
    assert reason == '"overrides" in package.json has an entry for it already: merge by hand'
