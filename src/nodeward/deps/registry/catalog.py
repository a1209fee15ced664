"""The registry as the fix advice's `VersionCatalog`: which releases of a package exist
and what each one depends on, from the package documents the registry client fetches
(online, revalidated with ETags) or reads from its cache (offline).

The advice asks one name at a time, many times over; `prefetch` lets the audit fetch
every document the advice will need in one bounded batch first, and the answers are
kept per name, so a name is looked up in the client once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nodeward.deps.registry.client import RegistryClient
from nodeward.deps.registry.metadata import PackageMetadata


class RegistryCatalog:
    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self._known: dict[str, tuple[PackageMetadata, frozenset[str]] | None] = {}

    @classmethod
    def of(cls, client: RegistryClient) -> RegistryCatalog | None:
        """A catalog when the npm configuration names a registry; None (advice from the
        lockfile and the advisories alone) when no registry is configured."""
        config = client.config
        return cls(client) if config.registry is not None or config.scoped else None

    def prefetch(self, names: Iterable[str]) -> dict[str, str]:
        """Fetch the documents for `names` together; name -> why there is none."""
        wanted = set(names)
        fetched = self.client.fetch(wanted)
        return {name: fetched.missing[name] for name in wanted if name in fetched.missing}

    def versions(self, name: str) -> list[str] | None:
        known = self._document(name)
        return list(known[0].versions) if known is not None else None

    def dependencies(self, name: str, version: str) -> Mapping[str, str] | None:
        known = self._document(name)
        if known is None or version not in known[1]:
            return None
        return known[0].dependencies.get(version, {})

    def _document(self, name: str) -> tuple[PackageMetadata, frozenset[str]] | None:
        if name not in self._known:
            metadata = self.client.fetch([name]).metadata.get(name)
            self._known[name] = (
                (metadata, frozenset(metadata.versions)) if metadata is not None else None
            )
        return self._known[name]
