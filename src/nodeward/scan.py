"""Runs the enabled checkers over a project and assembles the report."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from nodeward import __version__, progress
from nodeward.baseline import load_fingerprints, new_findings, per_rule
from nodeward.catalog import (
    DEPENDENCY_RULES,
    PROBE_ONLY_RULES,
    SUPERSEDED_BY,
    TOOL_RULES,
    all_rules,
    rules_for,
    selected,
    static_rules,
)
from nodeward.catalog.tool import UNUSED_SUPPRESSION
from nodeward.checks import Checker
from nodeward.config import Config
from nodeward.deps.audit import run_audit
from nodeward.discover import DiscoveryOptions, discover
from nodeward.findings import Finding, Report, Route, Skip, SourceLocation, Unevaluated
from nodeward.ignores import apply_ignores, finding_ignores
from nodeward.project import Project, load_project
from nodeward.suppressions import apply_suppressions, find_suppressions

if TYPE_CHECKING:
    from nodeward.parallel import Forked

_T = TypeVar("_T")

#: What `nodeward scan` runs without a live target; the probe's own rules join
#: `Report.rules_run` only when it runs.
STATIC_CODES = frozenset(
    {rule.code for rule in static_rules()}
    | {rule.code for rule in (*TOOL_RULES, *DEPENDENCY_RULES)}
)


class ScanError(Exception):
    """A fatal problem (exit code 2): the path does not exist, the baseline is unreadable."""


def enabled_codes(config: Config) -> set[str]:
    return {r.code for r in all_rules() if selected(r.code, config.select, config.ignore)}


def run_scan(config: Config) -> Report:
    started = time.perf_counter()
    if not config.path.exists():
        raise ScanError(f"{config.path}: no such file or directory")
    inventory = discover(
        config.path,
        DiscoveryOptions(
            include_node_modules=config.include_node_modules,
            max_file_size=config.max_file_size,
            exclude=config.exclude,
            follow_symlinks=config.follow_symlinks,
            default_excludes=config.default_excludes,
            include_tests=config.include_tests,
        ),
    )
    project = load_project(inventory, config)
    enabled = enabled_codes(config)
    checkers = _checkers(project)
    per_file, per_project = split_checkers(checkers)
    # Two processes: the per-file checks in a forked child, the cross-file analyses (app
    # model, taint) and the dependency audit here.
    child = _fork(partial(_checks_and_skips, project, per_file, enabled), config, project)
    try:
        findings, skips = run_checkers(project, per_project if child else checkers, enabled)
        audit = run_audit(project, config, enabled)
        routes = _routes(project)
    except BaseException:
        if child is not None:
            child.cancel()
        raise
    if child is not None:
        with progress.task("rules", None, unit="per file, in a second process", quiet=config.quiet):
            child_findings, child_skips = child.result()
        findings, skips = [*findings, *child_findings], [*skips, *child_skips]
    findings, skips = [*findings, *audit.findings], [*skips, *audit.skips]
    findings = drop_superseded(findings)
    skips = [*project.skips, *skips]  # after the checkers and the model: they add skips too

    suppressions = [s for text in project.loaded_texts() for s in find_suppressions(text)]
    result = apply_suppressions(
        findings, suppressions, {r.code for r in all_rules()}, UNUSED_SUPPRESSION
    )
    kept = result.kept
    if UNUSED_SUPPRESSION.code in enabled:
        kept += result.unused
    ignores = (*finding_ignores(config.ignore), *config.ignore_entries)
    accepted = apply_ignores(kept, ignores, datetime.datetime.now(datetime.UTC).date())
    kept = accepted.kept
    known: list[Finding] = []
    if config.baseline is not None:
        kept, known = new_findings(kept, load_fingerprints(config.baseline))
    return Report(
        tool_version=__version__,
        root=str(project.root),
        findings=tuple(sorted(_dedupe(kept), key=lambda f: f.sort_key)),
        skips=tuple(sorted(set(skips), key=lambda s: (s.target, s.reason))),
        files_scanned=len(inventory.files),
        suppressed=result.suppressed,
        baseline_matched=len(known),
        baselined=per_rule(known),
        ignored=per_rule(accepted.ignored),
        rules_run=tuple(sorted(enabled & STATIC_CODES)),
        duration_seconds=round(time.perf_counter() - started, 3),
        unevaluated=(*audit.unevaluated, *_needs_live_target(enabled)),
        routes=routes,
        packages=tuple(audit.packages),
        vulnerabilities=tuple(audit.vulnerabilities),
        advisories=audit.advisories,
        rules=rules_for(enabled & STATIC_CODES | {f.rule for f in kept}),
    )


def _nothing_to_check(project: Project) -> bool:
    """No file to analyse, and no script a default exclude set aside (the secrets rule
    still searches those): an empty folder, for one. tests/test_scan_empty.py checks that
    no checker finds anything then."""
    return not project.inventory.files and not project.inventory.set_aside


def _checkers(project: Project) -> tuple[Checker, ...]:
    """The checkers, loaded with what they need (the parsers' rules, the app model, the taint
    engine) only when there is something to check: an empty folder costs little more than
    reading it."""
    if _nothing_to_check(project):
        return ()
    from nodeward.rules import CHECKERS

    return CHECKERS


def _routes(project: Project) -> tuple[Route, ...]:
    if _nothing_to_check(project):
        return ()
    from nodeward.source.appmodel import report_routes

    return report_routes(project)


def _needs_live_target(enabled: set[str]) -> list[Unevaluated]:
    """The probe's own rules, which a static scan cannot evaluate."""
    return [
        Unevaluated(rule.code, "checked only on a running app (scan --url URL, or probe URL)")
        for rule in PROBE_ONLY_RULES
        if rule.code in enabled
    ]


