"""DEP003-DEP005: deprecated, majors-behind and unmaintained dependencies, judged from the
registry's package documents.

Every finding is anchored at a direct dependency in package.json: that is the line a
developer changes. A deprecated transitive package is listed on the finding of the direct
dependency that brings it (one finding per direct dependency), because upgrading or
replacing that direct dependency is the fix.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from nodeward.catalog.dependencies import (
    DEPRECATED_DEPENDENCY,
    OUTDATED_DEPENDENCY,
    UNMAINTAINED_DEPENDENCY,
)
from nodeward.deps import semver
from nodeward.deps.lockfiles.interface import Package, Step
from nodeward.deps.registry.metadata import PackageMetadata
from nodeward.findings import Finding, PackageLocation, Severity

#: No release for this long makes a direct dependency "unmaintained" (see DEP005's doc).
UNMAINTAINED_AFTER = timedelta(days=3 * 365)
#: Deprecated packages named on one finding; the rest are counted.
MAX_LISTED = 8


@dataclass(frozen=True)
class _Direct:
    package: Package
    manifest: str  # the package.json that declares it
    step: Step  # how that package.json declares it
    deprecated: str | None  # its own deprecation message
    brings: tuple[tuple[Package, str], ...]  # deprecated packages below it, with messages


def _declared_in(root: Path, package: Package) -> tuple[str, tuple[Step, ...]]:
    """The package.json a dependency path starts from, and the path from there: an npm
    workspace member's own dependencies are direct dependencies of its package.json."""
    base = posixpath.dirname(package.manifest)
    first = package.path[0]
    if len(package.path) > 1 and first.spec.startswith("workspace:"):
        member = posixpath.normpath(posixpath.join(base, first.spec.removeprefix("workspace:")))
        manifest = posixpath.join(member, "package.json")
        if not member.startswith("..") and (root / manifest).is_file():
            return manifest, package.path[1:]
    return posixpath.join(base, "package.json"), package.path


def check(
    root: Path,
    packages: Iterable[Package],
    metadata: dict[str, PackageMetadata],
    enabled: set[str],
    now: datetime,
) -> list[Finding]:
    direct: dict[tuple[str, str], tuple[Package, Step]] = {}
    below: dict[tuple[str, str], list[tuple[Package, str]]] = defaultdict(list)
    for package in packages:
        if not package.matchable or not package.path:
            continue
        manifest, path = _declared_in(root, package)
        key = (manifest, path[0].name)
        if len(path) == 1:
            # A root edge has the declared range; a package the lockfile lists but the
            # root does not reach has none, and is no direct dependency.
            if path[0].spec:
                direct[key] = (package, path[0])
            continue
        message = _deprecation(package, metadata)
        if message is not None:
            below[key].append((package, message))
    findings: list[Finding] = []
    texts: dict[Path, str] = {}
    for key, (package, step) in sorted(direct.items()):
        meta = metadata.get(package.name)
        if meta is None:
            continue
        own = _deprecation(package, metadata)
        judged = _Direct(package, key[0], step, own, tuple(below.get(key, ())))
        location = _location(root, judged, texts)
        if DEPRECATED_DEPENDENCY.code in enabled and (judged.deprecated or judged.brings):
            findings.append(_deprecated_finding(judged, location))
        if OUTDATED_DEPENDENCY.code in enabled:
            findings += _majors_behind(judged, meta, location)
        if UNMAINTAINED_DEPENDENCY.code in enabled and judged.deprecated is None:
            findings += _unmaintained(package, meta, location, now)
    return findings


def _deprecation(package: Package, metadata: dict[str, PackageMetadata]) -> str | None:
    meta = metadata.get(package.name)
    return meta.deprecated.get(package.version) if meta is not None else None


def _shown(package: Package) -> str:
    name = f"{package.alias} (npm:{package.name})" if package.alias else package.name
    return f"{name}@{package.version}"


