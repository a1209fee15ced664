"""The dependency audit inside `nodeward scan`: packages -> advisories -> DEP001
findings with fix advice and reachability; client-side libraries -> DEP002; registry
metadata -> DEP003-DEP005 (deprecated, majors behind, unmaintained)."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from nodeward import progress
from nodeward.analysis.result import AnalysisResult, ReportSections
from nodeward.config import Config
from nodeward.deps import fixes, outdated, retire
from nodeward.deps.advisories.interface import Advisory, AdvisorySource, SourceError
from nodeward.deps.inventory import inventory_of, vulnerability_of
from nodeward.deps.lockfiles.interface import Package, Scope
from nodeward.deps.lockfiles.load import Inventory, load_packages
from nodeward.deps.matching import Match, match_packages
from nodeward.deps.placement import Anchor, Placed, Placement, Route
from nodeward.deps.reachability import ImportIndex, judge
from nodeward.deps.registry import npmrc
from nodeward.deps.registry.catalog import RegistryCatalog
from nodeward.deps.registry.client import RegistryClient
from nodeward.deps.registry.metadata import highest_allowed
from nodeward.deps.rules import (
    DEPRECATED_DEPENDENCY,
    REGISTRY_RULES,
    RULES,
    VULNERABLE_CLIENT_LIBRARY,
    VULNERABLE_DEPENDENCY,
)
from nodeward.deps.sources import choose
from nodeward.discover import FileKind
from nodeward.findings import (
    AdvisoryData,
    Evidence,
    Finding,
    InstalledPackage,
    KnownVulnerability,
    PackageLocation,
    Skip,
    SourceLocation,
    Unevaluated,
    fingerprint_of,
)
from nodeward.project import Project

if TYPE_CHECKING:
    from nodeward.analysis.context import AnalysisContext


@dataclass
class AuditResult:
    findings: list[Finding] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    #: Rules that had nothing to evaluate (no lockfile, no static JS, no advisory source):
    #: the scorecard says "not checked" for them rather than "pass".
    unevaluated: list[Unevaluated] = field(default_factory=list)
    #: What the lockfiles install and which advisories matched, for the SBOM.
    packages: list[InstalledPackage] = field(default_factory=list)
    vulnerabilities: list[KnownVulnerability] = field(default_factory=list)
    #: The advisory data DEP001 was checked against (source and date), for the reports.
    advisories: AdvisoryData | None = None


@dataclass(frozen=True)
class DependencyAudit:
    """The dependency audit as one of the scan's analyzers. Its packages, matched
    vulnerabilities and advisory data go to the report's sections (the SBOM and the
    report header read them there)."""

    standalone: bool = False  # registry and advisory look-ups stay in the main process

    def analyze(self, ctx: AnalysisContext) -> AnalysisResult:
        enabled = set(ctx.enabled)
        audit = run_audit(ctx.project, ctx.config, enabled)
        return AnalysisResult(
            findings=tuple(audit.findings),
            skips=tuple(audit.skips),
            unevaluated=tuple(audit.unevaluated),
            rules_run=frozenset(rule.code for rule in RULES) & ctx.enabled,
            sections=ReportSections(
                packages=tuple(audit.packages),
                vulnerabilities=tuple(audit.vulnerabilities),
                advisories=audit.advisories,
            ),
        )


def run_audit(
    project: Project,
    config: Config,
    enabled: set[str],
    source: AdvisorySource | None = None,
    catalog: fixes.VersionCatalog | None = None,
) -> AuditResult:
    """`catalog` is registry metadata for the fix advice (which releases exist and what
    they depend on): by default the configured registry (its cache alone when offline);
    with no registry configured the advice says what the lockfile and advisories know."""
    result = AuditResult()
    registry_codes = {rule.code for rule in REGISTRY_RULES} & enabled
    client = RegistryClient(npmrc.load(project.root), offline=_offline(config))
    catalog = catalog if catalog is not None else RegistryCatalog.of(client)
    loaded = Inventory((), (), ())
    sbom = config.format == "cyclonedx"
    with progress.task("dependencies", 4, unit="steps", quiet=config.quiet) as advance:
        if VULNERABLE_DEPENDENCY.code in enabled or registry_codes or sbom:
            loaded = _load(project, config, client)
            result.skips += loaded.skips
            result.packages += inventory_of(_installed(loaded, config))
        advance(1)
        if VULNERABLE_DEPENDENCY.code in enabled:
            _audit_packages(project, config, source, catalog, loaded, result)
        advance(1)
        if registry_codes:
            found, skipped, gap = _check_registry(project, config, loaded, client, registry_codes)
            result.findings += found
            result.skips += skipped
            if gap is not None:
                result.unevaluated += [Unevaluated(code, gap) for code in sorted(registry_codes)]
        advance(1)
        if VULNERABLE_CLIENT_LIBRARY.code in enabled:
            found, skipped, gap = retire.scan_static(project)
            result.findings += found
            result.skips += skipped
            if gap is not None:
                result.unevaluated.append(Unevaluated(VULNERABLE_CLIENT_LIBRARY.code, gap))
        advance(1)
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


def _installed(loaded: Inventory, config: Config) -> list[Package]:
    """Every installed copy the audit covers (all of them, unless --omit dev)."""
    if "dev" in config.omit:
        return [p for p in loaded.packages if p.scope is not Scope.DEV]
    return list(loaded.packages)


def _packages(loaded: Inventory, config: Config) -> list[Package]:
    return [p for p in _installed(loaded, config) if p.matchable]


def _unchecked_gap(loaded: Inventory) -> str:
    """Why a dependency rule could not judge every declared dependency."""
    count = len(loaded.unresolved)
    noun = "dependency" if count == 1 else "dependencies"
    return f"no lockfile: {count} declared {noun} not checked"


def _audit_packages(
    project: Project,
    config: Config,
    source: AdvisorySource | None,
    catalog: fixes.VersionCatalog | None,
    loaded: Inventory,
    result: AuditResult,
) -> None:
    """DEP001 findings and the SBOM's vulnerabilities into `result`."""
    packages = _packages(loaded, config)
    # Declared ranges nothing resolved: the audit is incomplete, and says so rather than
    # guessing a version from the range's minimum.
    gap = _unchecked_gap(loaded) if loaded.unresolved else None
    if not packages:
        gap = gap or "no lockfile, installed node_modules or declared dependencies"
        result.unevaluated.append(Unevaluated(VULNERABLE_DEPENDENCY.code, gap))
        return
    query: dict[str, set[str]] = defaultdict(set)
    for package in packages:
        query[package.name].add(package.version)
    try:
        chosen = source or choose(config.advisories, config.offline, project.root)
        advisories: dict[str, list[Advisory]] = chosen.advisories(query)
    except SourceError as error:
        result.skips.append(Skip("dependency audit", str(error)))
        gap = f"no advisory source: {error}"
        result.unevaluated.append(Unevaluated(VULNERABLE_DEPENDENCY.code, gap))
        return
    result.skips += [Skip("dependency audit", w, note=True) for w in chosen.warnings()]
    result.advisories = chosen.provenance()
    if gap is not None:
        result.unevaluated.append(Unevaluated(VULNERABLE_DEPENDENCY.code, gap))
    # The whole install tree, dev and non-registry copies included: imports resolve in it.
    index = ImportIndex(project.files, loaded.packages, project.root)
    placement = Placement(project.root)
    # One finding per package@version in a lockfile, however many advisories and install
    # paths it has; the SBOM keeps one vulnerability per advisory.
    by_release: dict[tuple[str, str, str], list[Match]] = defaultdict(list)
    for found in match_packages(packages, advisories):
        package = found.package
        by_release[(package.manifest, package.name, package.version)].append(found)
    # The shortest install path leads: it is the copy the fix advice and the anchor follow.
    groups = [sorted(m, key=_path_order) for m in by_release.values()]
    placed = [(matches, placement.place(matches[0].package)) for matches in groups]
    if isinstance(catalog, RegistryCatalog):
        result.skips += _prefetch(catalog, [(m[0].package, p) for m, p in placed])
    for matches, where in placed:
        package = matches[0].package
        known = advisories.get(package.name, [])
        distinct = _distinct_advisories(matches)
        fix = _advice(package, where, known, len(distinct), catalog)
        finding = _finding(matches, where, fix, index)
        result.findings.append(finding)
        for found in distinct:
            result.vulnerabilities.append(vulnerability_of(found, finding, chosen.name))


