"""The analysis context (analysis/context.py) and the analyzers scan.py runs.

The fixture is three files: a route whose password goes to a hashing helper in hash.js
(the password rule resolves it through the module graph), a route whose query flows
through nine calls in chain.js (the taint run resolves them through the graph and is cut
short at the call depth bound: a skip), a route registered in a loop over methods read from
the environment (the app model cannot resolve it: a skip), and a Dockerfile without FROM (a
manifest check's skip)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from appmodel_helpers import project_at

from nodeward import parallel, scan
from nodeward.analysis.checkers import Checks
from nodeward.analysis.context import AnalysisContext
from nodeward.analysis.placeholders import NoLiveTarget, NothingToCheck
from nodeward.analysis.result import AnalysisResult, Analyzer, ReportSections
from nodeward.analysis.routes import RouteTable
from nodeward.config import Config
from nodeward.deps.audit import DependencyAudit
from nodeward.discover import Inventory
from nodeward.findings import Report, Route, Skip, SourceLocation, Unevaluated
from nodeward.project import Project, load_project
from nodeward.source import appmodel
from nodeward.source.appmodel import AppModel
from nodeward.source.modules import ModuleGraph
from nodeward.source.rules.headers import MISSING_SECURITY_HEADERS
from nodeward.source.taint.engine import TaintEngine
from nodeward.source.taint.values import Hit
from nodeward.web.analyzer import LiveProbe

FIXTURE = Path(__file__).parents[1] / "fixtures" / "analysis_context"


def _found(report: Report) -> set[tuple[str, str, int]]:
    return {
        (f.rule, f.location.path, f.location.line)
        for f in report.findings
        if isinstance(f.location, SourceLocation)
    }


def test_a_full_scan_builds_one_module_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[ModuleGraph] = []
    original = ModuleGraph.__init__

    def counting(graph: ModuleGraph, files: list[object]) -> None:
        built.append(graph)
        original(graph, files)  # type: ignore[arg-type]

    monkeypatch.setattr(ModuleGraph, "__init__", counting)
    report = scan.scan_path(FIXTURE, jobs=1)
    # the app model, the taint run and the password rule each resolved across files with it
    assert {(r.method, r.path) for r in report.routes} == {("POST", "/signup"), ("GET", "/deep")}
    assert {("NW901", "app.js", 9), ("NW151", "chain.js", 9), ("NW210", "app.js", 9)} <= (
        _found(report)
    )
    assert len(built) == 1


def test_each_property_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    models: list[AppModel] = []
    runs: list[list[Hit]] = []
    build, run = appmodel.app_model, TaintEngine.run

    def counted_build(project: Project, graph: ModuleGraph | None = None) -> AppModel:
        models.append(build(project, graph))
        return models[-1]

    def counted_run(engine: TaintEngine, *args: object) -> list[Hit]:
        runs.append(run(engine, *args))  # type: ignore[arg-type]
        return runs[-1]

    monkeypatch.setattr(appmodel, "app_model", counted_build)  # the context imports it late
    monkeypatch.setattr(TaintEngine, "run", counted_run)
    context = AnalysisContext(project_at(FIXTURE))
    first = (context.module_graph, context.app_model, context.handlers, context.taint)
    second = (context.module_graph, context.app_model, context.handlers, context.taint)
    assert all(a is b for a, b in zip(first, second, strict=True))
    assert (len(models), len(runs)) == (1, 1)
    assert {route.path for route, _function, _file in context.handlers} == {"/signup", "/deep"}


def test_skips_reach_the_report_and_the_project_keeps_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded: list[tuple[Project, list[Skip]]] = []

    def load(inventory: Inventory, config: Config | None = None) -> Project:
        project = load_project(inventory, config)
        loaded.append((project, list(project.skips)))
        return project

    monkeypatch.setattr(scan, "load_project", load)
    report = scan.scan_path(FIXTURE)
    reasons = {(s.target, s.reason) for s in report.skips}
    assert {
        (
            "app.js:6",
            "route registered with a computed method (a loop or configuration); "
            "its routes are not in the route table",
        ),
        ("chain.js", "taint analysis cut short: call depth limit (6) reached (line 6)"),
        ("Dockerfile", "Dockerfile has no FROM instruction"),
    } <= reasons
    [(project, at_load)] = loaded
    assert project.skips == at_load  # the analyzers returned theirs


@dataclass(frozen=True)
class _Fixed:
    result: AnalysisResult
    standalone: bool = False

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        return self.result


def test_the_report_is_what_the_analyzers_return(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("const x = 1;\n")
    finding = MISSING_SECURITY_HEADERS.finding(SourceLocation("app.js", 1, "x"), "no helmet")
    route = Route("GET", "/", SourceLocation("app.js", 1, "x"), (), "h", None, True)
    analyzers: list[Analyzer] = [
        _Fixed(AnalysisResult(findings=(finding,), rules_run=frozenset({"NW301"}))),
        _Fixed(
            AnalysisResult(
                skips=(Skip("app.js", "could not"),),
                unevaluated=(Unevaluated("NW302", "nothing to check"),),
                sections=ReportSections(routes=(route,)),
            )
        ),
    ]
    report = scan.run_scan(Config(path=tmp_path, quiet=True), [analyzers])
    assert report.findings == (finding,)
    assert Skip("app.js", "could not") in report.skips
    assert report.unevaluated == (Unevaluated("NW302", "nothing to check"),)
    assert report.routes == (route,)
    assert report.rules_run == ("NW001", "NW301")  # NW001: the scan's own suppression check


def test_a_scan_runs_the_static_analyzers_then_the_probe() -> None:
    project = project_at(FIXTURE)
    static, live = scan.default_analyzers(project)
    assert [type(a) for a in static] == [Checks, Checks, DependencyAudit, RouteTable]
    assert [a.standalone for a in static] == [True, False, False, False]
    assert [type(a) for a in live] == [NoLiveTarget]
    project.config = replace(project.config, url="http://127.0.0.1:9/")
    assert [type(a) for a in scan.default_analyzers(project)[1]] == [LiveProbe]


def test_an_empty_folder_runs_placeholders_for_the_checkers(tmp_path: Path) -> None:
    static, live = scan.default_analyzers(project_at(tmp_path))
    assert [type(a) for a in static] == [NothingToCheck, DependencyAudit]
    assert [type(a) for a in live] == [NoLiveTarget]


@dataclass(frozen=True)
class _Pid:
    standalone: bool

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        return AnalysisResult(skips=(Skip("pid", str(os.getpid())),))


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and a single thread")
def test_standalone_analyzers_run_in_the_forked_child(tmp_path: Path) -> None:
    context = AnalysisContext(project_at(tmp_path))
    results = scan.run_analyzers(context, [_Pid(True), _Pid(False)], two_processes=True)
    child, here = (r.skips[0].reason for r in results)  # in the order given
    assert here == str(os.getpid())
    assert child != here
