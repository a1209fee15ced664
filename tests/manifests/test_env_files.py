"""Committed dotenv files: which files discovery reads, how their lines are parsed, which
values are weak, and that no report format ever prints a value (NW601, NW603)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tree import write_file

from nodeward.cli import main
from nodeward.discover import DiscoveryOptions, FileKind, discover
from nodeward.findings import SourceLocation
from nodeward.manifests.env_files import entries, hint, weakness
from nodeward.scan import scan_path

# Built from parts so that secret scanners do not flag this test file itself.
STRONG = "q8ZtR2vN5k" + "Lw9XpC3mJf7HsD1y"
URL_PASSWORD = "Tr0ub4dor" + "-and-3"


def _env_kinds(root: Path) -> dict[str, FileKind]:
    inventory = discover(root, DiscoveryOptions())
    return {f.rel: f.kind for f in inventory.files if f.kind is FileKind.ENV_FILE}


def test_committed_env_files_are_read_and_templates_are_not(tmp_path: Path) -> None:
    for name in (".env", ".env.production", ".env.local", "api/.env.development"):
        write_file(tmp_path, name, "A=1\n")
    for name in (".env.example", ".env.sample", ".env.template", ".env.dist", "env.js.bak"):
        write_file(tmp_path, name, "A=1\n")
    write_file(tmp_path, ".env.staging", "A=1\n")
    write_file(tmp_path, ".gitignore", ".env.staging\n")
    assert sorted(_env_kinds(tmp_path)) == [
        ".env",
        ".env.local",
        ".env.production",
        "api/.env.development",
    ]


def test_bad_env_files_become_skips(tmp_path: Path) -> None:
    write_file(tmp_path, ".env", b"JWT_SECRET=\x00\x01binary")
    write_file(tmp_path, ".env.production", "JWT_SECRET=" + "x" * 3000 + "\n")
    report = scan_path(tmp_path, max_file_size=1000)
    reasons = {s.target: s.reason for s in report.skips}
    assert reasons[".env"] == "binary file (contains NUL bytes)"
    assert reasons[".env.production"].startswith("file is 3,012 bytes, over --max-file-size")
    assert not [f for f in report.findings if f.rule == "NW601"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_env_symlink_out_of_the_tree_is_not_followed(tmp_path: Path) -> None:
    outside = write_file(tmp_path, "elsewhere/.env", f"JWT_SECRET={STRONG}\n")
    root = tmp_path / "app"
    root.mkdir()
    (root / ".env").symlink_to(outside)
    report = scan_path(root)
    assert [s.target for s in report.skips if "outside the scanned folder" in s.reason] == [".env"]
    assert not [f for f in report.findings if f.rule == "NW601"]


def test_entries_parse_quotes_exports_and_comments() -> None:
    lines = (
        "# comment",
        "export JWT_SECRET = 'a b c'",
        'SESSION_SECRET="keyboard cat" # trailing',
        "API_KEY=abc#notacomment",
        "TOKEN=abc # a comment",
        "not a variable",
        "EMPTY=",
    )
    assert [(e.key, e.value, e.line) for e in entries(lines)] == [
        ("JWT_SECRET", "a b c", 2),
        ("SESSION_SECRET", "keyboard cat", 3),
        ("API_KEY", "abc#notacomment", 4),
        ("TOKEN", "abc", 5),
        ("EMPTY", "", 7),
    ]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("secret", "a well-known default that attackers try first"),
        ("keyboard cat", "a well-known default that attackers try first"),
        ("Change-Me", "a well-known default that attackers try first"),
        ("access", "only dictionary words"),
        ("correct-horse-battery", "only dictionary words"),
        ("x9!Kq2", "shorter than 16 characters"),
        (STRONG, None),
    ],
)
def test_weakness(value: str, why: str | None) -> None:
    assert weakness(value) == why


def test_hint_shows_two_characters_only_of_long_values() -> None:
    assert hint("access") == "6 characters"
    assert hint(STRONG) == f"`{STRONG[:2]}…`, 26 characters"


def _project(tmp_path: Path) -> Path:
    write_file(
        tmp_path,
        ".env",
        "PORT=3000\n"
        "JWT_SECRET=access\n"
        f"COOKIE_SECRET={STRONG}\n"
        "DB_PASSWORD=${VAULT_PASSWORD}\n"
        f"MONGO_URL=mongodb://app:{URL_PASSWORD}@db.internal:27017/shop\n",
    )
    return tmp_path


def test_findings_name_the_variable_and_never_the_value(tmp_path: Path) -> None:
    report = scan_path(_project(tmp_path))
    found = {
        (f.rule, f.location.line, f.severity.name, f.confidence.name)
        for f in report.findings
        if isinstance(f.location, SourceLocation) and f.location.path == ".env"
    }
    assert found == {
        ("NW601", 2, "HIGH", "HIGH"),
        ("NW601", 3, "HIGH", "MEDIUM"),
        ("NW603", 5, "HIGH", "HIGH"),
    }
    weak = next(f for f in report.findings if f.location.line == 2)  # type: ignore[union-attr]
    assert weak.message.startswith(
        "`JWT_SECRET` in the committed .env is a weak secret (6 characters, only dictionary words)"
    )
    assert weak.location.snippet == "JWT_SECRET=<redacted>"  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "html"])
def test_no_report_format_prints_an_env_value(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "app")
    out = tmp_path / f"report.{fmt}"
    assert main(["scan", str(root), "--offline", "--format", fmt, "--output", str(out)]) == 1
    written = out.read_text(encoding="utf-8")
    assert "JWT_SECRET" in written
    for value in (STRONG, URL_PASSWORD, "=access"):
        assert value not in written
    if fmt == "json":
        assert json.loads(written)["findings"]


CONFIG_JSON = """\
{
  "development": {
    "database": { "username": "app", "password": "password", "host": "127.0.0.1" },
    "jwtSecret": "STRONG",
    "mongoUrl": "mongodb://app:URL_PASSWORD@db.internal/shop"
  },
  "test": { "database": { "username": "app", "password": "password" } },
  "production": {
    "database": { "password": null, "passwordEnv": "DB_PASSWORD" },
    "sessionSecret": "${SESSION_SECRET}",
    "apiKey": "API_KEY",
    "tokenHeader": "x-token"
  }
}
""".replace("URL_PASSWORD", URL_PASSWORD).replace("STRONG", STRONG)


def test_config_json_settings_are_reported_at_their_lines(tmp_path: Path) -> None:
    write_file(tmp_path, "config/default.json", CONFIG_JSON)
    for ignored in ("config/schema.json", "config/custom-environment-variables.json"):
        write_file(tmp_path, ignored, json.dumps({"jwtSecret": STRONG}))
    write_file(tmp_path, "data/seed.json", json.dumps({"password": STRONG}))
    report = scan_path(tmp_path)
    found = sorted(
        (f.location.path, f.location.line, f.rule, f.location.snippet)
        for f in report.findings
        if isinstance(f.location, SourceLocation) and f.rule in ("NW601", "NW603")
    )
    assert found == [
        ("config/default.json", 3, "NW601", '"password": <redacted>'),
        ("config/default.json", 4, "NW601", '"jwtSecret": <redacted>'),
        ("config/default.json", 5, "NW603", '"mongoUrl": <redacted>'),
        ("config/default.json", 7, "NW601", '"password": <redacted>'),
    ]


def test_broken_or_hostile_config_json_is_a_skip(tmp_path: Path) -> None:
    write_file(tmp_path, "config/default.json", '{"jwtSecret": ')
    write_file(tmp_path, "config/deep.json", "[" * 100_000 + "]" * 100_000)
    report = scan_path(tmp_path)
    reasons = {s.target: s.reason for s in report.skips}
    assert reasons["config/default.json"].startswith("not valid JSON: ")
    assert reasons["config/deep.json"].startswith("not valid JSON: ")


def test_a_nodeward_ignore_comment_in_an_env_file_suppresses(tmp_path: Path) -> None:
    write_file(
        tmp_path,
        ".env",
        "# nodeward-ignore NW601: local development only\nJWT_SECRET=secret\nAPI_KEY=hunter\n",
    )
    report = scan_path(tmp_path)
    assert [(f.rule, f.location.line) for f in report.findings if f.rule == "NW601"] == [
        ("NW601", 3)
    ]