def _path_order(match: Match) -> tuple[int, str]:
    return len(match.package.path), match.package.key


def _distinct_advisories(matches: list[Match]) -> list[Match]:
    """One match per advisory: the same advisory matched at several install paths once."""
    seen: dict[str, Match] = {}
    for found in matches:
        seen.setdefault(found.advisory.id, found)
    return list(seen.values())


def _prefetch(catalog: RegistryCatalog, placed: list[tuple[Package, Placed]]) -> list[Skip]:
    """Fetch in one batch the documents the fix advice reads: each vulnerable package's,
    and those of the packages on the chain the advice follows. Online, a document the
    registry did not give is a skip: that package's advice is the offline one."""
    names = {package.name for package, _where in placed}
    names.update(link.node.name for _package, where in placed for link in where.routes[0].steps)
    missing = catalog.prefetch(names)
    if not missing or catalog.client.offline:
        return []
    reasons = "; ".join(sorted(set(missing.values())))
    listed = ", ".join(sorted(missing)[:5]) + (
        f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    )
    one = len(missing) == 1
    return [
        Skip(
            "fix advice",
            f"no registry metadata for {len(missing)} package{'' if one else 's'} ({listed}): "
            f"{reasons}; {'its' if one else 'their'} advice says only what the lockfile and "
            "the advisories tell",
        )
    ]


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


