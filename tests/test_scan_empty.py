"""An empty folder's scan skips the checkers and the route table (scan.default_analyzers
puts placeholders in their place): that is only right while none of them finds anything
in an empty project."""

from __future__ import annotations

from pathlib import Path

from nodeward.analysis.checkers import split_checkers
from nodeward.analysis.context import AnalysisContext
from nodeward.analysis.result import AnalysisResult
from nodeward.analysis.routes import RouteTable
from nodeward.catalog import PROBE_ONLY_RULES, all_rules
from nodeward.config import Config
from nodeward.discover import DiscoveryOptions, discover
from nodeward.project import load_project
from nodeward.rules import CHECKERS
from nodeward.scan import scan_path


def test_no_checker_finds_anything_in_an_empty_project(tmp_path: Path) -> None:
    project = load_project(discover(tmp_path, DiscoveryOptions()), Config(path=tmp_path))
    context = AnalysisContext(project, frozenset(rule.code for rule in all_rules()))
    for analyzer in split_checkers(CHECKERS):
        result = analyzer.analyze(context)
        assert (result.findings, result.skips, result.unevaluated) == ((), (), ())
    assert RouteTable().analyze(context) == AnalysisResult()
    assert project.skips == []


def test_an_empty_folder_is_scanned_with_every_static_rule(tmp_path: Path) -> None:
    report = scan_path(tmp_path, offline=True)
    assert (report.findings, report.skips, report.routes, report.files_scanned) == ((), (), (), 0)
    live_only = {r.code for r in PROBE_ONLY_RULES}
    assert set(report.rules_run) == {r.code for r in all_rules()} - live_only
    assert [u.rule for u in report.unevaluated] == [
        "DEP001", "DEP003", "DEP004", "DEP005", "DEP002",
        "NW340", "NW341", "NW342", "NW343", "NW650", "NW740",
    ]  # fmt: skip


def test_a_folder_of_set_aside_tests_is_still_checked(tmp_path: Path) -> None:
    """Test code is left out by default but searched for provider keys: a project with
    nothing else is not an empty one."""
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "login.test.js").write_text('const key = "AKIAZ7QWERTYUIOP4ASD";\n')
    report = scan_path(tmp_path, offline=True, select=("NW602",))
    assert report.files_scanned == 0
    assert [(f.rule, f.location.path, f.location.line) for f in report.findings] == [
        ("NW602", "test/login.test.js", 1)
    ]
