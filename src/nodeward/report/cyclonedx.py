"""CycloneDX 1.5 JSON (`--format cyclonedx`): a software bill of materials.

Every package copy the lockfiles install is a component (purl, scope, direct or transitive,
dev flag, install path), the lockfile's edges are the `dependencies` graph, and the
advisories the dependency audit matched are `vulnerabilities`. Built with
cyclonedx-python-lib, which is imported only when this format is chosen (it costs about
0.1 s of start-up).

The document is reproducible: no timestamp, `cdx:reproducible` set, and a serial number
that is a UUID5 of the document's own content. The spec wants a serial that is unique per
BOM; one derived from the content is unique for distinct BOMs and the same for the same
scan, so two runs over the same project diff clean.
"""

from __future__ import annotations

import hashlib
import posixpath
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from nodeward.findings import InstalledPackage, KnownVulnerability, Report, Severity
from nodeward.report.neutralize import json_text

if TYPE_CHECKING:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component
    from cyclonedx.model.vulnerability import Vulnerability, VulnerabilitySource

#: Properties from CycloneDX's `cdx:npm` taxonomy, then nodeward's own.
DEVELOPMENT = "cdx:npm:package:development"
INSTALL_PATH = "cdx:npm:package:path"
REPRODUCIBLE = "cdx:reproducible"
DEPENDENCY = "nodeward:dependency"  # direct or transitive
MANIFEST = "nodeward:manifest"  # the lockfile (or package.json) the package comes from
SOURCE = "nodeward:source"  # workspace, link, file, git, other: not a registry package
REACHABILITY = "nodeward:reachability"
SKIP = "nodeward:skip"  # what the scan could not read, as `target: reason`

_PLACEHOLDER = uuid.UUID(int=0)
#: Namespace of the content-derived serial numbers (a UUID5 of nodeward's name).
_SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "nodeward.sbom")

_DATABASES = {
    "GHSA": ("GitHub Advisory Database", "https://github.com/advisories"),
    "CVE": ("NVD", "https://nvd.nist.gov/"),
    "NSWG": ("Node.js Security WG", "https://github.com/nodejs/security-wg"),
}


def render(report: Report) -> str:
    from cyclonedx.output.json import JsonV1Dot5

    bom = build_bom(report)
    # Every output calls Bom.validate (deprecated upstream), which looks up each component's
    # dependency entry with a linear search: quadratic in the package count (22 s instead
    # of 6.5 s for 6,000 packages). build_bom already gives every component its entry and
    # only refs that exist, and sets no licenses, which is all validate checks or adds, so
    # the document is the same without it (tests/report/test_cyclonedx.py compares both).
    object.__setattr__(bom, "validate", lambda: True)
    # Package names, paths and advisory texts come from the scanned tree and the advisory
    # data: no raw control or bidi character reaches the document's bytes.
    text = json_text(JsonV1Dot5(bom).output_as_string(indent=2))
    return with_serial(text)


def with_serial(text: str) -> str:
    """The document with its placeholder serial replaced by a UUID5 of its content."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    serial = uuid.uuid5(_SERIAL_NAMESPACE, digest)
    # The whole member, not the bare urn: a package name could spell the placeholder, but
    # not an unescaped quote before it.
    field = '"serialNumber": "{}"'
    return text.replace(field.format(_PLACEHOLDER.urn), field.format(serial.urn), 1) + "\n"


def build_bom(report: Report) -> Bom:
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.dependency import Dependency

    from nodeward import __version__

    projects = _projects(report)
    components = {p.ref: _component(p) for p in report.packages}
    if len(projects) == 1:
        ((project_ref, project_name),) = projects.items()
        root = Component(name=project_name, type=ComponentType.APPLICATION, bom_ref=project_ref)
        parents = {project_ref: root}
    else:
        root = Component(
            name=posixpath.basename(report.root.rstrip("/")) or report.root,
            type=ComponentType.APPLICATION,
            bom_ref=".",
        )
        parents = {
            ref: Component(
                name=name,
                type=ComponentType.APPLICATION,
                bom_ref=ref,
                properties=[Property(name=MANIFEST, value=ref.removesuffix("#"))],
            )
            for ref, name in projects.items()
        }
    tool = Component(
        name="nodeward",
        version=report.tool_version or __version__,
        type=ComponentType.APPLICATION,
    )
    notes = [Property(name=SKIP, value=f"{s.target}: {s.reason}") for s in report.skips]
    metadata = BomMetaData(
        component=root, properties=[Property(name=REPRODUCIBLE, value="true"), *notes]
    )
    # Reproducible: no time-based values. The setter accepts None (the serializer then
    # omits the field) though its annotation says datetime.
    metadata.timestamp = None  # type: ignore[assignment]
    metadata.tools.components.add(tool)
    subprojects = [c for c in parents.values() if c is not root]
    bom = Bom(
        components=[*subprojects, *components.values()],
        metadata=metadata,
        serial_number=_PLACEHOLDER,
        vulnerabilities=_vulnerabilities(report),
    )
    direct: dict[str, list[str]] = defaultdict(list)
    for package in report.packages:
        if package.direct:
            direct[_project_ref(package)].append(package.ref)
    if subprojects:
        bom.dependencies.add(Dependency(root.bom_ref, [Dependency(c.bom_ref) for c in subprojects]))
    for ref, component in parents.items():
        children = [Dependency(components[child].bom_ref) for child in direct.get(ref, [])]
        bom.dependencies.add(Dependency(component.bom_ref, children))
    for package in report.packages:
        children = [Dependency(components[r].bom_ref) for r in package.requires if r in components]
        bom.dependencies.add(Dependency(components[package.ref].bom_ref, children))
    return bom


def _project_ref(package: InstalledPackage) -> str:
    return f"{package.manifest}#"


def _projects(report: Report) -> dict[str, str]:
    """Each lockfile's project: its bom-ref and name, in manifest order."""
    projects: dict[str, str] = {}
    for package in sorted(report.packages, key=lambda p: p.manifest):
        ref = _project_ref(package)
        if ref not in projects:
            folder = posixpath.dirname(package.manifest)
            fallback = posixpath.basename(folder or report.root.rstrip("/")) or "project"
            projects[ref] = package.project if package.project != "." else fallback
    if not projects:
        projects["."] = posixpath.basename(report.root.rstrip("/")) or "project"
    return projects


