"""Which advisories affect which installed versions, with npm's semver semantics, and one
match per advisory: records that alias each other (GHSA, CVE, OSV ids) are merged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nodeward.deps import semver
from nodeward.deps.advisories.interface import Advisory, Affected, Event, EventKind
from nodeward.deps.lockfiles.interface import Package


@dataclass(frozen=True)
class Match:
    package: Package
    advisory: Advisory
    ids: tuple[str, ...]  # the advisory's id first, then every alias of the merged records
    fixed: str | None  # the lowest fixed version above the installed one, when known
    last_affected: str | None  # set when the record gives no fix, only a last bad version
    functions: tuple[str, ...]


def _version_key(text: str) -> semver.Version | None:
    if text == "0":
        return semver.Version(0, 0, 0, (0,))
    return semver.try_parse(text)


def in_events(version: semver.Version, events: Iterable[Event]) -> bool:
    """OSV's algorithm: walk the events in version order; introduced opens, fixed and
    (past) last_affected close."""
    ordered = []
    for event in events:
        key = _version_key(event.version)
        if key is not None:
            ordered.append((key, event.kind))
    ordered.sort(key=lambda pair: pair[0])
    affected = False
    for key, kind in ordered:
        match kind:
            case EventKind.INTRODUCED:
                if version >= key:
                    affected = True
            case EventKind.FIXED | EventKind.LIMIT:
                if version >= key:
                    affected = False
            case EventKind.LAST_AFFECTED:
                if version > key:
                    affected = False
    return affected


def affects(entry: Affected, version: str) -> bool:
    if entry.npm_range is not None:
        return semver.satisfies(version, entry.npm_range, include_prerelease=True)
    if version in entry.versions:
        return True
    parsed = semver.try_parse(version)
    if parsed is None:
        return False
    return any(in_events(parsed, events) for events in entry.events)


def _bounds(entries: Iterable[Affected], version: str) -> tuple[str | None, str | None]:
    installed = semver.try_parse(version)
    fixes: list[tuple[semver.Version, str]] = []
    last: str | None = None
    for entry in entries:
        for events in entry.events:
            for event in events:
                key = _version_key(event.version)
                if key is None or installed is None or key < installed:
                    continue
                if event.kind is EventKind.FIXED and key > installed:
                    fixes.append((key, event.version))
                elif event.kind is EventKind.LAST_AFFECTED:
                    last = event.version
    if fixes:
        return min(fixes)[1], None
    return None, last


def _merge_key(advisory: Advisory, groups: dict[str, str]) -> str:
    """The id standing for every record that shares an id or alias with this one."""
    for known in advisory.ids:
        if known in groups:
            return groups[known]
    return advisory.id


def _preferred(a: Advisory, b: Advisory) -> Advisory:
    # GHSA records carry CWE and a CVSS vector most often; otherwise keep the first seen.
    if b.id.startswith("GHSA-") and not a.id.startswith("GHSA-"):
        return b
    return a


def match_packages(
    packages: Iterable[Package], advisories: Mapping[str, list[Advisory]]
) -> list[Match]:
    matches: list[Match] = []
    for package in packages:
        if not package.matchable:
            continue
        merged: dict[str, tuple[Advisory, set[str], list[Affected]]] = {}
        groups: dict[str, str] = {}
        for advisory in advisories.get(package.name, []):
            if advisory.withdrawn:
                continue
            entries = [e for e in advisory.affected if e.package == package.name]
            hits = [e for e in entries if affects(e, package.version)]
            if not hits:
                continue
            key = _merge_key(advisory, groups)
            for known in advisory.ids:
                groups.setdefault(known, key)
            if key in merged:
                kept, ids, kept_entries = merged[key]
                merged[key] = (_preferred(kept, advisory), ids | set(advisory.ids), kept_entries)
                kept_entries += hits
            else:
                merged[key] = (advisory, set(advisory.ids), list(hits))
        for advisory, ids, hits in merged.values():
            fixed, last = _bounds(hits, package.version)
            others = sorted(ids - {advisory.id})
            functions = tuple(dict.fromkeys(f for e in hits for f in e.functions))
            matches.append(Match(package, advisory, (advisory.id, *others), fixed, last, functions))
    return matches