#: Below this many parsed files a second process costs more than it saves.
PARALLEL_MIN_FILES = 200


def _fork(work: Callable[[], _T], config: Config, project: Project) -> Forked[_T] | None:
    """`work` started in a forked child when the project is large enough, else None. The
    forking machinery (ctypes, pickle) loads only for a large project."""
    if len(project.files) < PARALLEL_MIN_FILES:
        return None
    from nodeward import parallel

    jobs = config.jobs or parallel.default_jobs()
    return parallel.start(work) if jobs > 1 and parallel.can_fork() else None


def split_checkers(checkers: Iterable[Checker]) -> tuple[list[Checker], list[Checker]]:
    """The work of a two-process scan: the per-file checks with the standalone project
    checks, and the project checks that share the app model and the taint engine."""
    per_file: list[Checker] = []
    per_project: list[Checker] = []
    for c in checkers:
        if c.check_file:
            per_file.append(Checker(c.rules, check_file=c.check_file))
        if c.check_project:
            side = per_file if c.standalone else per_project
            side.append(Checker(c.rules, check_project=c.check_project))
    return per_file, per_project


def _checks_and_skips(
    project: Project, checkers: Iterable[Checker], enabled: set[str]
) -> tuple[list[Finding], list[Skip]]:
    """run_checkers() in a child process: the skips the checks add to the project go back
    to the parent with the others."""
    known = len(project.skips)
    with progress.silenced():  # the parent process draws the progress
        findings, skips = run_checkers(project, checkers, enabled)
    return findings, [*skips, *project.skips[known:]]


def run_checkers(
    project: Project, checkers: Iterable[Checker], enabled: set[str]
) -> tuple[list[Finding], list[Skip]]:
    findings: list[Finding] = []
    skips: list[Skip] = []
    active = [c for c in checkers if {rule.code for rule in c.rules} & enabled]
    checks = sum(
        (len(project.files) if c.check_file else 0) + (1 if c.check_project else 0) for c in active
    )
    with progress.task("rules", checks, unit="checks", quiet=project.config.quiet) as advance:
        for checker in active:
            codes = {rule.code for rule in checker.rules}
            if checker.check_file is not None:
                for ctx in project.files:
                    check = partial(checker.check_file, ctx)
                    _collect(check, codes, enabled, ctx.rel, findings, skips)
                    advance(1)
            if checker.check_project is not None:
                check_project = partial(checker.check_project, project)
                _collect(check_project, codes, enabled, ".", findings, skips)
                advance(1)
    return findings, skips


def _collect(
    produce: Callable[[], Iterable[Finding]],
    codes: set[str],
    enabled: set[str],
    target: str,
    findings: list[Finding],
    skips: list[Skip],
) -> None:
    """Run one check; an internal error becomes a Skip so the rest of the scan goes on."""
    try:
        for finding in produce():
            if finding.rule not in codes:
                raise AssertionError(f"checker for {sorted(codes)} emitted {finding.rule}")
            if finding.rule in enabled:
                findings.append(finding)
    except RecursionError:
        skips.append(Skip(target, f"{', '.join(sorted(codes))}: expression nesting too deep"))
    except Exception as error:  # one rule's bug must not end the scan
        rules = ", ".join(sorted(codes))
        skips.append(Skip(target, f"internal error in {rules}: {type(error).__name__}: {error}"))


def drop_superseded(findings: list[Finding]) -> list[Finding]:
    """Drop a finding whose rule is superseded (SUPERSEDED_BY) by another finding on the
    same file and line: a proven flow into eval replaces "eval with a non-literal"."""
    present = {
        (f.rule, f.location.path, f.location.line)
        for f in findings
        if isinstance(f.location, SourceLocation)
    }
    return [
        f
        for f in findings
        if not (
            isinstance(f.location, SourceLocation)
            and f.rule in SUPERSEDED_BY
            and any(
                (rule, f.location.path, f.location.line) in present
                for rule in SUPERSEDED_BY[f.rule]
            )
        )
    ]


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for finding in findings:
        key = (finding.rule, repr(finding.location), finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def scan_path(path: Path, **flags: Any) -> Report:
    """Convenience for tests and embedding: scan with defaults plus `flags` (Config
    field names, e.g. select=("NW801",))."""
    return run_scan(replace(Config(path=path), **flags))
