"""Package metadata cached on disk, one JSON file per document URL, with the ETag that
revalidates it. Tokens are never written; only the reduced metadata is kept. A file's
modification time is when the registry last confirmed it (a 304 only touches it)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nodeward.deps.caches import cache_dir
from nodeward.deps.registry.metadata import PackageMetadata

#: Bumped whenever the reduced form changes: a file of another version is no entry, so
#: it is fetched again (without its ETag) rather than read with fields missing.
CACHE_VERSION = 2


@dataclass(frozen=True)
class Entry:
    metadata: PackageMetadata
    etag: str
    stored_at: float  # when the registry last confirmed it (200 or 304): the file's mtime

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.stored_at)


def folder() -> Path:
    return cache_dir() / "registry-metadata"


def _path(url: str) -> Path:
    return folder() / (hashlib.sha256(url.encode()).hexdigest()[:40] + ".json")


def read(url: str) -> Entry | None:
    """The cached entry for `url`; a missing, unreadable or foreign file is no entry."""
    path = _path(url)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION or data.get("url") != url:
            return None
        return Entry(
            PackageMetadata.from_json(data["metadata"]),
            str(data.get("etag") or ""),
            path.stat().st_mtime,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def touch(url: str) -> None:
    """The registry confirmed the cached document (HTTP 304)."""
    try:
        os.utime(_path(url))
    except OSError:
        return


def write(url: str, metadata: PackageMetadata, etag: str) -> None:
    """Store atomically (temporary file and rename): parallel scans never read half a file.
    A cache that cannot be written costs only the next run's time."""
    body = {
        "version": CACHE_VERSION,
        "url": url,
        "etag": etag,
        "metadata": metadata.to_json(),
    }
    target = _path(url)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".meta-", dir=target.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(body, stream)
        Path(temp).replace(target)
    except OSError:
        return
