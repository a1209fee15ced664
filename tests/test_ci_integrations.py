"""How nodeward is set up and run in CI: `./run`, .ci/run, the README's first commands, the
pre-commit hook, and the composite GitHub Action (action.yml): its category input is wired
to the upload, and its scan step's script, run with a stand-in `nodeward`, derives the
category and stops on an error before anything is uploaded."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ACTION = Path(__file__).parent.parent / "action.yml"


def _action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


def _step(name: str) -> dict[str, Any]:
    steps = _action()["runs"]["steps"]
    found: list[dict[str, Any]] = [s for s in steps if s.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def test_category_input_reaches_the_upload() -> None:
    action = _action()
    assert action["inputs"]["category"]["default"] == ""
    scan = _step("Scan")
    assert scan["id"] == "scan"
    assert scan["env"]["NODEWARD_CATEGORY"] == "${{ inputs.category }}"
    upload = _step("Upload to code scanning")
    assert upload["with"] == {
        "sarif_file": "${{ inputs.sarif-file }}",
        "category": "${{ steps.scan.outputs.category }}",
    }
    # No always(): a failed scan step skips the upload, so its error is the one shown.
    assert upload["if"] == "${{ inputs.upload == 'true' }}"
    assert action["outputs"]["category"]["value"] == "${{ steps.scan.outputs.category }}"


def _run_scan_step(
    tmp_path: Path, *, path: str, category: str = "", exit_code: int = 0
) -> tuple[int, dict[str, str], str]:
    """The Scan step's script under bash with a `nodeward` that exits `exit_code`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "nodeward"
    fake.write_text(f'#!/bin/sh\necho "nodeward: error: boom" >&2\nexit {exit_code}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    output = tmp_path / "github_output"
    output.write_text("")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "NODEWARD_PATH": path,
        "NODEWARD_FAIL_ON": "high",
        "NODEWARD_SARIF": "nodeward.sarif",
        "NODEWARD_ARGS": "",
        "NODEWARD_CATEGORY": category,
    }
    script = _step("Scan")["run"]
    done = subprocess.run(
        ["bash", "-e", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return done.returncode, outputs, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("path", "category"),
    [
        (".", "nodeward"),
        ("./", "nodeward"),
        ("services/api", "nodeward/services/api"),
        ("./services/api/", "nodeward/services/api"),
    ],
)
def test_default_category_comes_from_the_path(tmp_path: Path, path: str, category: str) -> None:
    code, outputs, _ = _run_scan_step(tmp_path, path=path)
    assert code == 0
    assert outputs == {"category": category, "exit-code": "0"}


def test_explicit_category_wins(tmp_path: Path) -> None:
    _, outputs, _ = _run_scan_step(tmp_path, path="web", category="audit/web")
    assert outputs["category"] == "audit/web"


def test_findings_pass_the_scan_step_so_the_report_is_uploaded(tmp_path: Path) -> None:
    code, outputs, _ = _run_scan_step(tmp_path, path=".", exit_code=1)
    assert code == 0
    assert outputs["exit-code"] == "1"


def test_an_error_fails_the_scan_step_with_its_message(tmp_path: Path) -> None:
    code, outputs, log = _run_scan_step(tmp_path, path=".", exit_code=2)
    assert code == 2
    assert "exit-code" not in outputs
    assert "nodeward: error: boom" in log
    assert "::error title=nodeward::nodeward scan failed (exit 2)" in log


REPO = Path(__file__).parent.parent
RUN = REPO / "run"


@pytest.mark.parametrize("args", [[], ["bogus"]])
def test_run_without_a_known_command_is_a_usage_error(args: list[str]) -> None:
    done = subprocess.run([str(RUN), *args], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.count("usage: ./run COMMAND") == 1
    assert ("run: unknown command bogus" in done.stderr) == bool(args)
    assert done.stdout == ""


@pytest.mark.parametrize("flag", ["help", "--help", "-h"])
def test_run_help_prints_the_usage(flag: str) -> None:
    done = subprocess.run([str(RUN), flag], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "usage: ./run COMMAND" in done.stderr
    for command in ("demo", "test", "lint"):
        assert f"\n  {command} " in done.stderr


def test_run_is_strict_bash() -> None:
    text = RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.access(RUN, os.X_OK)


def test_ci_runs_the_readme_commands_in_its_own_venv() -> None:
    lines = [
        line.strip()
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[-3:] == ['export VENV="${VENV:-.ci-venv}"', "./run lint", "./run test"]
    # ./run lint is what CI checks besides the tests
    lint = RUN.read_text(encoding="utf-8").split("cmd_lint() {", 1)[1].split("\n}\n", 1)[0]
    for tool in ('ruff" check .', 'ruff" format --check .', 'mypy" --strict src'):
        assert tool in lint


def test_readme_starts_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.splitlines()] == [
        "./run demo",
        "./run test",
    ]


def test_pre_commit_hook_parses() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "nodeward"
    assert hook["language"] == "python"
    assert hook["entry"] == "nodeward pre-commit"  # the staged files follow, positional
