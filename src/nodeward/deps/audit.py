"""The dependency audit inside `nodeward scan`: packages -> advisories -> DEP001
findings with fix advice and reachability; client-side libraries -> DEP002."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from nodeward.config import Config
from nodeward.deps import fixes, retire
from nodeward.deps.advisories.interface import Advisory, AdvisorySource, SourceError
from nodeward.deps.lockfiles.interface import Package, Scope
from nodeward.deps.lockfiles.load import load_packages
from nodeward.deps.matching import Match, match_packages
from nodeward.deps.reachability import ImportIndex, judge
from nodeward.deps.rules import VULNERABLE_CLIENT_LIBRARY, VULNERABLE_DEPENDENCY
from nodeward.deps.sources import choose
from nodeward.discover import FileKind
from nodeward.findings import Evidence, Finding, PackageLocation, Skip, Unevaluated
from nodeward.project import Project


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    #: Rules that had nothing to evaluate (no lockfile, no static JS, no advisory source):
    #: the scorecard says "not checked" for them rather than "pass".
    unevaluated: list[Unevaluated] = field(default_factory=list)


def run_audit(
    project: Project, config: Config, enabled: set[str], source: AdvisorySource | None = None
) -> AuditResult:
    result = AuditResult()
    if VULNERABLE_DEPENDENCY.code in enabled:
        found, skipped, gap = _audit_packages(project, config, source)
        result.findings += found
        result.skips += skipped
        if gap is not None:
            result.unevaluated.append(Unevaluated(VULNERABLE_DEPENDENCY.code, gap))
    if VULNERABLE_CLIENT_LIBRARY.code in enabled:
        found, skipped, gap = retire.scan_static(project)
        result.findings += found
        result.skips += skipped
        if gap is not None:
            result.unevaluated.append(Unevaluated(VULNERABLE_CLIENT_LIBRARY.code, gap))
    return result


def _audit_packages(
    project: Project, config: Config, source: AdvisorySource | None
) -> tuple[list[Finding], list[Skip], str | None]:
    """Findings, skips, and why nothing could be evaluated (None when something was)."""
    inventory = project.inventory
    lockfiles = [f.rel for f in inventory.of_kind(FileKind.LOCKFILE)]
    manifests = [f.rel for f in inventory.of_kind(FileKind.PACKAGE_JSON)]
    loaded = load_packages(project.root, lockfiles, manifests)
    skips = list(loaded.skips)
    packages = [p for p in loaded.packages if p.matchable]
    if "dev" in config.omit:
        packages = [p for p in packages if p.scope is not Scope.DEV]
    if not packages:
        return [], skips, "no lockfile, installed node_modules or declared dependencies"
    query: dict[str, set[str]] = defaultdict(set)
    for package in packages:
        query[package.name].add(package.version)
    try:
        chosen = source or choose(config.advisories, config.offline, project.root)
        advisories: dict[str, list[Advisory]] = chosen.advisories(query)
    except SourceError as error:
        return [], [*skips, Skip("dependency audit", str(error))], f"no advisory source: {error}"
    skips += [Skip("dependency audit", warning) for warning in chosen.warnings()]
    index = ImportIndex(project.files)
    findings = [_finding(m, index) for m in match_packages(packages, advisories)]
    return findings, skips, None


def _finding(match: Match, index: ImportIndex) -> Finding:
    package = match.package
    verdict = judge(package, index, match.functions)
    location = PackageLocation(
        manifest=package.manifest,
        package=package.name,
        version=package.version,
        dependency_path=package.dependency_path,
        reachability=verdict.reachability,
    )
    advisory = match.advisory
    ids = ", ".join(match.ids)
    installed = f"{package.alias} (npm:{package.name})" if package.alias else package.name
    fixed = f"fixed in {match.fixed}" if match.fixed else "no fixed version known"
    via = "" if len(package.path) <= 1 else f" via {package.path[0]}"
    message = (
        f"{installed}@{package.version} ({package.scope.value} dependency{via}) is affected "
        f"by {ids}: {advisory.summary.strip() or 'see the advisory'} ({fixed}; "
        f"{verdict.reachability.value}: {verdict.note})"
        + (f" [{', '.join(f'CWE-{c}' for c in advisory.cwes)}]" if advisory.cwes else "")
        + (f" {advisory.url}" if advisory.url else "")
    )
    evidence = tuple(
        Evidence(site, f"where the app reaches {package.name}") for site in verdict.evidence
    )
    return VULNERABLE_DEPENDENCY.finding(
        location,
        message,
        fix=fixes.advice(package, match.fixed, match.last_affected),
        severity=advisory.severity,
        confidence=package.confidence,
        evidence=evidence,
    )


__all__ = ["Package", "run_audit"]