def _advice(
    package: Package,
    placed: Placed,
    advisories: list[Advisory],
    count: int,
    catalog: fixes.VersionCatalog | None,
) -> str:
    """One fix for every advisory on the package, along the chain its path came from."""
    route = placed.routes[0]
    context = fixes.FixContext(placed.manager, route.workspace, catalog)
    return fixes.advice(package, route.steps, advisories, count, context)


#: Other chains listed in the message; the rest are counted.
MAX_CHAINS_SHOWN = 3


def _via(placed: Placed) -> str:
    """` via a@1 > b@2; also via c@3` -- every chain up to the package, the first being the
    one the fix advice follows; a direct dependency's own entry needs no "via"."""
    upstream = [_upstream(route) for route in placed.routes]
    first, others = upstream[0], [u for u in upstream[1:] if u]
    shown = others[:MAX_CHAINS_SHOWN]
    text = f" via {first}" if first else ""
    if shown:
        text += ("; also via " if first else ", also via ") + "; also via ".join(shown)
    more = len(others) - len(shown)
    return text + (f"; and {more} more path{'s' if more > 1 else ''}" if more > 0 else "")


def _upstream(route: Route) -> str:
    """A chain up to (not including) the package itself."""
    where = [f"{route.workspace.folder} (workspace)"] if route.workspace.folder else []
    return " > ".join([*where, *(str(link) for link in route.steps[:-1])])


