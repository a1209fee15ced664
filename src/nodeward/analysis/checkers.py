"""The syntax-tree and manifest checkers (rules.CHECKERS) as analyzers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from nodeward import progress
from nodeward.analysis.context import AnalysisContext
from nodeward.analysis.result import AnalysisResult
from nodeward.checks import Checker
from nodeward.findings import Finding, Skip


@dataclass(frozen=True)
class Checks:
    """Runs a group of checkers: each per-file check over every parsed file, then its
    project check over the context. A check's internal error becomes a Skip."""

    checkers: tuple[Checker, ...]
    standalone: bool = False

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        enabled = ctx.enabled
        findings: list[Finding] = []
        skips: list[Skip] = []
        active = [c for c in self.checkers if {rule.code for rule in c.rules} & enabled]
        files = ctx.project.files
        checks = sum(
            (len(files) if c.check_file else 0) + (1 if c.check_project else 0) for c in active
        )
        with progress.task("rules", checks, unit="checks", quiet=ctx.config.quiet) as advance:
            for checker in active:
                codes = {rule.code for rule in checker.rules}
                if checker.check_file is not None:
                    for file in files:
                        check = partial(checker.check_file, file)
                        _collect(check, codes, enabled, file.rel, findings, skips)
                        advance(1)
                if checker.check_project is not None:
                    check_project = partial(checker.check_project, ctx)
                    _collect(check_project, codes, enabled, ".", findings, skips)
                    advance(1)
        declared = {rule.code for checker in self.checkers for rule in checker.rules}
        return AnalysisResult(
            findings=tuple(findings), skips=tuple(skips), rules_run=frozenset(declared & enabled)
        )


def split_checkers(checkers: Iterable[Checker]) -> tuple[Checks, Checks]:
    """The checkers as two analyzers: the per-file checks with the standalone project
    checks (which a two-process scan runs in the forked child), and the project checks
    that share the app model and the taint result."""
    per_file: list[Checker] = []
    per_project: list[Checker] = []
    for c in checkers:
        if c.check_file:
            per_file.append(Checker(c.rules, check_file=c.check_file))
        if c.check_project:
            side = per_file if c.standalone else per_project
            side.append(Checker(c.rules, check_project=c.check_project))
    return Checks(tuple(per_file), standalone=True), Checks(tuple(per_project))


def _collect(
    produce: Callable[[], Iterable[Finding | Skip]],
    codes: set[str],
    enabled: frozenset[str],
    target: str,
    findings: list[Finding],
    skips: list[Skip],
) -> None:
    """Run one check; an internal error becomes a Skip so the rest of the scan goes on."""
    try:
        for item in produce():
            if isinstance(item, Skip):
                skips.append(item)
                continue
            if item.rule not in codes:
                raise AssertionError(f"checker for {sorted(codes)} emitted {item.rule}")
            if item.rule in enabled:
                findings.append(item)
    except RecursionError:
        skips.append(Skip(target, f"{', '.join(sorted(codes))}: expression nesting too deep"))
    except Exception as error:  # one rule's bug must not end the scan
        rules = ", ".join(sorted(codes))
        skips.append(Skip(target, f"internal error in {rules}: {type(error).__name__}: {error}"))
