"""Fetching package documents from the configured registries: concurrent with a bound,
revalidated with ETags, from the cache alone when offline, and never sending a token to
a host it was not configured for."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from nodeward.deps.advisories.http import TIMEOUT_SECONDS
from nodeward.deps.registry import cache
from nodeward.deps.registry.metadata import PackageMetadata, parse_document
from nodeward.deps.registry.npmrc import NpmConfig

#: Requests in flight at once: enough to hide latency, few enough to be a polite client.
MAX_IN_FLIGHT = 16
#: Largest document read; the biggest real package documents are tens of megabytes.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024
ACCEPT = "application/json"


@dataclass
class Fetched:
    metadata: dict[str, PackageMetadata] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # name -> why there is none
    #: Age in seconds of the oldest cached document used without the registry confirming it
    #: (offline, or the registry failed); None when every document is fresh.
    oldest_unconfirmed: float | None = None
    downloaded: int = 0
    revalidated: int = 0

    def _unconfirmed(self, entry: cache.Entry) -> None:
        age = entry.age_seconds
        self.oldest_unconfirmed = max(age, self.oldest_unconfirmed or 0.0)


class _Failure(Exception):
    pass


class RegistryClient:
    def __init__(self, config: NpmConfig, *, offline: bool) -> None:
        self.config = config
        self.offline = offline

    def fetch(self, names: Iterable[str]) -> Fetched:
        result = Fetched()
        wanted: list[tuple[str, str]] = []
        for name in sorted(set(names)):
            url = self.config.url_for(name)
            if url is None:
                result.missing[name] = "no npm registry configured"
            else:
                wanted.append((name, url))
        if self.offline:
            for name, url in wanted:
                entry = cache.read(url)
                if entry is None:
                    result.missing[name] = "offline and not in the metadata cache"
                else:
                    result.metadata[name] = entry.metadata
                    result._unconfirmed(entry)
            return result
        if wanted:
            asyncio.run(self._fetch_all(wanted, result))
        return result

    async def _fetch_all(self, wanted: list[tuple[str, str]], result: Fetched) -> None:
        limits = httpx.Limits(
            max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT
        )
        gate = asyncio.Semaphore(MAX_IN_FLIGHT)
        async with httpx.AsyncClient(
            limits=limits, timeout=TIMEOUT_SECONDS, follow_redirects=False
        ) as client:

            async def one(name: str, url: str) -> None:
                async with gate:
                    await self._fetch_one(client, name, url, result)

            await asyncio.gather(*(one(name, url) for name, url in wanted))

    async def _fetch_one(
        self, client: httpx.AsyncClient, name: str, url: str, result: Fetched
    ) -> None:
        entry = cache.read(url)
        headers = {"Accept": ACCEPT}
        if entry is not None and entry.etag:
            headers["If-None-Match"] = entry.etag
        token = self.config.token_for(url)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            status, etag, body = await _get(client, url, headers)
        except _Failure as error:
            if entry is not None:
                result.metadata[name] = entry.metadata
                result._unconfirmed(entry)
            else:
                result.missing[name] = str(error)
            return
        if status == 304 and entry is not None:
            result.metadata[name] = entry.metadata
            result.revalidated += 1
            cache.write(url, cache.Entry(entry.metadata, entry.etag, time.time()))
            return
        if status == 404:
            result.missing[name] = "not found in the registry"
            return
        if status != 200:
            if entry is not None:
                result.metadata[name] = entry.metadata
                result._unconfirmed(entry)
            else:
                result.missing[name] = f"registry answered HTTP {status}"
            return
        try:
            metadata = parse_document(name, json.loads(body))
        except (ValueError, RecursionError):
            metadata = None
        if metadata is None:
            result.missing[name] = "the registry sent something that is not a package document"
            return
        result.metadata[name] = metadata
        result.downloaded += 1
        cache.write(url, cache.Entry(metadata, etag, time.time()))


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> tuple[int, str, bytes]:
    """Status, ETag and body (bounded); a transport error or timeout is retried once. The
    URL, never the headers, goes into error messages: they may carry a token."""
    last = ""
    for _attempt in range(2):
        try:
            async with client.stream("GET", url, headers=headers) as response:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_DOCUMENT_BYTES:
                        raise _Failure(f"document over {MAX_DOCUMENT_BYTES:,} bytes at {url}")
                    chunks.append(chunk)
                return response.status_code, response.headers.get("etag", ""), b"".join(chunks)
        except httpx.TimeoutException:
            last = "timed out"
        except httpx.HTTPError as error:
            last = f"failed ({type(error).__name__})"
    raise _Failure(f"registry request {last} at {url}, after one retry")
