"""Runs the analyzers over a project and assembles the report.

One AnalysisContext per scan holds what the analyzers share (module graph, app model,
taint result); each analyzer returns its findings, skips and report sections
(analysis/result.py); the scan then applies what the user asked for (suppressions,
ignores, baseline) to all findings alike."""

from __future__ import annotations

import contextlib
import datetime
import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from nodeward import __version__, progress
from nodeward.analysis.context import AnalysisContext
from nodeward.analysis.placeholders import NoLiveTarget, NothingToCheck
from nodeward.analysis.result import AnalysisResult, Analyzer, ReportSections
from nodeward.baseline import load_fingerprints, new_findings, per_rule
from nodeward.catalog import SUPERSEDED_BY, TOOL_RULES, all_rules, rules_for, selected
from nodeward.catalog.tool import UNUSED_SUPPRESSION
from nodeward.config import Config
from nodeward.deps.audit import DependencyAudit
from nodeward.discover import DiscoveryOptions, discover
from nodeward.findings import Finding, HttpLocation, Report, SourceLocation
from nodeward.ignores import apply_ignores, finding_ignores
from nodeward.project import Project, load_project
from nodeward.suppressions import apply_suppressions, find_suppressions

#: The scan's own rules (unused suppressions): evaluated by the scan itself, not an analyzer.
TOOL_CODES = frozenset(rule.code for rule in TOOL_RULES)


class ScanError(Exception):
    """A fatal problem (exit code 2): the path does not exist, the baseline is unreadable."""


def enabled_codes(config: Config) -> set[str]:
    return {r.code for r in all_rules() if selected(r.code, config.select, config.ignore)}


def default_analyzers(project: Project) -> tuple[tuple[Analyzer, ...], ...]:
    """What `nodeward scan` runs, in two stages: the per-file checks (with the standalone
    project checks), the project checks, the dependency audit and the route table; then
    the live probe (without --url, only the list of its rules a static scan cannot
    evaluate). The probe starts once the static work is done, so a probe stopped with
    Ctrl-C still leaves the whole static report (and never a forked child to kill and
    redo). Each analyzer's modules load only when it is part of the run: an empty folder
    loads no checker, and a scan without --url no probe."""
    static: tuple[Analyzer, ...] = (NothingToCheck(), DependencyAudit())
    if not _nothing_to_check(project):
        from nodeward.analysis.checkers import split_checkers
        from nodeward.analysis.routes import RouteTable
        from nodeward.rules import CHECKERS

        per_file, per_project = split_checkers(CHECKERS)
        static = (per_file, per_project, DependencyAudit(), RouteTable())
    if not project.config.url:
        return static, (NoLiveTarget(),)
    from nodeward.web.analyzer import LiveProbe

    return static, (LiveProbe(),)


def _nothing_to_check(project: Project) -> bool:
    """No file to analyse, and no script a default exclude set aside (the secrets rule
    still searches those): an empty folder, for one. tests/test_scan_empty.py checks that
    no checker finds anything then."""
    return not project.inventory.files and not project.inventory.set_aside


#: gc.set_threshold() during a scan. A scan keeps millions of long-lived objects (syntax
#: nodes, scopes, indexes) and allocates many small short-lived ones; at Python's default
#: (700, 10, 10) the collector ran ~2,400 times on a 4,000-file dependency tree, eleven of
#: them full collections that traverse the whole heap, ~2.9 s of its ~25 s CPU. A young
#: generation of 100,000 objects still cost 8 collections there (0.2 s) and 2 on a
#: 400-file app (0.05 s, 2% of its scan) to free 510 and 3,789 objects: a scan makes
#: almost no cyclic garbage, and keeps what it allocates to the end. A young generation
#: of a million objects neither scan fills (no collection, the same peak RSS: 777 and
#: 140 MB) still bounds what a project that does make cycles leaves uncollected.
SCAN_GC_THRESHOLDS = (1_000_000, 50, 100)


@contextlib.contextmanager
def _collector_for_large_heaps(*, ends_process: bool) -> Iterator[None]:
    """SCAN_GC_THRESHOLDS while the scan runs, the caller's thresholds again after it.

    With `ends_process` the scan's objects are moved to the collector's permanent
    generation (gc.freeze) before the thresholds come back: the report is written and the
    interpreter exits, and without it the first collection at the default thresholds and
    the full one at exit each traverse the whole heap again to free what the exit frees
    anyway (~0.2 s of a 3.3 s scan of a 400-file app). A caller that goes on (a test, the
    fix command's re-scans) keeps the default, or the garbage would never be collected."""
    before = gc.get_threshold()
    gc.set_threshold(*SCAN_GC_THRESHOLDS)
    try:
        yield
    finally:
        if ends_process:
            gc.freeze()
        gc.set_threshold(*before)


