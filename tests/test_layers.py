"""What each entry point loads: `--version`, the report formats and the rule catalogue load
no analyzer; an empty folder's scan loads no checker, parser rule, app model, taint engine,
lockfile parser or probe. Each runs in a fresh interpreter, since this one has imported
everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

#: Modules that analyse a project or a live app; `nodeward.deps` is the package alone.
ANALYZERS = (
    "nodeward.source",
    "nodeward.manifests",
    "nodeward.deps.",
    "nodeward.web",
    "nodeward.rules",
    "nodeward.scan",
    "nodeward.checks",
    "nodeward.project",
)


def _loaded(code: str, *args: str) -> list[str]:
    """The modules loaded after running `code` (which may raise SystemExit)."""
    script = (
        "import sys\n"
        f"try:\n    exec({code!r})\nexcept SystemExit:\n    pass\n"
        "import json\nprint(json.dumps(sorted(sys.modules)), file=sys.__stderr__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, check=True
    )
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def _analyzers(modules: list[str]) -> list[str]:
    return [m for m in modules if m.startswith(ANALYZERS) or m == "nodeward.deps"]


def test_version_loads_no_analyzer() -> None:
    modules = _loaded("from nodeward.cli import main; main(['--version'])")
    assert "nodeward.cli" in modules
    assert _analyzers(modules) == []
    assert not [m for m in modules if m.startswith(("nodeward.catalog", "nodeward.config"))]


@pytest.mark.parametrize("name", ["text", "json_report", "sarif", "github", "html", "cyclonedx"])
def test_a_report_format_loads_no_analyzer(name: str) -> None:
    modules = _loaded(f"import nodeward.report.{name}")
    assert f"nodeward.report.{name}" in modules
    assert _analyzers(modules) == []


@pytest.mark.parametrize("name", ["nodeward.catalog", "nodeward.docs", "nodeward.checked_table"])
def test_the_catalogue_and_the_docs_load_no_analyzer(name: str) -> None:
    modules = _loaded(f"import {name}")
    assert name in modules
    assert _analyzers(modules) == []


def test_rules_and_explain_load_no_analyzer() -> None:
    modules = _loaded(
        "from nodeward.cli import main; main(['rules', '--format', 'json']); "
        "main(['explain', 'NW801'])"
    )
    assert "nodeward.report.json_report" in modules
    assert _analyzers(modules) == []


def test_an_empty_folder_scan_loads_no_checker(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    (tmp_path / "empty").mkdir()
    modules = _loaded(
        "from nodeward.cli import main; "
        f"main(['scan', {str(tmp_path / 'empty')!r}, '-f', 'json', '-q', '-o', {str(out)!r}])"
    )
    assert "nodeward.scan" in modules
    assert json.loads(out.read_text())["summary"]["files_scanned"] == 0
    from nodeward.rules import CHECKERS

    checkers = {
        check.__module__
        for checker in CHECKERS
        for check in (checker.check_file, checker.check_project)
        if check is not None
    }
    engines = ("nodeward.rules", "nodeward.source.taint", "nodeward.source.appmodel")
    assert [m for m in modules if m in checkers or m.startswith(engines)] == []
    assert [m for m in modules if m.startswith("nodeward.deps.")] == [
        "nodeward.deps.audit",
        "nodeward.deps.gaps",
    ]
    heavy = ("nodeward.web", "httpx", "jinja2", "rich", "yaml", "sqlite3", "cvss")
    assert [m for m in modules if m.startswith(heavy)] == []


def test_a_script_only_scan_loads_no_yaml_or_probe(tmp_path: Path) -> None:
    """Every checker runs, but PyYAML (read only for YAML manifests and lockfiles), the
    probe and the HTML/HTTP libraries stay unloaded: a JS project pays for none of them."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "app.js").write_text(
        "const express = require('express');\nconst app = express();\n"
        "app.get('/', (req, res) => res.send(req.query.q));\napp.listen(3000);\n"
    )
    out = tmp_path / "report.json"
    modules = _loaded(
        "from nodeward.cli import main; "
        f"main(['scan', {str(project)!r}, '-f', 'json', '-q', '--offline', '-o', {str(out)!r}])"
    )
    assert "nodeward.source.taint.engine" in modules
    assert "nodeward.manifests.kubernetes" in modules
    assert json.loads(out.read_text())["summary"]["files_scanned"] == 1
    heavy = ("nodeward.web", "httpx", "jinja2", "rich", "yaml", "sqlite3", "cvss")
    assert [m for m in modules if m.startswith(heavy)] == []
