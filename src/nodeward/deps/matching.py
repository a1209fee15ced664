"""Which advisories affect which installed versions, with npm's semver semantics, and one
match per advisory: records that alias each other (GHSA, CVE, OSV ids) are merged, and so
are records of two databases that give one package identical affected ranges (the Node.js
Security WG and GitHub describing one bug, often without a shared CVE)."""

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


def _database_of(advisory_id: str) -> str:
    """The id's prefix names the database: GHSA, NSWG, OSV, MAL, ..."""
    return advisory_id.partition("-")[0]


Ranges = frozenset[tuple[str | None, frozenset[str], frozenset[frozenset[Event]]]]


def _ranges_of(entries: Iterable[Affected]) -> Ranges:
    """What a record says is affected, independent of the order it lists it in."""
    return frozenset(
        (entry.npm_range, frozenset(entry.versions), frozenset(frozenset(e) for e in entry.events))
        for entry in entries
    )


@dataclass
class _Groups:
    """Which merged match each id and each statement of affected ranges belongs to."""

    by_id: dict[str, str]
    by_ranges: dict[Ranges, str]
    databases: dict[str, set[str]]  # merge key -> databases of the records merged there

    def key(self, advisory: Advisory, ranges: Ranges) -> str:
        for known in advisory.ids:
            if known in self.by_id:
                return self.by_id[known]
        # No shared id: the same ranges in another database are the same bug; two records
        # of one database never are (a database does not list one bug twice).
        other = self.by_ranges.get(ranges)
        if other is not None and _database_of(advisory.id) not in self.databases[other]:
            return other
        return advisory.id

    def add(self, key: str, advisory: Advisory, ranges: Ranges) -> None:
        for known in advisory.ids:
            self.by_id.setdefault(known, key)
        self.by_ranges.setdefault(ranges, key)
        self.databases.setdefault(key, set()).add(_database_of(advisory.id))


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
        groups = _Groups({}, {}, {})
        for advisory in advisories.get(package.name, []):
            if advisory.withdrawn:
                continue
            entries = [e for e in advisory.affected if e.package == package.name]
            hits = [e for e in entries if affects(e, package.version)]
            if not hits:
                continue
            ranges = _ranges_of(entries)
            key = groups.key(advisory, ranges)
            groups.add(key, advisory, ranges)
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
