"""What the rules and the fix advice need from a package document, reduced from the
registry's JSON.

The full document (`Accept: application/json`) is requested, not the abbreviated one
(`application/vnd.npm.install-v1+json`): the abbreviated document has `deprecated` per
version and `dist-tags`, but no per-version `time`, and its `modified` moves whenever any
metadata changes (a deprecation, a maintainer, a dist-tag), so it cannot tell when the
last release was published. The full document is larger; the cache keeps only this
reduced form and revalidates it with the ETag, so a warm run transfers no bodies.

Each release's dependencies are kept as one name -> range map (what the fix advice walks);
releases usually repeat their predecessor's map, so the cached form stores each distinct
map once and every release points at one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nodeward.deps import semver

#: Longest deprecation message kept: it is untrusted text shown in every report format.
MAX_MESSAGE = 300
#: ANSI escape sequences (CSI and OSC): removed whole, not just their ESC byte.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?)")


@dataclass(frozen=True)
class PackageMetadata:
    name: str
    latest: str | None  # dist-tags.latest
    latest_published: datetime | None  # time[latest]
    deprecated: dict[str, str]  # version -> the registry's deprecation message
    versions: tuple[str, ...]  # every published version, in the document's order
    #: version -> what it installs with it (see `declared`); a listed version that is
    #: missing here declares nothing.
    dependencies: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        published = self.latest_published.isoformat() if self.latest_published else None
        sets: list[Mapping[str, str]] = []
        index: dict[tuple[tuple[str, str], ...], int] = {}
        uses: dict[str, int] = {}
        for version, declared in self.dependencies.items():
            key = tuple(sorted(declared.items()))
            if key not in index:
                index[key] = len(sets)
                sets.append(dict(key))
            uses[version] = index[key]
        return {
            "name": self.name,
            "latest": self.latest,
            "latest_published": published,
            "deprecated": self.deprecated,
            "versions": list(self.versions),
            "dependency_sets": sets,
            "dependencies": uses,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PackageMetadata:
        published = data.get("latest_published")
        return cls(
            name=str(data["name"]),
            latest=data.get("latest"),
            latest_published=datetime.fromisoformat(published) if published else None,
            deprecated={str(k): str(v) for k, v in dict(data.get("deprecated") or {}).items()},
            versions=tuple(str(v) for v in data.get("versions") or ()),
            dependencies=_shared_sets(data.get("dependency_sets"), data.get("dependencies")),
        )


def _shared_sets(sets: object, uses: object) -> dict[str, Mapping[str, str]]:
    """The cached form back: each release's map, the same object for equal maps."""
    if not isinstance(sets, list) or not isinstance(uses, dict):
        raise ValueError("no dependency sets")
    maps = [{str(k): str(v) for k, v in dict(s).items()} for s in sets]
    shared: dict[str, Mapping[str, str]] = {}
    for version, at in uses.items():
        if not isinstance(at, int) or not 0 <= at < len(maps):
            raise ValueError(f"no dependency set {at!r}")
        shared[str(version)] = maps[at]
    return shared


def neutralised(text: str) -> str:
    """Untrusted text made safe to print: control and format characters (ANSI escapes,
    bidi overrides, newlines) become spaces, runs of spaces collapse, length is bounded."""
    text = _ANSI.sub("", text)
    cleaned = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= MAX_MESSAGE else cleaned[: MAX_MESSAGE - 1] + "…"


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_document(name: str, document: object) -> PackageMetadata | None:
    """The reduced form of a registry document; None when it is not one."""
    if not isinstance(document, dict):
        return None
    versions = document.get("versions")
    versions = versions if isinstance(versions, dict) else {}
    deprecated: dict[str, str] = {}
    dependencies: dict[str, Mapping[str, str]] = {}
    for version, manifest in versions.items():
        if isinstance(manifest, dict):
            if declared := _declared(manifest):
                dependencies[str(version)] = declared
            message = manifest.get("deprecated")
            # npm un-deprecates with an empty string; `true` has been seen in old documents.
            if isinstance(message, str) and message.strip():
                deprecated[str(version)] = neutralised(message)
            elif message is True:
                deprecated[str(version)] = "deprecated"
    tags = document.get("dist-tags")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    latest = latest if isinstance(latest, str) and semver.try_parse(latest) else None
    times = document.get("time")
    published = _timestamp(times.get(latest)) if isinstance(times, dict) and latest else None
    return PackageMetadata(
        name=name,
        latest=latest,
        latest_published=published,
        deprecated=deprecated,
        versions=tuple(str(v) for v in versions),
        dependencies=dependencies,
    )


#: Sections npm installs from, weakest first: a name in several takes the last one's
#: range (arborist loads peers, then `dependencies`, then `optionalDependencies`).
INSTALLED_SECTIONS = ("peerDependencies", "dependencies", "optionalDependencies")


def _declared(manifest: dict[str, Any]) -> dict[str, str]:
    """What one release installs with it, as name -> range. Peers count: npm 7 and later
    install them, and a lockfile's chain can run through one, so a name absent here means
    the release does not depend on it at all. Entries that are not strings are dropped."""
    declared: dict[str, str] = {}
    for section in INSTALLED_SECTIONS:
        entries = manifest.get(section)
        if isinstance(entries, dict):
            declared.update(
                (name, spec)
                for name, spec in entries.items()
                if isinstance(name, str) and isinstance(spec, str)
            )
    return declared


def highest_allowed(metadata: PackageMetadata, spec: str) -> str | None:
    """The version `npm install` picks for `spec` today (npm-pick-manifest's order): the
    `latest` tag when the range allows it, else the highest allowed version that is not
    deprecated, else the highest allowed one."""
    if metadata.latest and semver.satisfies(metadata.latest, spec):
        return metadata.latest
    allowed = [
        (parsed, version)
        for version in metadata.versions
        if semver.satisfies(version, spec) and (parsed := semver.try_parse(version)) is not None
    ]
    if not allowed:
        return None
    live = [pair for pair in allowed if pair[1] not in metadata.deprecated]
    return max(live or allowed)[1]