def _finding(matches: list[Match], placed: Placed, fix: str, index: ImportIndex) -> Finding:
    """The DEP001 finding of one package@version: every advisory and install path in it."""
    package = matches[0].package
    # An advisory naming no function affects the whole package: then any use counts.
    functions = () if any(not m.functions for m in matches) else _functions(matches)
    verdict = judge(package, index, functions)
    primary = placed.routes[0]
    anchor = primary.anchor
    location = PackageLocation(
        manifest=anchor.manifest if anchor else package.manifest,
        package=package.name,
        version=package.version,
        dependency_path=package.dependency_path,
        line=anchor.line if anchor else placed.lockfile_line,
        reachability=verdict.reachability,
    )
    distinct = _distinct_advisories(matches)
    installed = f"{package.alias} (npm:{package.name})" if package.alias else package.name
    reach = f"{verdict.reachability.value}: {verdict.note}"
    if len(distinct) == 1:
        match = distinct[0]
        advisory = match.advisory
        fixed = f"fixed in {match.fixed}" if match.fixed else "no fixed version known"
        affected = (
            f"affected by {', '.join(match.ids)}: "
            f"{advisory.summary.strip() or 'see the advisory'} ({fixed}; {reach})"
            + (f" [{', '.join(f'CWE-{c}' for c in advisory.cwes)}]" if advisory.cwes else "")
            + (f" {advisory.url}" if advisory.url else "")
        )
    else:
        listed = "; ".join(_advisory_line(m) for m in distinct)
        affected = f"affected by {len(distinct)} advisories ({reach}): {listed}"
    keys = sorted({m.package.key for m in matches if m.package.key})
    paths = f"; installed at {len(keys)} paths: {', '.join(keys)}" if len(keys) > 1 else ""
    message = (
        f"{installed}@{package.version} ({package.scope.value} dependency{_via(placed)}) is "
        f"{affected}{paths}"
    )
    related = [*_lockfile_evidence(package, placed, anchor), *_other_routes(placed)]
    related += [
        Evidence(site, f"where the app reaches {package.name}") for site in verdict.evidence
    ]
    finding = VULNERABLE_DEPENDENCY.finding(
        location,
        message,
        fix=fix,
        severity=max(m.advisory.severity for m in distinct),
        confidence=package.confidence,
        evidence=tuple(related),
    )
    # The fingerprint stays the installed package in its lockfile, as before findings
    # moved to package.json, so existing baselines keep matching.
    identity = PackageLocation(package.manifest, package.name, package.version)
    return replace(
        finding,
        fingerprint=fingerprint_of(finding.rule, identity),
        advisory_ids=tuple(tuple(m.ids) for m in distinct),
    )


def _functions(matches: list[Match]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for m in matches for f in m.functions))


def _advisory_line(match: Match) -> str:
    """`GHSA-x (CVE-y, high): summary, fixed in 1.2.3`, one advisory of a grouped finding."""
    advisory = match.advisory
    fixed = f"fixed in {match.fixed}" if match.fixed else "no fixed version known"
    names = f"{match.ids[0]} ({', '.join((*match.ids[1:], advisory.severity.label))})"
    return f"{names}: {advisory.summary.strip() or 'see the advisory'}, {fixed}"


def _lockfile_evidence(package: Package, placed: Placed, anchor: Anchor | None) -> list[Evidence]:
    if placed.lockfile_line is None or anchor is None:
        return []  # no lockfile, or the finding already points at the entry
    entry = PackageLocation(
        manifest=package.manifest,
        package=package.name,
        version=package.version,
        dependency_path=package.dependency_path,
        line=placed.lockfile_line,
    )
    where = f"{package.manifest}:{placed.lockfile_line}"
    return [Evidence(entry, f"lockfile entry of {package.name}@{package.version} ({where})")]


def _other_routes(placed: Placed) -> list[Evidence]:
    """The other direct dependencies that pull the package in, at their package.json line."""
    primary = placed.routes[0].anchor
    found = []
    seen = {primary}
    for route in placed.routes[1:]:
        if route.anchor is None or route.anchor in seen:
            continue
        seen.add(route.anchor)
        where = SourceLocation(route.anchor.manifest, route.anchor.line)
        at = f"{route.anchor.manifest}:{route.anchor.line}"
        found.append(Evidence(where, f"also pulled in via {route} ({at})"))
    return found


__all__ = ["Package", "run_audit"]