def _component(package: InstalledPackage) -> Component:
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentScope
    from packageurl import PackageURL

    # npm scopes are the group (`@scope/name`); a pnpm workspace is named by its folder.
    scoped = package.name.startswith("@") and "/" in package.name
    group, _, name = package.name.partition("/") if scoped else ("", "", package.name)
    registry = package.source == "registry"
    purl = None
    if registry:
        try:
            purl = PackageURL("npm", group or None, name, package.version or None)
        except ValueError:  # a lockfile entry with no usable name: listed without a purl
            purl = None
    properties = [
        Property(name=DEPENDENCY, value="direct" if package.direct else "transitive"),
        Property(name=MANIFEST, value=package.manifest),
    ]
    if package.scope == "dev":
        properties.append(Property(name=DEVELOPMENT, value="true"))
    if package.install_path:
        properties.append(Property(name=INSTALL_PATH, value=package.install_path))
    if not registry:
        properties.append(Property(name=SOURCE, value=package.source))
    required = package.scope in ("prod", "peer")
    return Component(
        name=name,
        group=group or None,
        version=package.version,
        bom_ref=package.ref,
        purl=purl,
        scope=ComponentScope.REQUIRED if required else ComponentScope.OPTIONAL,
        properties=properties,
    )


def _vulnerabilities(report: Report) -> list[Vulnerability]:
    """One entry per advisory, affecting every copy it matched; the advisories whose
    DEP001 finding was suppressed or matched the baseline are left out, as in the report."""
    reported = {f.fingerprint for f in report.findings}
    by_id: dict[str, list[KnownVulnerability]] = defaultdict(list)
    for known in report.vulnerabilities:
        if known.finding in reported:
            by_id[known.id].append(known)
    return [_vulnerability(matches) for _, matches in sorted(by_id.items())]


def _source(vid: str, database: str, url: str = "") -> VulnerabilitySource:
    from cyclonedx.model import XsUri
    from cyclonedx.model.vulnerability import VulnerabilitySource

    name, home = _DATABASES.get(vid.split("-", 1)[0], (database, ""))
    link = url or home
    return VulnerabilitySource(name=name, url=XsUri(link) if link else None)


def _vulnerability(matches: Iterable[KnownVulnerability]) -> Vulnerability:
    from cyclonedx.model import Property
    from cyclonedx.model.vulnerability import (
        BomTarget,
        Vulnerability,
        VulnerabilityRating,
        VulnerabilityReference,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
    )

    matches = list(matches)
    first = matches[0]
    source = _source(first.id, first.database, first.url)
    method = None
    if first.cvss_vector:
        vector = first.cvss_vector
        if vector.startswith("CVSS:4."):
            method = VulnerabilityScoreSource.CVSS_V4
        elif vector.startswith("CVSS:3.1/"):
            method = VulnerabilityScoreSource.CVSS_V3_1
        elif vector.startswith("CVSS:3."):
            method = VulnerabilityScoreSource.CVSS_V3
        else:
            method = VulnerabilityScoreSource.CVSS_V2
    severity = {
        Severity.INFO: VulnerabilitySeverity.INFO,
        Severity.LOW: VulnerabilitySeverity.LOW,
        Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
        Severity.HIGH: VulnerabilitySeverity.HIGH,
        Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    }[first.severity]
    rating = VulnerabilityRating(
        source=source, severity=severity, method=method, vector=first.cvss_vector
    )
    reachable = sorted({m.reachability.value for m in matches if m.reachability is not None})
    fixes = sorted({m.fixed for m in matches if m.fixed})
    return Vulnerability(
        bom_ref=first.id,
        id=first.id,
        source=source,
        references=[
            VulnerabilityReference(id=alias, source=_source(alias, first.database))
            for alias in sorted({a for m in matches for a in m.aliases} - {first.id})
        ],
        ratings=[rating],
        cwes=first.cwes,
        description=first.summary or None,
        recommendation=f"Upgrade to {' or '.join(fixes)} or later" if fixes else None,
        affects=[BomTarget(ref=ref) for ref in sorted({r for m in matches for r in m.affects})],
        properties=[Property(name=REACHABILITY, value=",".join(reachable))] if reachable else [],
    )
