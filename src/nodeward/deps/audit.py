"""The dependency audit inside `nodeward scan`: packages -> advisories -> DEP001
findings with fix advice and reachability; client-side libraries -> DEP002; registry
metadata -> DEP003-DEP005 (deprecated, majors behind, unmaintained)."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nodeward.config import Config
from nodeward.deps import fixes, outdated, retire
from nodeward.deps.advisories.interface import Advisory, AdvisorySource, SourceError
from nodeward.deps.lockfiles.interface import Package, Scope
from nodeward.deps.lockfiles.load import Inventory, load_packages
from nodeward.deps.matching import Match, match_packages
from nodeward.deps.reachability import ImportIndex, judge
from nodeward.deps.registry import npmrc
from nodeward.deps.registry.client import RegistryClient
from nodeward.deps.registry.metadata import highest_allowed
from nodeward.deps.rules import (
    DEPRECATED_DEPENDENCY,
    REGISTRY_RULES,
    VULNERABLE_CLIENT_LIBRARY,
    VULNERABLE_DEPENDENCY,
)
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
    registry_codes = {rule.code for rule in REGISTRY_RULES} & enabled
    client = RegistryClient(npmrc.load(project.root), offline=_offline(config))
    loaded = Inventory((), (), ())
    if VULNERABLE_DEPENDENCY.code in enabled or registry_codes:
        loaded = _load(project, config, client)
        result.skips += loaded.skips
    if VULNERABLE_DEPENDENCY.code in enabled:
        found, skipped, gap = _audit_packages(project, config, source, loaded)
        result.findings += found
        result.skips += skipped
        if gap is not None:
            result.unevaluated.append(Unevaluated(VULNERABLE_DEPENDENCY.code, gap))
    if registry_codes:
        found, skipped, gap = _check_registry(project, config, loaded, client, registry_codes)
        result.findings += found
        result.skips += skipped
        if gap is not None:
            result.unevaluated += [Unevaluated(code, gap) for code in sorted(registry_codes)]
    if VULNERABLE_CLIENT_LIBRARY.code in enabled:
        found, skipped, gap = retire.scan_static(project)
        result.findings += found
        result.skips += skipped
        if gap is not None:
            result.unevaluated.append(Unevaluated(VULNERABLE_CLIENT_LIBRARY.code, gap))
    return result


def _offline(config: Config) -> bool:
    # NODEWARD_OFFLINE=1 is --offline for a whole environment (the test suite sets it).
    return config.offline or os.environ.get("NODEWARD_OFFLINE") == "1"


def _load(project: Project, config: Config, client: RegistryClient) -> Inventory:
    inventory = project.inventory
    lockfiles = [f.rel for f in inventory.of_kind(FileKind.LOCKFILE)]
    manifests = [f.rel for f in inventory.of_kind(FileKind.PACKAGE_JSON)]

    def resolve(pairs: list[tuple[str, str]]) -> Mapping[tuple[str, str], str]:
        """--resolve-ranges: the version `npm install` would pick today for each range."""
        metadata = client.fetch(name for name, _spec in pairs).metadata
        versions = {}
        for name, spec in pairs:
            meta = metadata.get(name)
            version = highest_allowed(meta, spec) if meta is not None else None
            if version is not None:
                versions[(name, spec)] = version
        return versions

    return load_packages(
        project.root, lockfiles, manifests, resolve if config.resolve_ranges else None
    )


def _packages(loaded: Inventory, config: Config) -> list[Package]:
    packages = [p for p in loaded.packages if p.matchable]
    if "dev" in config.omit:
        packages = [p for p in packages if p.scope is not Scope.DEV]
    return packages


def _unchecked_gap(loaded: Inventory) -> str:
    """Why a dependency rule could not judge every declared dependency."""
    count = len(loaded.unresolved)
    noun = "dependency" if count == 1 else "dependencies"
    return f"no lockfile: {count} declared {noun} not checked"


def _audit_packages(
    project: Project, config: Config, source: AdvisorySource | None, loaded: Inventory
) -> tuple[list[Finding], list[Skip], str | None]:
    """Findings, skips, and why the audit is incomplete (None when it is not)."""
    skips: list[Skip] = []
    packages = _packages(loaded, config)
    # Declared ranges nothing resolved: the audit is incomplete, and says so rather than
    # guessing a version from the range's minimum.
    gap = _unchecked_gap(loaded) if loaded.unresolved else None
    if not packages:
        return [], skips, gap or "no lockfile, installed node_modules or declared dependencies"
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
    return findings, skips, gap


def _check_registry(
    project: Project,
    config: Config,
    loaded: Inventory,
    client: RegistryClient,
    enabled: set[str],
) -> tuple[list[Finding], list[Skip], str | None]:
    """DEP003-DEP005 from the registry's package documents: findings, skips, and why
    nothing could be evaluated (None when something was)."""
    packages = _packages(loaded, config)
    if not packages:
        gap = _unchecked_gap(loaded) if loaded.unresolved else None
        return [], [], gap or "no lockfile, installed node_modules or declared dependencies"
    # Only DEP003 looks below the direct dependencies.
    wanted = (
        packages
        if DEPRECATED_DEPENDENCY.code in enabled
        else [p for p in packages if len(p.path) == 1]
    )
    fetched = client.fetch(p.name for p in wanted)
    names = {p.name for p in wanted}
    missing = {name: why for name, why in fetched.missing.items() if name in names}
    if not any(name in fetched.metadata for name in names):
        reasons = sorted(set(missing.values())) or ["no package to look up"]
        return [], [], f"no registry metadata: {'; '.join(reasons)}"
    skips = []
    if missing:
        by_reason: dict[str, list[str]] = defaultdict(list)
        for name, why in sorted(missing.items()):
            by_reason[why].append(name)
        for why, which in by_reason.items():
            listed = ", ".join(which[:5]) + (
                f" and {len(which) - 5} more" if len(which) > 5 else ""
            )
            skips.append(
                Skip("registry metadata", f"{len(which)} packages not checked: {why} ({listed})")
            )
    if fetched.oldest_unconfirmed is not None:
        days = fetched.oldest_unconfirmed / 86400
        why = "offline" if client.offline else "the registry did not answer"
        skips.append(
            Skip(
                "registry metadata",
                f"{why}: package metadata from the cache, up to {days:.1f} days old",
            )
        )
    now = datetime.now(UTC)
    findings = outdated.check(project.root, packages, fetched.metadata, enabled, now)
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
