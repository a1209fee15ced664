"""An empty folder takes the audit's shortcut (no lockfile parser or registry client is
loaded); what it concludes must be what the full audit concludes for a folder with nothing
to audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.catalog import DEPENDENCY_RULES
from nodeward.config import Config
from nodeward.deps.audit import AuditResult, run_audit
from nodeward.discover import DiscoveryOptions, discover
from nodeward.project import load_project

ALL_DEP = {rule.code for rule in DEPENDENCY_RULES}


def _audit(root: Path, enabled: set[str], *, files: int = 0) -> AuditResult:
    project = load_project(discover(root, DiscoveryOptions()), Config(path=root, offline=True))
    assert len(project.inventory.files) == files
    return run_audit(project, project.config, enabled)


@pytest.mark.parametrize(
    "enabled",
    [ALL_DEP, {"DEP001"}, {"DEP002"}, {"DEP004", "DEP005"}, set()],
    ids=["all", "DEP001", "DEP002", "registry", "none"],
)
def test_an_empty_folder_gives_what_the_full_audit_gives(tmp_path: Path, enabled: set[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    # A file the scan reads, so the full audit runs, and nothing in it to audit.
    container = tmp_path / "container"
    container.mkdir()
    (container / "Dockerfile").write_text("FROM node:22\nUSER node\n")
    assert _audit(empty, enabled) == _audit(container, enabled, files=1)


def test_the_empty_folder_shortcut_says_why_each_rule_did_not_run(tmp_path: Path) -> None:
    result = _audit(tmp_path, ALL_DEP)
    assert [(u.rule, u.reason) for u in result.unevaluated] == [
        ("DEP001", "no lockfile, installed node_modules or declared dependencies"),
        ("DEP003", "no lockfile, installed node_modules or declared dependencies"),
        ("DEP004", "no lockfile, installed node_modules or declared dependencies"),
        ("DEP005", "no lockfile, installed node_modules or declared dependencies"),
        ("DEP002", "no client-side JavaScript in static folders"),
    ]
    assert (result.findings, result.skips, result.packages) == ([], [], [])
