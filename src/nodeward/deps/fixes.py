"""Fix advice that works: the one version of a vulnerable package that clears *every*
advisory on it, and the smallest change that gets the project there.

The walk, nearest change first: the vulnerable package's parent already allows a fixed
version (refresh the lockfile); else an ancestor whose own declared range allows a release
that pulls a fixed version (update that ancestor); else a release of the direct dependency
that does; else an override pinned to a version that is itself checked against every
advisory. Which releases exist and what they depend on is registry knowledge: a
`VersionCatalog` answers when the caller has one, and without it (offline) the advice
says what the lockfile and the advisories know, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from nodeward.deps import semver
from nodeward.deps.advisories.interface import Advisory, Affected, EventKind
from nodeward.deps.chains import Link
from nodeward.deps.lockfiles.interface import Package
from nodeward.deps.managers import ROOT, Manager, Workspace, install, override, update
from nodeward.deps.matching import affects

#: How many releases of a direct dependency the advice tries before it gives up on one.
MAX_RELEASES_TRIED = 500


class VersionCatalog(Protocol):
    """What the registry knows about published packages (the registry client implements
    it; tests pass an in-memory one). None means "not known", never "none exist"."""

    def versions(self, name: str) -> list[str] | None:
        """Every published version of `name`."""

    def dependencies(self, name: str, version: str) -> Mapping[str, str] | None:
        """What one release installs with it: its `dependencies`, `optionalDependencies`
        and `peerDependencies`, name -> range (a name absent is not depended on)."""


class Clearance:
    """Which versions of one package no advisory affects: the complement of the union
    of every advisory's affected ranges, withdrawn advisories aside."""

    def __init__(self, name: str, advisories: Iterable[Advisory]) -> None:
        self.name = name
        self.entries: tuple[Affected, ...] = tuple(
            entry
            for advisory in advisories
            if not advisory.withdrawn
            for entry in advisory.affected
            if entry.package == name
        )

    def clear(self, version: str) -> bool:
        return not any(affects(entry, version) for entry in self.entries)

    def candidates(self, catalog: VersionCatalog | None) -> list[str]:
        """Releases that may fix: the registry's list, or offline the advisories' own
        upper bounds (`fixed` events, `<X` in npm ranges) as releases."""
        listed = catalog.versions(self.name) if catalog is not None else None
        if listed is not None:
            return listed
        bounds: set[str] = set()
        for entry in self.entries:
            for events in entry.events:
                bounds.update(e.version for e in events if e.kind is EventKind.FIXED)
            if entry.npm_range is not None:
                try:
                    sets = semver.parse_range(entry.npm_range, include_prerelease=True)
                except semver.InvalidVersion:
                    continue
                bounds.update(str(bound) for s in sets for op, bound in s if op == "<")
        # `<3.11.0-0` means "fixed in 3.11.0": offer the release, not the `-0` bound.
        releases = set()
        for text in bounds:
            parsed = semver.try_parse(text)
            if parsed is not None:
                releases.add(str(semver.Version(parsed.major, parsed.minor, parsed.patch)))
        return sorted(releases, key=semver.parse)

    def target(self, installed: str, catalog: VersionCatalog | None) -> str | None:
        """The lowest release above `installed` that no advisory affects."""
        current = semver.try_parse(installed)
        if current is None:
            return None
        best: tuple[semver.Version, str] | None = None
        for text in self.candidates(catalog):
            parsed = semver.try_parse(text)
            if parsed is None or parsed.prerelease or parsed <= current:
                continue
            if (best is None or parsed < best[0]) and self.clear(text):
                best = (parsed, text)
        return best[1] if best else None

    def allowed(self, range_: str, catalog: VersionCatalog | None) -> str | None:
        """The fixed version a refresh within `range_` resolves to: with a catalog, the
        newest release in range when it is clear; offline, the lowest clear bound in it."""
        if catalog is not None and catalog.versions(self.name) is not None:
            newest = newest_in(catalog, self.name, range_)
            return newest if newest is not None and self.clear(newest) else None
        for text in self.candidates(None):
            if semver.satisfies(text, range_) and self.clear(text):
                return text
        return None


def newest_in(catalog: VersionCatalog, name: str, range_: str) -> str | None:
    """What npm resolves `range_` to: its newest release (prereleases only when asked)."""
    best: tuple[semver.Version, str] | None = None
    for text in catalog.versions(name) or ():
        parsed = semver.try_parse(text)
        newer = parsed is not None and (best is None or parsed > best[0])
        if newer and parsed is not None and semver.satisfies(text, range_):
            best = (parsed, text)
    return best[1] if best else None


def _pulls_fix(
    catalog: VersionCatalog, links: Sequence[Link], range_: str, clearance: Clearance
) -> str | None:
    """The release `range_` resolves `links[0]` to, when the chain below it then ends in
    a fixed version (or no longer reaches the package); None when not or not known."""
    version = newest_in(catalog, links[0].node.name, range_)
    if version is None:
        return None
    if len(links) == 1:
        return version if clearance.clear(version) else None
    declared = catalog.dependencies(links[0].node.name, version)
    if declared is None:
        return None
    below = declared.get(links[1].edge.name)
    if below is None:
        return version  # this release no longer depends on it
    return version if _pulls_fix(catalog, links[1:], below, clearance) else None


@dataclass(frozen=True)
class FixContext:
    manager: Manager
    workspace: Workspace = ROOT
    catalog: VersionCatalog | None = None


def _chain_text(links: Sequence[Link]) -> str:
    return " > ".join(str(link) for link in links)


def _fixes_all(count: int) -> str:
    return "fixes the advisory" if count <= 1 else f"fixes all {count} advisories"


