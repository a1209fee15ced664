"""Fetching package documents from the configured registries: concurrent with a bound,
revalidated with ETags, from the cache alone when offline, and never sending a token to
a host it was not configured for.

Threads over one pooled `httpx.Client` rather than `httpx.AsyncClient`: the async stack
costs several times more CPU per request (measured with benchmarks/bench_registry.py),
and the work per document is small enough that 16 threads keep 16 requests in flight."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nodeward.deps.registry import cache
from nodeward.deps.registry.metadata import PackageMetadata, parse_document
from nodeward.deps.registry.npmrc import NpmConfig

if TYPE_CHECKING:
    import httpx

#: Requests in flight at once: enough to hide latency, few enough to be a polite client.
MAX_IN_FLIGHT = 16
#: Largest document read; the biggest real package documents are tens of megabytes.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024
ACCEPT = "application/json"
#: npm's package name rules (validate-npm-package-name), old mixed-case names allowed: a
#: lockfile's names are untrusted, and "..", "a/../b" or "%2e" must never become a URL.
VALID_NAME = re.compile(r"(?:@[A-Za-z0-9][\w.~-]*/)?[A-Za-z0-9][\w.~-]{0,213}", re.ASCII)


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

    def fallback(self, name: str, entry: cache.Entry | None, problem: str) -> None:
        """The registry failed for `name`: the cached document if there is one."""
        if entry is None:
            self.missing[name] = problem
        else:
            self.metadata[name] = entry.metadata
            self._unconfirmed(entry)


class _Failure(Exception):
    pass


class RegistryClient:
    def __init__(self, config: NpmConfig, *, offline: bool) -> None:
        self.config = config
        self.offline = offline
        self._known = Fetched()

    def fetch(self, names: Iterable[str]) -> Fetched:
        """Metadata for `names`, and for every name asked before in this run: each
        document is requested once per run (--resolve-ranges and the rules share it)."""
        result = self._known
        wanted: list[tuple[str, str]] = []
        # Only the new names are looked at: the catalog asks one name at a time.
        new = {n for n in names if n not in result.metadata and n not in result.missing}
        for name in sorted(new):
            url = self.config.url_for(name)
            if not VALID_NAME.fullmatch(name):
                result.missing[name] = "not a valid npm package name"
            elif url is None:
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
            self._fetch_all(wanted, result)
        return result

    def _fetch_all(self, wanted: list[tuple[str, str]], result: Fetched) -> None:
        # httpx loads only when the registry is asked: an offline or cached run never needs it.
        import httpx

        from nodeward.deps.advisories.http import TIMEOUT_SECONDS

        limits = httpx.Limits(
            max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT
        )
        lock = threading.Lock()  # guards `result`
        with (
            httpx.Client(limits=limits, timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
            ThreadPoolExecutor(MAX_IN_FLIGHT, thread_name_prefix="registry") as pool,
        ):
            futures = [
                pool.submit(self._fetch_one, client, name, url, result, lock)
                for name, url in wanted
            ]
            for future in futures:
                future.result()  # re-raises a bug in _fetch_one rather than losing it

    def _fetch_one(
        self, client: httpx.Client, name: str, url: str, result: Fetched, lock: threading.Lock
    ) -> None:
        entry = cache.read(url)
        headers = {"Accept": ACCEPT}
        if entry is not None and entry.etag:
            headers["If-None-Match"] = entry.etag
        token = self.config.token_for(url)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            status, etag, body = _get(client, url, headers)
        except _Failure as error:
            with lock:
                result.fallback(name, entry, str(error))
            return
        if status == 304 and entry is not None:
            cache.touch(url)
            with lock:
                result.metadata[name] = entry.metadata
                result.revalidated += 1
            return
        if status == 404:
            with lock:
                result.missing[name] = "not found in the registry"
            return
        if status != 200:
            with lock:
                result.fallback(name, entry, f"registry answered HTTP {status}")
            return
        try:
            metadata = parse_document(name, json.loads(body))
        except (ValueError, RecursionError):
            metadata = None
        if metadata is None:
            with lock:
                result.fallback(name, entry, "the registry sent no package document")
            return
        cache.write(url, metadata, etag)
        with lock:
            result.metadata[name] = metadata
            result.downloaded += 1


def _get(client: httpx.Client, url: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    """Status, ETag and body (bounded); a transport error or timeout is retried once. The
    URL, never the headers, goes into error messages: they may carry a token."""
    import httpx

    last = ""
    for _attempt in range(2):
        try:
            with client.stream("GET", url, headers=headers) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
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
