"""A hostile repository: its config, symlinks, names and bytes are all untrusted.

The trees are built in tmp_path by each test (symlinks, FIFOs and generated files are never
committed)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from tree import write_file as _write

from nodeward.cli import main
from nodeward.discover import DiscoveryOptions, FileKind, discover
from nodeward.entrypoints import run_targets
from nodeward.output import write_output
from nodeward.scan import scan_path
from nodeward.source import parse
from nodeward.source.bundles import bundle_reason

#: `eval` of a query parameter: NW104 on line 3.
APP = (
    'const express = require("express");\n'
    "const app = express();\n"
    'app.get("/", (req, res) => { eval(req.query.c); res.send("ok"); });\n'
    "app.listen(3000);\n"
)
#: The same app on one line padded past any minified-code threshold: NW104 on line 1.
ONE_LINE_APP = (
    'const express=require("express");const app=express();'
    'app.get("/",(req,res)=>{eval(req.query.c);res.send("ok")});'
    "var pad=[" + '"x",' * 5000 + "];\n"
)
HARDCODED_KEY_JS = 'const JWT_SECRET = "s3cr3t-signing-k3y-for-prod";\n'


def _hits(report: object) -> list[tuple[str, str, int]]:
    return sorted(
        (f.rule, f.location.path, f.location.line)
        for f in report.findings  # type: ignore[attr-defined]
    )


def _reasons(report: object) -> dict[str, str]:
    return {s.target: s.reason for s in report.skips}  # type: ignore[attr-defined]


# -- the project's config names paths inside the project only -------------------------


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = _write(tmp_path, "victim.txt", "precious\n")
    path.chmod(0o644)
    return path


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('output = "../victim.txt"', "'{root}/../victim.txt' is outside the scanned project"),
        ('output = "{victim}"', "'{victim}' is outside the scanned project"),
        ('output = "sub/../../victim.txt"', "is outside the scanned project"),
    ],
)
def test_config_output_outside_the_project_is_rejected(
    tmp_path: Path, victim: Path, capsys: pytest.CaptureFixture[str], line: str, shown: str
) -> None:
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    _write(root, "sub/keep.txt", "")
    config = root / ".nodeward.toml"
    config.write_text(line.format(victim=victim) + "\n")
    assert main(["scan", str(root), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nodeward: error: {config}:1: key 'output': ")
    assert shown.format(root=root, victim=victim) in err
    assert err.count("\n") == 1
    assert victim.read_text() == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_config_baseline_outside_the_project_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    (root / "package.json").write_text(json.dumps({"nodeward": {"baseline": "/etc/passwd"}}))
    assert main(["scan", str(root), "--quiet"]) == 2
    assert (
        f"{root / 'package.json'}:1: key 'baseline': '/etc/passwd' is outside the scanned project"
        in capsys.readouterr().err
    )


def test_config_output_through_a_symlink_out_of_the_project_is_rejected(
    tmp_path: Path, victim: Path
) -> None:
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    (root / "report.txt").symlink_to(victim)
    (root / ".nodeward.toml").write_text('output = "report.txt"\n')
    assert main(["scan", str(root), "--quiet"]) == 2
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('output = "reports/out.txt"', "key 'output': folder 'reports' does not exist"),
        ('output = ".git/hooks/pre-commit"', "must end in .json, .sarif, .html, .htm, .txt"),
        ('output = ".git/hooks/r.json"', "may not be written into a hidden folder"),
        ('output = "server.js"', "must end in .json, .sarif, .html, .htm, .txt"),
        ('output = "package.json"', "a report may not replace code or a manifest"),
        ('output = "build.sh"', "must end in .json, .sarif, .html, .htm, .txt"),
        ('output = "Makefile"', "must end in .json, .sarif, .html, .htm, .txt"),
        ('exclude = ["../other"]', "pattern '../other' names a path outside the project"),
        ("follow-symlinks = true", "can be turned on only on the command line"),
    ],
)
def test_config_cannot_write_or_widen_what_it_should_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    root = tmp_path / "proj"
    server = _write(root, "server.js", APP)
    _write(root, ".git/hooks/README", "")
    (root / ".nodeward.toml").write_text(line + "\n")
    assert main(["scan", str(root), "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not (root / "reports").exists()
    assert server.read_text() == APP
    assert sorted(p.name for p in (root / ".git" / "hooks").iterdir()) == ["README"]


def test_config_output_inside_the_project_is_written(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    (root / "out").mkdir()
    (root / ".nodeward.toml").write_text('output = "out/report.json"\nformat = "json"\n')
    assert main(["scan", str(root), "--quiet"]) == 1
    data = json.loads((root / "out" / "report.json").read_text())
    assert ("NW104", "server.js", 3) in {
        (f["rule"], f["location"]["path"], f["location"]["line"]) for f in data["findings"]
    }


def test_command_line_and_explicit_config_may_name_paths_outside(
    tmp_path: Path, victim: Path
) -> None:
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    outside = tmp_path / "reports" / "a.json"
    argv = ["scan", str(root), "--quiet", "--format", "json"]
    assert main([*argv, "--output", str(outside)]) == 1
    assert json.loads(outside.read_text())["findings"]
    explicit = _write(tmp_path, "ci.toml", f'output = "{tmp_path / "b.json"}"\n')
    assert main([*argv, "--config", str(explicit)]) == 1
    assert json.loads((tmp_path / "b.json").read_text())["findings"]


def test_config_file_symlinked_out_of_the_project_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    (root / ".nodeward.toml").symlink_to(_write(tmp_path, "elsewhere.toml", 'format = "json"\n'))
    assert main(["scan", str(root), "--quiet"]) == 2
    assert "config file is a symlink to something outside the scanned project" in (
        capsys.readouterr().err
    )


def test_replacing_a_report_keeps_its_permissions(tmp_path: Path) -> None:
    existing = _write(tmp_path, "report.txt", "old\n")
    existing.chmod(0o644)
    write_output("new\n", existing)
    assert existing.read_text() == "new\n"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644


# -- symlinks out of the scanned folder ------------------------------------------------


def _linked_tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    _write(outside, "creds.js", HARDCODED_KEY_JS)
    _write(outside, "lib/evil.js", APP)
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    _write(root, "src/inner.js", HARDCODED_KEY_JS)
    (root / "creds.js").symlink_to(outside / "creds.js")
    (root / "u").symlink_to(outside / "lib")
    (root / "inner-link.js").symlink_to(root / "src" / "inner.js")  # inside: followed
    (root / "src-link").symlink_to(root / "src")
    return root


def test_symlinks_out_of_the_scanned_folder_are_not_followed(tmp_path: Path) -> None:
    root = _linked_tree(tmp_path)
    report = scan_path(root, select=("NW104", "NW601"))
    outside = tmp_path / "outside"
    assert _reasons(report) == {
        "creds.js": f"symlink points outside the scanned folder: {outside / 'creds.js'}; "
        "not followed (--follow-symlinks to allow)",
        "u": f"symlink points outside the scanned folder: {outside / 'lib'}; "
        "not followed (--follow-symlinks to allow)",
    }
    assert _hits(report) == [
        ("NW104", "server.js", 3),
        ("NW601", "inner-link.js", 1),
        ("NW601", "src-link/inner.js", 1),
        ("NW601", "src/inner.js", 1),
    ]


def test_follow_symlinks_reads_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _linked_tree(tmp_path)
    argv = ["scan", str(root), "--quiet", "--format", "json", "--select", "NW104,NW601"]
    assert main([*argv, "--follow-symlinks"]) == 1
    data = json.loads(capsys.readouterr().out)
    paths = {(f["rule"], f["location"]["path"]) for f in data["findings"]}
    assert {("NW601", "creds.js"), ("NW104", "u/evil.js")} <= paths
    assert data["skips"] == []


def test_a_fifo_is_skipped_not_read(tmp_path: Path) -> None:
    _write(tmp_path, "server.js", APP)
    os.mkfifo(tmp_path / "pipe.js")
    report = scan_path(tmp_path, select=("NW104",))
    assert _reasons(report) == {"pipe.js": "not a regular file (a FIFO, socket or device)"}
    assert _hits(report) == [("NW104", "server.js", 3)]


# -- minified or bundled: decided by content, never for an entry point -----------------


def test_a_name_alone_never_makes_a_file_a_library(tmp_path: Path) -> None:
    _write(tmp_path, "package.json", json.dumps({"name": "x", "main": "server.prod.js"}))
    for rel in ("server.prod.js", "lib/app.min.js", "lib/app-bundle.js", "lib/app.chunk.js"):
        _write(tmp_path, rel, APP)
    report = scan_path(tmp_path, select=("NW104",))
    assert _hits(report) == [
        ("NW104", "lib/app-bundle.js", 3),
        ("NW104", "lib/app.chunk.js", 3),
        ("NW104", "lib/app.min.js", 3),
        ("NW104", "server.prod.js", 3),
    ]
    assert report.skips == ()


MINIFIED_REASON = (
    "minified or bundled code (lines of 20,123 characters on average); "
    "not analyzed (entry points always are)"
)


def test_minified_code_is_skipped_with_its_reason(tmp_path: Path) -> None:
    _write(tmp_path, "public/vendor.js", ONE_LINE_APP)
    _write(tmp_path, "server.js", APP)
    report = scan_path(tmp_path, select=("NW104",))
    assert _reasons(report) == {"public/vendor.js": MINIFIED_REASON}
    assert _hits(report) == [("NW104", "server.js", 3)]


@pytest.mark.parametrize(
    ("rel", "content"),
    [
        ("package.json", {"main": "dist/server.min.js"}),
        ("package.json", {"main": "dist/server.min"}),
        ("package.json", {"bin": {"tool": "./dist/server.min.js"}}),
        ("package.json", {"scripts": {"start": "NODE_ENV=production node dist/server.min.js"}}),
        ("package.json", {"scripts": {"serve": "pm2 start --name web dist/server.min.js"}}),
        ("Dockerfile", 'FROM node:20\nWORKDIR /app\nCMD ["node", "/app/dist/server.min.js"]\n'),
        ("Dockerfile", "FROM node:20\nENTRYPOINT node dist/server.min.js\n"),
    ],
)
def test_an_entry_point_is_analysed_however_it_looks(
    tmp_path: Path, rel: str, content: dict[str, object] | str
) -> None:
    text = content if isinstance(content, str) else json.dumps({"name": "x", **content})
    _write(tmp_path, rel, text)
    _write(tmp_path, "dist/server.min.js", ONE_LINE_APP)
    _write(tmp_path, "dist/vendor.min.js", ONE_LINE_APP)
    report = scan_path(tmp_path, select=("NW104",))
    assert _hits(report) == [("NW104", "dist/server.min.js", 1)]
    # dist/ is build output, left out by default; the entry point in it is analysed.
    assert _reasons(report) == {"dist/": DIST_NOTE}
    report = scan_path(tmp_path, select=("NW104",), default_excludes=False)
    assert _reasons(report) == {"dist/vendor.min.js": MINIFIED_REASON}


DIST_NOTE = (
    "default exclude (build output): 1 script in dist kept only to identify served "
    "libraries (DEP002), not analysed as server code; --no-default-excludes analyses them"
)


def test_bundle_detection_reads_content() -> None:
    assert bundle_reason(APP.encode()) is None
    assert bundle_reason(b"/******/ (() => { // webpackBootstrap\n" + APP.encode()) == (
        "minified or bundled code (a webpack bundle)"
    )
    dense = (b"var a=b(c,d);if(e){f=g}" * 8 + b"\n") * 30  # short lines, no spaces
    assert bundle_reason(dense) == "minified or bundled code (5% whitespace)"
    sparse = b"var a=b(c,d);if(e){f=g}\n" * 400
    assert bundle_reason(sparse) is None  # 8 % whitespace: dense, yet it could be by hand
    with_map = sparse + b"//# sourceMappingURL=a.map\n"
    assert bundle_reason(with_map) == "minified or bundled code (8% whitespace)"
    assert (
        bundle_reason(b"x" * 70_000)
        == "minified or bundled code (a line of over 65,536 characters)"
    )


# -- bytes that are not UTF-8 ----------------------------------------------------------


def test_invalid_utf8_is_analysed_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latin1 = "// caf\xe9\n" + APP.replace("res.send", "/* \xe9 */ res.send")
    _write(tmp_path, "server.js", latin1.encode("latin-1"))
    report = scan_path(tmp_path, select=("NW104",))
    assert _hits(report) == [("NW104", "server.js", 4)]
    (finding,) = report.findings
    assert finding.location.column == 30  # type: ignore[union-attr]
    note = "not valid UTF-8: undecodable bytes replaced; analysed anyway"
    assert [(s.target, s.reason, s.note) for s in report.skips] == [("server.js", note, True)]
    argv = ["scan", str(tmp_path), "--quiet", "--strict", "--select", "NW104"]
    assert main(argv) == 1  # the finding, not 2: a note is not a skip for --strict
    assert f"server.js: {note}" in capsys.readouterr().out


def test_lines_are_counted_as_tree_sitter_counts_them(tmp_path: Path) -> None:
    """A form feed or U+2028 is not a line break for tree-sitter (or JavaScript rows)."""
    _write(tmp_path, "server.js", "// page\x0cbreak \u2028 here\n" + APP)
    report = scan_path(tmp_path, select=("NW104",))
    assert [(f.location.line, f.location.snippet) for f in report.findings] == [  # type: ignore[union-attr]
        (4, 'app.get("/", (req, res) => { eval(req.query.c); res.send("ok"); });')
    ]


# -- one bad manifest disables nothing but itself --------------------------------------


def test_a_deeply_nested_compose_file_disables_only_itself(tmp_path: Path) -> None:
    _write(tmp_path, "docker-compose.yml", "services:\n  x:\n    image: " + "[" * 5000 + "]" * 5000)
    _write(
        tmp_path, "web/docker-compose.yml", "services:\n  web:\n    image: node\n    user: root\n"
    )
    pwned = tmp_path / "pwned"
    _write(
        tmp_path,
        "tag/compose.yaml",
        f'services:\n  a: !!python/object/apply:os.system ["touch {pwned}"]\n',
    )
    _write(tmp_path, "cycle/compose.yaml", "services:\n  a: &a\n    <<: *a\n    privileged: true\n")
    report = scan_path(tmp_path, select=("RUN002",))
    assert _hits(report) == [
        ("RUN002", "cycle/compose.yaml", 4),
        ("RUN002", "web/docker-compose.yml", 4),
    ]
    assert _reasons(report) == {
        "docker-compose.yml": "YAML nests too deep to analyse safely; not analyzed",
        "tag/compose.yaml": "YAML tag !!python/object/apply:os.system asks for a Python object; "
        "not analyzed",
    }
    assert not pwned.exists()


# -- size and depth bounds -------------------------------------------------------------


def test_deep_nesting_is_skipped_and_the_scan_goes_on(tmp_path: Path) -> None:
    _write(tmp_path, "deep.js", "const x = " + "[\n" * 20_000 + "]\n" * 20_000 + ";\n")
    _write(
        tmp_path,
        "handler.js",
        'require("express")().get("/", (req, res) => {\n'
        + "if (a) {\n" * 20_000
        + "eval(req.query.q);\n"
        + "}\n" * 20_000
        + "});\n",
    )
    _write(tmp_path, "server.js", APP)
    report = scan_path(tmp_path, select=("NW1",))
    assert _reasons(report) == {
        "deep.js": "syntax tree nests 20,002 levels deep (bound 10,000): "
        "too deep to analyse safely; not analyzed",
        "handler.js": "syntax tree nests 40,011 levels deep (bound 10,000): "
        "too deep to analyse safely; not analyzed",
    }
    assert _hits(report) == [("NW104", "server.js", 3)]


def test_a_file_too_large_to_analyse_is_skipped_before_parsing(tmp_path: Path) -> None:
    dense = "var a = [" + "1,\n" * 1_100_000 + "];\n"  # 3.3 MB, 1.1 million lines
    _write(tmp_path, "data.js", dense)
    _write(tmp_path, "server.js", APP)
    report = scan_path(tmp_path, select=("NW104",), max_file_size=10_000_000)
    assert _reasons(report) == {
        "data.js": "file too large to analyse safely: 1,100,001 lines, "
        "about 3,520,009 syntax nodes (bound 3,000,000)"
    }
    assert _hits(report) == [("NW104", "server.js", 3)]


def test_node_estimate_is_not_below_the_real_count() -> None:
    for code in (APP, ONE_LINE_APP, HARDCODED_KEY_JS, "const { a, b: [c] } = f(`x${g(1)}y`);\n"):
        text = parse.SourceText("a.js", code.encode(), parse.split_lines(code))
        assert parse.estimated_nodes(text.source) >= parse.parse(text).root.descendant_count


def test_a_gitignore_symlinked_out_of_the_tree_is_not_read(tmp_path: Path) -> None:
    outside = _write(tmp_path, "elsewhere/ignore-all", "*.js\n")
    root = tmp_path / "proj"
    _write(root, "server.js", APP)
    (root / ".gitignore").symlink_to(outside)
    assert _hits(scan_path(root, select=("NW104",))) == [("NW104", "server.js", 3)]


def test_an_oversized_bundle_is_kept_only_to_identify_the_library(tmp_path: Path) -> None:
    _write(tmp_path, "public/vendor.js", ONE_LINE_APP)
    _write(tmp_path, "public/big.js", APP)
    inventory = discover(tmp_path, DiscoveryOptions(max_file_size=100))
    assert [(f.rel, f.kind) for f in inventory.files] == [
        ("public/vendor.js", FileKind.STATIC_LIBRARY)
    ]
    assert {s.target: s.reason for s in inventory.skips} == {
        "public/big.js": "file is 145 bytes, over --max-file-size (100 bytes)",
        "public/vendor.js": "file is 20,124 bytes, over --max-file-size (100 bytes); "
        "minified or bundled code (lines of 20,123 characters on average)",
    }


@pytest.mark.parametrize(
    ("command", "targets"),
    [
        ("node server.js", ["server.js"]),
        (
            "NODE_ENV=production node -r dotenv/config ./dist/main.js",
            ["dotenv/config", "dist/main.js"],
        ),
        ("pm2 start ecosystem.config.js --env production", ["ecosystem.config.js"]),
        ("webpack --config webpack.config.js && cp dist/app.min.js public/", []),
        ("tsc && node .", ["."]),
    ],
)
def test_run_targets(command: str, targets: list[str]) -> None:
    assert run_targets(command) == targets


def test_a_call_nested_thousands_deep_does_not_hang_the_taint_engine(tmp_path: Path) -> None:
    """Each call of `f(f(f(...req.query.a)))` searched up to 256 ancestors, each found by
    tree-sitter from the root: over two minutes for this one file before. A hang guard with
    a generous budget, not a speed test (about 3 s now)."""
    nested = "f(\n" * 3000 + "req.query.a" + ")\n" * 3000
    _write(
        tmp_path, "chain.js", f'require("express")().get("/", (q, res) => res.send({nested}));\n'
    )
    _write(tmp_path, "server.js", APP)
    started = time.monotonic()
    report = scan_path(tmp_path, select=("NW104",))
    assert time.monotonic() - started < 60
    assert _hits(report) == [("NW104", "server.js", 3)]
