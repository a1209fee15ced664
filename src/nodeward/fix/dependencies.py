"""Vulnerable dependencies (DEP001): the version in package.json raised to the one the
audit's fix advice names (nodeward.deps.fixes: "Upgrade NAME to VERSION or later"), keeping
the range's own prefix (^, ~ or exact). The lockfile changes only when the user runs the
package manager, so the fix says which command; the verifier checks the patched
package.json parses and that nothing new appears, not that the finding is gone. A
transitive package whose dependent excludes the fixed version is pinned from the root
package.json when the advice says so (`overrides` for npm, `resolutions` for yarn): one
fix per package.json for all of its pins."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding, PackageLocation
from nodeward.fix.manifest import Pins, add_overrides, dependency_value
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import Workspace
from nodeward.source import syntax

#: The direct-upgrade advice of nodeward.deps.fixes.advice.
DIRECT_UPGRADE = re.compile(r"^Upgrade (?P<name>\S+) to (?P<version>[0-9][^\s]*) or later \(")
#: The pin advice of nodeward.deps.managers.override, for npm and yarn.
PIN = re.compile(
    r'add "(?P<key>overrides|resolutions)": \{"(?P<name>[^"]+)": "(?P<version>[^"]+)"\} '
    r"to the root package\.json, then run (?P<command>npm install|yarn install)"
)
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
    pins: dict[str, list[tuple[Finding, re.Match[str]]]] = {}
    for finding in findings:
        location = finding.location
        advice = DIRECT_UPGRADE.match(finding.fix)
        pin = PIN.search(finding.fix)
        if isinstance(location, PackageLocation) and advice is None and pin is not None:
            pins.setdefault(location.manifest, []).append((finding, pin))
            continue
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
    for manifest_rel, advised in pins.items():
        yield from _pins(workspace, manifest_rel, advised)


def _pins(
    workspace: Workspace, manifest_rel: str, advised: list[tuple[Finding, re.Match[str]]]
) -> Iterator[Proposal]:
    """One fix that adds every pin the advice names to the root package.json, each scoped
    to the package that requires the vulnerable version (an npm override nested under it,
    a yarn resolution `parent/name`), so that other copies are not forced to it."""
    manifest = workspace.file(manifest_rel)
    pins: Pins = {}
    reason = ""
    if posixpath.basename(manifest_rel) != "package.json" or manifest is None:
        reason = f"{manifest_rel} is not a package.json to pin in"
    keys = {pin.group("key") for _, pin in advised}
    for finding, pin in advised:
        scoped = _scoped(finding, pin)
        if scoped is None:
            reason = reason or "the advice names no dependent to scope the pin to"
            continue
        scope, name, version = scoped
        below = pins.setdefault(scope, {}) if scope else pins
        if isinstance(below, str) or below.get(name, version) != version:
            reason = reason or f"the advice pins {name} at different versions: pick one"
            continue
        below[name] = version
    edit = (
        add_overrides(manifest, keys.pop(), pins)
        if manifest is not None and not reason and len(keys) == 1
        else reason or "the advice mixes package managers"
    )
    if isinstance(edit, str):
        yield from (NeedsPerson(f, f"{edit}: {f.fix}") for f, _ in advised)
        return
    names = sorted({f"{p.group('name')}@{p.group('version')}" for _, p in advised})
    yield Fix(
        f"pin {', '.join(names)} below the packages that require a vulnerable version",
        tuple(f for f, _ in advised),
        (edit,),
        note="drop the pin once its dependent allows the fixed version",
        settles_after=advised[0][1].group("command"),
    )


def _scoped(finding: Finding, pin: re.Match[str]) -> tuple[str, str, str] | None:
    """(the npm override's parent key or "", the pinned key, the version): npm nests the
    pin under the dependent; yarn names the path `parent/name`, for a dependent that is a
    direct dependency (the pattern both yarn 1 and later read alike)."""
    location = finding.location
    path = location.dependency_path if isinstance(location, PackageLocation) else ()
    if len(path) < 3:
        return None
    parent = path[-2].rpartition("@")[0] or path[-2]
    name, version = pin.group("name"), pin.group("version")
    if pin.group("key") == "overrides":
        return parent, name, version
    if len(path) != 3:
        return None
    return "", f"{parent}/{name}", version


def _plain(spec: str) -> bool:
    """A version or a ^/~ range of one version (not a tag, URL, alias or OR-range)."""
    return re.fullmatch(r"[\^~]?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?", spec) is not None


FIXERS: Iterable[Fixer] = (Fixer("dependency-upgrade", frozenset({"DEP001"}), _dependencies),)
