"""A stranger's repository cannot steer the scan: every bad file is a reported skip, no control
character reaches any output, nothing outside the tree is read, and the flows planted among
the hostile files are still reported (issue: safe to run on untrusted code)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hostile_tree import PLANTED, build_hostile_tree

from nodeward.cli import main

# What may never reach a report's bytes: C0 controls but tab and newline, DEL, C1 controls,
# and the Unicode bidi and invisible format characters that reorder or hide text.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
FORMATS = ("text", "json", "sarif", "github", "html")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    build_hostile_tree(base / "tree", outside=base / "outside")
    return base / "tree"


@pytest.fixture(scope="module")
def reports(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("reports")
    texts: dict[str, str] = {}
    for fmt in FORMATS:
        target = out / f"report.{fmt}"
        args = ["--no-color", "scan", str(hostile), "--format", fmt, "-o", str(target), "-q"]
        assert main(args) == 1, fmt
        texts[fmt] = target.read_bytes().decode("utf-8")
    return texts


def test_planted_flows_are_reported(reports: dict[str, str]) -> None:
    findings = json.loads(reports["json"])["findings"]
    seen = {(f["location"]["path"], f["location"]["line"], f["rule"]) for f in findings}
    missing = [p for p in PLANTED if (p.rel, p.line, p.code) not in seen]
    assert missing == []


def test_nothing_outside_the_tree_is_read(reports: dict[str, str]) -> None:
    report = json.loads(reports["json"])
    paths = {f["location"].get("path", "") for f in report["findings"]}
    assert not any(p.startswith(("usr-link/", "loop/")) for p in paths)
    assert not paths & {"passwd.js", "creds.js"}
    for fmt, body in reports.items():
        assert "hunter2-outside-the-tree" not in body, fmt
        assert "root:x:0:0" not in body, fmt
    skipped = {s["target"] for s in report["skips"]}
    assert {"usr-link", "passwd.js", "creds.js"} <= skipped


def test_every_bad_file_is_a_reported_skip(reports: dict[str, str]) -> None:
    skipped = {s["target"] for s in json.loads(reports["json"])["skips"]}
    for bad in (
        "binary.js",
        "nul.js",
        "deep-lines.js",
        "huge-line.js",
        "dangling.js",
        "loop",
        "package-lock.json",
        "sub/package-lock.json",
        "other/yarn.lock",
        "pnpm/pnpm-lock.yaml",
        "docker-compose.yml",
        "deploy/docker-compose.yml",
    ):
        assert bad in skipped, bad


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_control_or_bidi_character_in_any_output(reports: dict[str, str], fmt: str) -> None:
    unsafe = sorted({f"U+{ord(c):04X}" for c in _UNSAFE.findall(reports[fmt])})
    assert unsafe == []


def test_zip_slip_archive_is_never_extracted(reports: dict[str, str]) -> None:
    assert not Path("/tmp/nodeward-zip-slip.txt").exists()
    assert not Path("/etc/nodeward-zip-slip").exists()