def _deprecated_finding(judged: _Direct, location: PackageLocation) -> Finding:
    package = judged.package
    parts = []
    if judged.deprecated is not None:
        parts.append(f'{_shown(package)} is deprecated: "{judged.deprecated}"')
    if judged.brings:
        seen = sorted({(str(p.name), p.version, m) for p, m in judged.brings})
        listed = "; ".join(f'{n}@{v} ("{m}")' for n, v, m in seen[:MAX_LISTED])
        more = f"; and {len(seen) - MAX_LISTED} more" if len(seen) > MAX_LISTED else ""
        lead = "it also brings" if parts else f"{_shown(package)} brings"
        noun = "package" if len(seen) == 1 else "packages"
        parts.append(f"{lead} {len(seen)} deprecated {noun}: {listed}{more}")
    own = judged.deprecated is not None
    fix = (
        f"Replace {package.name} with what its deprecation message recommends"
        if own
        else f"Upgrade {package.name} to a release that no longer depends on the deprecated "
        "packages, or replace it"
    )
    return DEPRECATED_DEPENDENCY.finding(
        location,
        "; ".join(parts),
        fix=fix,
        severity=Severity.MEDIUM if own else Severity.LOW,
        confidence=min(DEPRECATED_DEPENDENCY.confidence, package.confidence),
    )


def _majors_behind(
    judged: _Direct, meta: PackageMetadata, location: PackageLocation
) -> list[Finding]:
    package = judged.package
    installed = semver.try_parse(package.version)
    latest = semver.try_parse(meta.latest or "")
    # A prerelease tagged `latest` is a publishing slip, not a release to upgrade to.
    if installed is None or latest is None or latest.prerelease:
        return []
    if latest.major <= installed.major:
        return []
    behind = latest.major - installed.major
    noun = "major version" if behind == 1 else "major versions"
    spec = judged.step.spec
    return [
        OUTDATED_DEPENDENCY.finding(
            location,
            f"{_shown(package)} is {behind} {noun} behind the latest release {latest}"
            + (f" (package.json allows {spec})" if spec else ""),
            fix=f'Upgrade {package.name} to {latest} (package.json: "{judged.step.name}": '
            f'"^{latest}"), following its migration notes',
            confidence=min(OUTDATED_DEPENDENCY.confidence, package.confidence),
        )
    ]


def _unmaintained(
    package: Package, meta: PackageMetadata, location: PackageLocation, now: datetime
) -> list[Finding]:
    published = meta.latest_published
    if published is None or now - published <= UNMAINTAINED_AFTER:
        return []
    years = (now - published).days / 365.25
    return [
        UNMAINTAINED_DEPENDENCY.finding(
            location,
            f"{_shown(package)}: the latest release of {package.name} ({meta.latest}) was "
            f"published on {published.date().isoformat()}, {years:.1f} years ago",
            confidence=min(UNMAINTAINED_DEPENDENCY.confidence, package.confidence),
        )
    ]


def _location(root: Path, judged: _Direct, texts: dict[Path, str]) -> PackageLocation:
    """The declaring package.json, at the line of the direct dependency."""
    package = judged.package
    return PackageLocation(
        manifest=judged.manifest,
        package=package.name,
        version=package.version,
        dependency_path=package.dependency_path,
        line=_declaration_line(_text(root / judged.manifest, texts), judged.step.name),
    )


def _text(path: Path, texts: dict[Path, str]) -> str:
    if path not in texts:
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            texts[path] = ""
    return texts[path]


def _declaration_line(text: str, name: str) -> int | None:
    """The line of `"name": ...` inside a dependencies section of package.json."""
    for match in re.finditer(rf'"{re.escape(name)}"\s*:', text):
        before = text.rfind("Dependencies", 0, match.start())
        before = max(before, text.rfind('"dependencies"', 0, match.start()))
        if before != -1:
            return text.count("\n", 0, match.start()) + 1
    return None