def run_scan(
    config: Config,
    stages: Sequence[Sequence[Analyzer]] | None = None,
    *,
    ends_process: bool = False,
) -> Report:
    """Scan `config.path` with the analyzers of `stages` (default_analyzers()), one stage
    after the other. `ends_process`: the process exits once the report is written
    (_collector_for_large_heaps)."""
    with _collector_for_large_heaps(ends_process=ends_process):
        return _scan(config, stages)


def _scan(config: Config, stages: Sequence[Sequence[Analyzer]] | None) -> Report:
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
    context = AnalysisContext(project, frozenset(enabled))
    two_processes = _parallel(config, project)
    results = [
        result
        for stage in (default_analyzers(project) if stages is None else stages)
        for result in run_analyzers(context, stage, two_processes=two_processes)
    ]
    sections = ReportSections()
    for analysis in results:
        sections = sections.merged(analysis.sections)
    findings = drop_superseded([f for analysis in results for f in analysis.findings])
    # the project's own skips (discovery, parsing) and the notes on the files it read
    skips = [*project.skips, *project.read_notes(), *(s for a in results for s in a.skips)]

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
    rules_run = (enabled & TOOL_CODES).union(*(analysis.rules_run for analysis in results))
    return Report(
        tool_version=__version__,
        root=str(project.root),
        findings=tuple(sorted(_confirmed(kept, sections, project.root), key=lambda f: f.sort_key)),
        skips=tuple(sorted(set(skips), key=lambda s: (s.target, s.reason))),
        files_scanned=len(inventory.files),
        suppressed=result.suppressed,
        baseline_matched=len(known),
        baselined=per_rule(known),
        ignored=per_rule(accepted.ignored),
        rules_run=tuple(sorted(rules_run)),
        duration_seconds=round(time.perf_counter() - started, 3),
        unevaluated=tuple(u for analysis in results for u in analysis.unevaluated),
        routes=sections.routes,
        packages=sections.packages,
        vulnerabilities=sections.vulnerabilities,
        probe=sections.probe,
        advisories=sections.advisories,
        rules=rules_for(rules_run | {f.rule for f in kept}),
    )


def run_analyzers(
    context: AnalysisContext, analyzers: Sequence[Analyzer], *, two_processes: bool
) -> list[AnalysisResult]:
    """Every analyzer's result, in the order given. With `two_processes`, the standalone
    analyzers run in a forked child (parallel.py) while the others run here."""
    apart = [i for i, a in enumerate(analyzers) if a.standalone] if two_processes else []
    work = partial(_in_child, context, [analyzers[i] for i in apart])
    child = None
    if apart:
        from nodeward import parallel

        _index_shared(context)
        child = parallel.start(work)
    results: dict[int, AnalysisResult] = {}
    try:
        for index, analyzer in enumerate(analyzers):
            if index not in apart:
                results[index] = analyzer.analyze(context)
    except BaseException:
        if child is not None:
            child.cancel()
        raise
    if child is not None:
        quiet = context.config.quiet
        with progress.task("rules", None, unit="per file, in a second process", quiet=quiet):
            results.update(zip(apart, child.result(), strict=True))
    return [results[index] for index in range(len(analyzers))]


def _index_shared(context: AnalysisContext) -> None:
    """Fill, before the fork, the per-file indexes that both processes read: the callee
    of every call (the rules in the child and the project checks and the taint engine
    here ask for nearly all of them), the imported modules and the calls by name (every
    rule's CallIndex lookups, and the taint engine's seed pass). Filled after the fork,
    each process would compute them on its own copy: the same work twice."""
    for ctx in context.project.files:
        ctx.imported_modules()
        ctx.call_index.calls_named(())  # fills its tables
        for call in ctx.calls:
            ctx.callee(call)


def _in_child(context: AnalysisContext, analyzers: Iterable[Analyzer]) -> list[AnalysisResult]:
    with progress.silenced():  # the parent process draws the progress
        return [a.analyze(context) for a in analyzers]


#: Below this many parsed files a second process costs more than it saves.
PARALLEL_MIN_FILES = 200


def _parallel(config: Config, project: Project) -> bool:
    if len(project.files) < PARALLEL_MIN_FILES:
        return False
    from nodeward import parallel  # the forking machinery (ctypes, pickle): big projects only

    jobs = config.jobs or parallel.default_jobs()
    return jobs > 1 and parallel.can_fork()


def _confirmed(findings: list[Finding], sections: ReportSections, root: Path) -> list[Finding]:
    """One weakness, one finding: the findings of the code (deduplicated, in report order)
    with each live finding (one at an HTTP URL) that confirms one folded into it."""
    static = sorted(
        _dedupe(f for f in findings if not isinstance(f.location, HttpLocation)),
        key=lambda f: f.sort_key,
    )
    live = [f for f in findings if isinstance(f.location, HttpLocation)]
    if not live:
        return static
    from nodeward.web.merge import merge  # only a probe finds anything at a URL
    from nodeward.web.routes import static_routes

    return merge(static, live, static_routes(sections.routes, root))


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
