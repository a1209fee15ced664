"""The two-process scan: the same report as one process, and a child that fails or dies
does not lose findings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nodeward import parallel, scan
from nodeward.analysis.checkers import split_checkers
from nodeward.cli import main
from nodeward.findings import Report
from nodeward.rules import CHECKERS
from nodeward.source.rules import flows, graphql_limits, passwords, rate_limit_keys

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
# Per-file rules (cookies, JWT), a standalone project rule (password hashing) and
# cross-file ones (taint across modules, routes).
PROJECT = FIXTURES / "flows_cross_module_js"
SINGLE_FILES = (
    "session_cookie_default_name.js",
    "jwt_decode_as_verify.js",
    "password_hashing.js",
)


def _comparable(report: Report) -> tuple[object, ...]:
    return (report.findings, report.skips, report.routes, report.rules_run)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project mixing per-file and cross-file findings."""
    root = tmp_path / "app"
    for source in PROJECT.rglob("*"):
        if source.is_file():
            target = root / source.relative_to(PROJECT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    for name in SINGLE_FILES:
        (root / name).write_bytes((FIXTURES / name).read_bytes())
    return root


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and a single thread")
def test_two_processes_report_exactly_what_one_does(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan, "PARALLEL_MIN_FILES", 1)
    started = []
    real_start = parallel.start

    def counting_start(work):  # type: ignore[no-untyped-def]
        started.append(work)
        return real_start(work)

    monkeypatch.setattr(parallel, "start", counting_start)
    one = scan.scan_path(project, jobs=1)
    assert started == []
    two = scan.scan_path(project, jobs=2)
    assert len(started) == 1
    assert {f.rule for f in one.findings} >= {"NW101", "NW102", "NW201", "NW210", "NW801"}
    assert _comparable(one) == _comparable(two)


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and a single thread")
def test_the_callee_index_both_processes_read_is_filled_before_the_fork(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filled after the fork, each process would resolve every callee on its own copy (a
    file that imports nothing has no callee to resolve), and build the calls-by-name
    tables on its own."""
    monkeypatch.setattr(scan, "PARALLEL_MIN_FILES", 1)
    filled: list[bool] = []
    real_start = parallel.start

    def inspecting_start(work):  # type: ignore[no-untyped-def]
        context = work.args[0]  # partial(_in_child, context, analyzers)
        files = context.project.files
        importing = [ctx for ctx in files if ctx.imported_modules()]
        assert importing
        filled.append(
            all(call.id in ctx._callee_cache for ctx in importing for call in ctx.calls)
            and all("_tables" in vars(ctx.call_index) for ctx in files)
        )
        return real_start(work)

    monkeypatch.setattr(parallel, "start", inspecting_start)
    scan.scan_path(project, jobs=2)
    assert filled == [True]


def test_small_projects_stay_in_one_process(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(work):  # type: ignore[no-untyped-def]
        raise AssertionError("forked for a small project")

    monkeypatch.setattr(parallel, "start", refuse)
    assert scan.scan_path(project, jobs=2).findings


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and a single thread")
def test_a_child_that_dies_is_replaced_by_running_the_work_here() -> None:
    parent = os.getpid()

    def work() -> list[int]:
        if os.getpid() != parent:
            os._exit(3)  # killed, out of memory, ...
        return [1, 2, 3]

    assert parallel.start(work).result() == [1, 2, 3]


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and a single thread")
def test_a_child_result_comes_back_whole() -> None:
    big = ["x" * 1000] * 5000  # larger than a pipe buffer
    assert parallel.start(lambda: big).result() == big


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and a single thread")
def test_a_cancelled_child_is_reaped() -> None:
    forked = parallel.start(lambda: sum(range(10**9)))
    forked.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(forked.pid, 0)


def test_jobs_flag_rejects_negative_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", ".", "--jobs", "-1"])
    assert exit_info.value.code == 2
    assert "expected 0 or a positive number" in capsys.readouterr().err


def test_standalone_project_checks_run_beside_the_per_file_checks() -> None:
    per_file, per_project = split_checkers(CHECKERS)
    assert (per_file.standalone, per_project.standalone) == (True, False)
    assert all(c.check_file is not None or c.check_project is not None for c in per_file.checkers)
    beside = [c for c in per_file.checkers if c.check_project is not None]
    assert [c.rules for c in beside] == [
        passwords.CHECKER.rules,
        graphql_limits.CHECKER.rules,
        rate_limit_keys.CHECKER.rules,
    ]
    assert flows.CHECKER.rules in [c.rules for c in per_project.checkers]
    assert passwords.CHECKER.rules not in [c.rules for c in per_project.checkers]
