"""The dependency audit's packages and matches as report data (findings.InstalledPackage,
findings.KnownVulnerability), which the SBOM format renders."""

from __future__ import annotations

from collections.abc import Iterable

from nodeward.deps.lockfiles.interface import Package
from nodeward.deps.matching import Match
from nodeward.findings import Finding, InstalledPackage, KnownVulnerability, PackageLocation


def package_ref(package: Package) -> str:
    """A package's id in the report, unique across lockfiles and installed copies."""
    return f"{package.manifest}#{package.key}"


def inventory_of(packages: Iterable[Package]) -> list[InstalledPackage]:
    packages = list(packages)
    refs = {(p.manifest, p.key) for p in packages}
    return [
        InstalledPackage(
            ref=package_ref(p),
            name=p.name,
            version=p.version,
            manifest=p.manifest,
            project=p.root_name,
            scope=p.scope.value,
            direct=p.is_direct,
            source=p.kind.value,
            install_path=p.key if "node_modules/" in p.key else None,
            requires=tuple(f"{p.manifest}#{k}" for k in p.requires if (p.manifest, k) in refs),
        )
        for p in packages
    ]


def vulnerability_of(match: Match, finding: Finding, database: str) -> KnownVulnerability:
    """The advisory `match` found, tied to the DEP001 finding it produced."""
    advisory = match.advisory
    location = finding.location
    return KnownVulnerability(
        id=advisory.id,
        aliases=match.ids[1:],
        summary=advisory.summary.strip(),
        severity=advisory.severity,
        database=database,
        affects=(package_ref(match.package),),
        finding=finding.fingerprint,
        url=advisory.url,
        cvss_vector=advisory.cvss_vector,
        cwes=advisory.cwes,
        fixed=match.fixed,
        reachability=location.reachability if isinstance(location, PackageLocation) else None,
    )
