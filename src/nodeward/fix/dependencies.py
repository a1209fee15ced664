"""Vulnerable dependencies (DEP001): the version in package.json raised to the one the
audit's fix advice names (nodeward.deps.fixes: "Upgrade NAME to VERSION or later"), keeping
the range's own prefix (^, ~ or exact). The lockfile changes only when the user runs the
package manager, so the fix says which command; the verifier checks the patched
package.json parses and that nothing new appears, not that the finding is gone."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding, PackageLocation
from nodeward.fix.manifest import dependency_value
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import Workspace
from nodeward.source import syntax

#: The direct-upgrade advice of nodeward.deps.fixes.advice.
DIRECT_UPGRADE = re.compile(r"^Upgrade (?P<name>\S+) to (?P<version>[0-9][^\s]*) or later \(")
LOCKFILE_COMMANDS = (
    ("package-lock.json", "npm install"),
    ("npm-shrinkwrap.json", "npm install"),
    ("yarn.lock", "yarn install"),
    ("pnpm-lock.yaml", "pnpm install"),
)


def _lockfile_command(workspace: Workspace, manifest: str) -> str:
    folder = posixpath.dirname(manifest)
    for lockfile, command in LOCKFILE_COMMANDS:
        if workspace.file(posixpath.join(folder, lockfile) if folder else lockfile):
            return command
    return "npm install"


def _dependencies(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        location = finding.location
        advice = DIRECT_UPGRADE.match(finding.fix)
        if not isinstance(location, PackageLocation) or advice is None:
            yield NeedsPerson(finding, f"the advice is not a direct upgrade: {finding.fix}")
            continue
        name, version = advice.group("name"), advice.group("version")
        manifest_rel = location.manifest
        if posixpath.basename(manifest_rel) != "package.json":
            yield NeedsPerson(finding, f"{name} is not declared in a package.json: {finding.fix}")
            continue
        manifest = workspace.file(manifest_rel)
        value = dependency_value(manifest, name) if manifest is not None else None
        spec = syntax.string_value(value) if value is not None else None
        if manifest is None or value is None or spec is None or not _plain(spec):
            yield NeedsPerson(finding, f"{manifest_rel} does not declare {name} as a version")
            continue
        prefix = spec[0] if spec[0] in "^~" else ""
        old_major = spec.lstrip("^~").split(".")[0]
        note = (
            f"a new major version ({old_major} to {version.split('.')[0]}): check {name}'s "
            "changelog for breaking changes"
            if old_major != version.split(".")[0]
            else ""
        )
        edit = Edit(manifest.rel, value.start_byte - 1, value.end_byte - 1, f'"{prefix}{version}"')
        yield Fix(
            f"upgrade {name} to {prefix}{version}",
            (finding,),
            (edit,),
            note=note,
            settles_after=_lockfile_command(workspace, manifest_rel),
        )


def _plain(spec: str) -> bool:
    """A version or a ^/~ range of one version (not a tag, URL, alias or OR-range)."""
    return re.fullmatch(r"[\^~]?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?", spec) is not None


FIXERS: Iterable[Fixer] = (Fixer("dependency-upgrade", frozenset({"DEP001"}), _dependencies),)
