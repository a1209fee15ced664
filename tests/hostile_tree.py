"""A hostile repository, built on demand: what a stranger's pull request can put in a tree.

Used by tests/test_hostile_tree.py (behaviour) and benchmarks/bench_hostile.py (time and
memory). Nothing here is committed as files: symlinks, control characters in names and
multi-megabyte files are made in a temporary folder.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tree import write_file as _write

ESC = "\x1b"
# File-name pieces a terminal or a log viewer would act on: set the window title, clear the
# screen, erase the line above, the C1 control sequence introducer, a right-to-left override.
HOSTILE_NAME_PARTS = (f"{ESC}]0;pwned\x07", f"{ESC}[2J", f"{ESC}[1A{ESC}[2K", "\u202e")


@dataclass(frozen=True)
class PlantedFlow:
    """A vulnerability hidden among the hostile files: the scan must still report it."""

    rel: str
    line: int
    code: str


_SERVER = """const express = require("express");
const { exec } = require("child_process");
const app = express();
app.get("/run", (req, res) => {
  exec("ls " + req.query.dir, (err, out) => res.send(out));
});
app.get("/calc", (req, res) => {
  res.json({ value: eval(req.query.expr) });
});
app.listen(3000);
"""

# Hand-written server code whose name looks like a build product; it is package.json's main.
_PROD_SERVER = """const express = require("express");
const app = express();
app.get("/c", (req, res) => {
  res.send(String(eval(req.query.c)));
});
app.listen(8080);
"""

# One Latin-1 byte in a comment must not hide the flow below it.
_LATIN1 = (
    b"// caf\xe9: legacy encoding\n"
    b'const express = require("express");\n'
    b'const { exec } = require("child_process");\n'
    b"const router = express.Router();\n"
    b'router.get("/ping", (req, res) => {\n'
    b'  exec("ping -c 1 " + req.query.host, () => res.end());\n'
    b"});\n"
    b"module.exports = router;\n"
)

# Control characters inside code: a flagged line carries terminal escapes and an RTL override.
_ESCAPES_IN_CODE = (
    'const express = require("express");\n'
    "const app = express();\n"
    f'app.get("/x", (req, res) => res.send(eval("{ESC}[2J{ESC}]0;t\\x07\u202e" + req.query.q)));\n'
)

PLANTED = (
    PlantedFlow("server.js", 5, "NW103"),
    PlantedFlow("server.js", 8, "NW104"),
    PlantedFlow("server.prod.js", 4, "NW104"),
    PlantedFlow("routes/latin1.js", 6, "NW103"),
    PlantedFlow("escapes-in-code.js", 3, "NW104"),
)


def _zip_slip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../../../tmp/nodeward-zip-slip.txt", "pwned")
        archive.writestr("/etc/nodeward-zip-slip", "pwned")
    return buffer.getvalue()


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{','.join(['*' + previous] * 9)}]")
    return "apiVersion: v1\nkind: ConfigMap\n" + "\n".join(lines) + "\n"


def build_hostile_tree(root: Path, *, outside: Path, huge_bytes: int = 12_000_000) -> None:
    """Fill `root` with hostile files; `outside` is a folder beside it holding a secret that a
    symlink in the tree points at (it must never be read)."""
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "creds.js").write_text(
        'const password = "hunter2-outside-the-tree";\nmodule.exports = { password };\n',
        encoding="utf-8",
    )
    _write(root, "server.js", _SERVER)
    _write(root, "server.prod.js", _PROD_SERVER)
    _write(root, "routes/latin1.js", _LATIN1)
    _write(root, "escapes-in-code.js", _ESCAPES_IN_CODE)
    _write(
        root,
        "package.json",
        json.dumps({"name": "hostile", "main": "server.prod.js", "dependencies": {"x": "1"}}),
    )
    # Binary and NUL bytes with a script suffix.
    _write(root, "binary.js", bytes(range(256)) * 64)
    _write(root, "nul.js", b"const a = 1;\x00\x00\x00\nmodule.exports = a;\x00\n")
    # Nesting deep enough to exhaust any recursive walk.
    _write(root, "deep-array.js", "x = " + "[" * 20_000 + "]" * 20_000 + ";\n")
    _write(root, "deep-parens.ts", "let y = " + "(" * 20_000 + "1" + ")" * 20_000 + ";\n")
    _write(root, "deep-objects.js", "z = " + "{a:" * 20_000 + "1" + "}" * 20_000 + ";\n")
    # The same depth over many short lines: no bundle look, so only the depth bound saves it.
    _write(root, "deep-lines.js", "w = " + "[\n" * 20_000 + "]\n" * 20_000 + ";\n")
    # One line of many megabytes (over the default --max-file-size).
    _write(root, "huge-line.js", "var s = '" + "a" * huge_bytes + "';\n")
    _write(root, "syntax-error.js", "function ( {{{ ]]] => => class if else\n")
    # Names that a terminal, a report line or a CI annotation would act on.
    for index, part in enumerate(HOSTILE_NAME_PARTS):
        _write(root, f"names/evil{index}{part}.js", "module.exports = 1;\n")
    _write(root, "names/new\nline.js", "module.exports = 2;\n")
    _write(root, "names/bell\x07\x9b.ts", "export const b = 3;\n")
    # Broken and malicious lockfiles and manifests.
    _write(root, "package-lock.json", '{"lockfileVersion": 3, "packages": {"": ')
    _write(root, "sub/package-lock.json", json.dumps({"lockfileVersion": 3, "packages": 5}))
    _write(root, "sub/package.json", '{"name": 1, "dependencies": ["not", "an", "object"]}')
    _write(root, "other/yarn.lock", '"a@^1":\n  version "' + "1" * 5000 + "\n  resolved: [[[\n")
    _write(root, "other/package.json", json.dumps({"name": "other"}))
    _write(root, "pnpm/pnpm-lock.yaml", "lockfileVersion: !!python/object/apply:os.system [id]\n")
    _write(root, "pnpm/package.json", json.dumps({"name": "pnpm-app"}))
    _write(
        root,
        "docker-compose.yml",
        "services:\n  web:\n    image: !!python/object/apply:os.system ['id']\n",
    )
    _write(root, "deploy/docker-compose.yml", "services:\n" + "  " * 1 + "a: " + "[" * 5000 + "\n")
    _write(root, "k8s/laughs.yaml", _billion_laughs())
    _write(root, "Dockerfile", 'FROM node:20\nCMD ["node", "server.prod.js"]\n' + "\x00" * 8)
    _write(root, "evil.zip", _zip_slip())
    _write(root, "views/unbalanced.ejs", "<%\n" * 30_000)
    _write(root, "views/unbalanced.hbs", "{{\n" * 15_000)
    # Symlinks: a loop, one out of the root (a folder and a file), and one to a secret.
    (root / "loop").symlink_to(".")
    (root / "usr-link").symlink_to("/usr")
    (root / "passwd.js").symlink_to("/etc/passwd")
    (root / "creds.js").symlink_to(outside / "creds.js")
    (root / "dangling.js").symlink_to(root / "does-not-exist.js")