def _spec(package: Package, installed_as: str, version: str) -> str:
    if package.alias:
        return f"{installed_as}@npm:{package.name}@^{version}"
    return f"{installed_as}@^{version}"


def advice(
    package: Package,
    steps: Sequence[Link],
    advisories: Iterable[Advisory],
    count: int,
    context: FixContext,
) -> str:
    """The fix for every advisory on `package` at once. `steps` is the dependency chain
    from the direct dependency (a workspace's, inside a workspace) to the package; empty
    when the lockfile does not tell how it is pulled in."""
    name = package.alias or package.name
    catalog = context.catalog
    clearance = Clearance(package.name, advisories)
    target = clearance.target(package.version, catalog)
    if target is None:
        return (
            f"No fixed version of {package.name} after {package.version} is known: remove "
            f"or replace {name}, or accept the risk with a suppression that gives the reason"
        )
    fixes_all = _fixes_all(count)
    manager, where = context.manager, context.workspace
    scope = steps[0].edge.scope if steps else package.scope
    if len(steps) <= 1:
        command = install(manager, where, _spec(package, name, target), scope)
        return f"Upgrade {name} to {target} or later ({fixes_all}): {command}"
    chain = f"(path: {_chain_text(steps)})"
    parent, spec = steps[-2], steps[-1].edge.spec
    allowed = clearance.allowed(spec, catalog) if spec else None
    if allowed is not None:
        return (
            f'{parent} already allows {package.name} {allowed} ("{spec}"), which {fixes_all}; '
            f"refresh the lockfile: {update(manager, where, name, package.version)} {chain}"
        )
    pin = override(manager, package.name, target)
    excludes = (
        f"{parent} requires {package.name} {spec or '(an unknown range)'}, which excludes "
        f"{target}, the lowest version that {fixes_all}"
    )
    direct = steps[0]
    if catalog is not None:
        # Nearest ancestor first: its dependent's declared range may allow a release that
        # already depends on a fixed version.
        for index in range(len(steps) - 2, -1, -1):
            ancestor = steps[index]
            pulled = _pulls_fix(catalog, steps[index:], ancestor.edge.spec, clearance)
            if pulled is not None:
                owner = "package.json" if index == 0 else str(steps[index - 1])
                command = update(manager, where, ancestor.edge.name, ancestor.node.version)
                return (
                    f"{excludes}; {owner} allows {ancestor.edge.name} {pulled} "
                    f'("{ancestor.edge.spec}"), whose dependencies pull a fixed '
                    f"{package.name}: {command} {chain}"
                )
        # "No release pulls a fixed version" needs every package on the chain known: a
        # document the registry did not give leaves the offline advice.
        if all(catalog.versions(link.node.name) is not None for link in steps):
            release = _direct_release(catalog, steps, clearance)
            if release is not None:
                command = install(manager, where, f"{direct.edge.name}@^{release}", scope)
                return (
                    f"{excludes}; {direct.edge.name} {release} pulls a fixed {package.name}: "
                    f"{command} {chain}"
                )
            return (
                f"{excludes}, and no release of {direct.edge.name} pulls a fixed version; "
                f"pin it: {pin} {chain}"
            )
    upgrade = (
        f"upgrade the direct dependency {direct.edge.name} (now {direct.node.version}) to "
        f"a release whose dependencies pull {package.name} >= {target} -- which release "
        f"that is cannot be known offline (see `npm view {direct.node.name} "
        f"dependencies`) -- or pin it: {pin} {chain}"
    )
    maybe = _maybe_newer(steps, manager, where)
    if maybe:
        return f"{excludes}. {maybe}; else {upgrade}"
    return f"{excludes}. {upgrade[0].upper()}{upgrade[1:]}"


def _floating(spec: str, installed: str) -> bool:
    """Does `spec` admit releases other than the installed one (`0.x.x`, `^1.2.0`, not
    `0.0.8`)?"""
    try:
        sets = semver.parse_range(spec)
    except semver.InvalidVersion:
        return False
    exact = len(sets) == 1 and len(sets[0]) == 1 and sets[0][0][0] == "="
    return not exact and semver.satisfies(installed, spec)


def _maybe_newer(steps: Sequence[Link], manager: Manager, where: Workspace) -> str:
    """Offline, what is known about the nearest ancestor a refresh could move: its
    dependent's range lets a newer release in, which may depend on a fixed version."""
    for index in range(len(steps) - 2, -1, -1):
        ancestor = steps[index]
        if _floating(ancestor.edge.spec, ancestor.node.version):
            owner = "package.json" if index == 0 else f"{steps[index - 1]}"
            command = update(manager, where, ancestor.edge.name, ancestor.node.version)
            return (
                f"A newer {ancestor.edge.name} within {owner}'s range "
                f'"{ancestor.edge.spec}" may depend on a fixed version (not known offline): '
                f"try {command}, then audit again"
            )
    return ""


def _direct_release(
    catalog: VersionCatalog, steps: Sequence[Link], clearance: Clearance
) -> str | None:
    """The lowest release of the direct dependency above the installed one whose chain
    pulls a fixed version."""
    direct = steps[0]
    current = semver.try_parse(direct.node.version)
    releases = []
    for text in catalog.versions(direct.node.name) or ():
        parsed = semver.try_parse(text)
        if parsed is not None and not parsed.prerelease and (current is None or parsed > current):
            releases.append((parsed, text))
    for _parsed, text in sorted(releases)[:MAX_RELEASES_TRIED]:
        if _pulls_fix(catalog, steps, f"={text}", clearance) is not None:
            return text
    return None
