"""The advisory model and the AdvisorySource seam every source implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from nodeward.findings import AdvisoryData, Severity


class SourceError(Exception):
    """A source that cannot answer (no database, timeout, HTTP error); the scan turns it
    into a Skip with this message and continues."""


class EventKind(Enum):
    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


@dataclass(frozen=True)
class Event:
    kind: EventKind
    version: str


@dataclass(frozen=True)
class Affected:
    """One `affected[]` entry for one package. `npm_range` is set instead of events when
    the source speaks node-semver ranges (the npm registry)."""

    package: str
    events: tuple[tuple[Event, ...], ...] = ()  # one tuple per SEMVER/ECOSYSTEM range
    versions: tuple[str, ...] = ()
    npm_range: str | None = None
    functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity
    affected: tuple[Affected, ...]
    cwes: tuple[int, ...] = ()
    url: str = ""
    cvss_vector: str | None = None
    withdrawn: bool = False

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


Query = Mapping[str, Iterable[str]]  # package name -> installed versions


class AdvisorySource(ABC):
    """Where advisories come from. `advisories` answers for every package at once, so that
    network sources can batch their requests."""

    name: str

    @abstractmethod
    def advisories(self, query: Query) -> dict[str, list[Advisory]]:
        """Advisories that may concern each package; matching decides which versions."""

    def warnings(self) -> list[str]:
        """Notes for the report that are not failures (an old database)."""
        return []

    @abstractmethod
    def provenance(self) -> AdvisoryData | None:
        """Which data answered (source and date) for the report's header; None before a
        live source has answered."""


def utc_now() -> str:
    """The current time as the reports write it: ISO 8601 UTC to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
