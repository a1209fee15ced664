"""package.json rules (JSON has no comments, so no annotated fixtures), the Dockerfile
parser, and how unreadable manifests become skips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodeward.findings import SourceLocation
from nodeward.manifests.dockerfile import lineage, stages
from nodeward.scan import scan_path
from nodeward.source.parse import SourceText
from nodeward.source.rules.secret_patterns import PatternDataError, parse_patterns

COMPOSE_WITH_PRODUCTION = "services:\n  web:\n    environment:\n      NODE_ENV: production\n"


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def _package(scripts: dict[str, str]) -> str:
    return json.dumps({"name": "app", "version": "1.0.0", "scripts": scripts}, indent=2) + "\n"


def _hits(root: Path, code: str, **flags: object) -> list[tuple[str, int]]:
    report = scan_path(root, select=(code,), **flags)
    return sorted(
        (f.location.path, f.location.line)
        for f in report.findings
        if f.rule == code and isinstance(f.location, SourceLocation)
    )


def test_sudo_and_unsafe_perm_scripts_are_reported_on_their_lines(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "package.json": _package(
                {
                    "start": "sudo node server.js",
                    "build": "tsc -p .",
                    "postinstall": "npm rebuild --unsafe-perm",
                    "safe": "npm ci --unsafe-perm=false",
                    "pseudo": "node scripts/pseudo.js",
                }
            )
        },
    )
    # json.dumps(indent=2): line 1 "{", 4 "scripts", 5 start, 6 build, 7 postinstall
    assert _hits(tmp_path, "RUN004") == [("package.json", 5), ("package.json", 7)]


def test_start_script_without_node_env_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, {"package.json": _package({"dev": "nodemon app.js", "start": "node app.js"})})
    assert _hits(tmp_path, "NW410") == [("package.json", 6)]


@pytest.mark.parametrize(
    "extra",
    [
        {"package.json": _package({"start": "NODE_ENV=production node app.js"})},
        {"package.json": _package({"start": "cross-env NODE_ENV=production node app.js"})},
        {"package.json": _package({"start": "next start"})},
        {
            "package.json": _package({"start": "node app.js"}),
            "docker-compose.yml": COMPOSE_WITH_PRODUCTION,
        },
        {
            "package.json": _package({"start": "node app.js"}),
            "Dockerfile": "FROM node:20\nENV NODE_ENV=production\nUSER node\nCMD npm start\n",
        },
    ],
    ids=["inline", "cross-env", "not-node", "compose", "dockerfile"],
)
def test_start_script_with_production_elsewhere_is_quiet(
    tmp_path: Path, extra: dict[str, str]
) -> None:
    _write(tmp_path, extra)
    assert _hits(tmp_path, "NW410") == []


def test_unparsable_manifests_become_skips_not_crashes(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  web: [unclosed\n",
            "k8s/deploy.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n",
            "Dockerfile": "# only a comment\n",
        },
    )
    report = scan_path(tmp_path)
    reasons = {s.target: s.reason for s in report.skips}
    assert reasons["docker-compose.yml"].startswith("not valid YAML at line")
    assert reasons["k8s/deploy.yaml"].startswith("not valid YAML")
    assert reasons["Dockerfile"] == "Dockerfile has no FROM instruction"
    assert not [s for s in report.skips if "internal error" in s.reason]


def test_dockerfile_parser_joins_continuations_and_skips_heredocs() -> None:
    source = (
        "# escape=`\n"
        "FROM node:20 AS base\n"
        "RUN apt-get update && `\n"
        "    # a comment inside\n"
        "    apt-get install -y curl\n"
        "RUN <<EOF\n"
        "USER root\n"
        "EOF\n"
        "FROM base\n"
        'CMD ["node", "a.js"]\n'
    )
    text = SourceText("Dockerfile", source.encode(), tuple(source.splitlines()))
    parsed = stages(text)
    assert [(s.base, s.name, s.from_line) for s in parsed] == [
        ("node:20", "base", 2),
        ("base", None, 9),
    ]
    run = parsed[0].of("RUN")[0]
    assert (run.line, run.arguments) == (3, "apt-get update &&  apt-get install -y curl")
    assert parsed[0].of("USER") == []
    assert [s.index for s in lineage(parsed, parsed[1])] == [1, 0]
    assert parsed[1].of("CMD")[0].exec_form() == ["node", "a.js"]


def test_secret_pattern_data_is_validated() -> None:
    with pytest.raises(PatternDataError, match="lacks"):
        parse_patterns('[[pattern]]\nid = "a"\nregex = "x"\n')
    with pytest.raises(PatternDataError, match="a:"):
        parse_patterns('[[pattern]]\nid = "a"\nprovider = "p"\nregex = "("\nrotate = "r"\n')
    with pytest.raises(PatternDataError, match="no \\[\\[pattern\\]\\]"):
        parse_patterns("title = 'x'\n")


def test_secrets_in_test_files_are_not_named_secrets_but_keys_still_count(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "test/login.test.js": (
                'const password = "hunter2-test";\nconst key = "AKIAZ7QWERTYUIOP4ASD";\n'
            )
        },
    )
    assert _hits(tmp_path, "NW601", include_tests=True) == []
    assert _hits(tmp_path, "NW602", include_tests=True) == [("test/login.test.js", 2)]
    # Test code is left out by default, but its text is still searched for provider keys.
    assert _hits(tmp_path, "NW602") == [("test/login.test.js", 2)]
    assert _hits(tmp_path, "NW601") == []
    suppressed = "// nodeward-ignore NW602: a revoked key kept for the test\n"
    text = (
        (tmp_path / "test/login.test.js").read_text().replace("const key", suppressed + "const key")
    )
    (tmp_path / "test/login.test.js").write_text(text)
    assert _hits(tmp_path, "NW602") == []


def test_dockerfile_findings_honour_hash_suppressions(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "Dockerfile": (
                "FROM node:20\n"
                "ENV NODE_ENV=production\n"
                "# nodeward-ignore RUN001: the entrypoint drops privileges with gosu\n"
                "USER root\n"
                'CMD ["node", "server.js"]\n'
            )
        },
    )
    report = scan_path(tmp_path, select=("RUN001", "NW001"))
    assert [f.rule for f in report.findings] == []
    assert report.suppressed == 1
