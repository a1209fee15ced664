"""Package metadata cached on disk, one JSON file per document URL, with the ETag that
revalidates it. Tokens are never written; only the reduced metadata is kept."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nodeward.deps.advisories.osv_db import cache_dir
from nodeward.deps.registry.metadata import PackageMetadata

CACHE_VERSION = 1


@dataclass(frozen=True)
class Entry:
    metadata: PackageMetadata
    etag: str
    stored_at: float  # when the registry last confirmed it (200 or 304)

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.stored_at)


def folder() -> Path:
    return cache_dir() / "registry-metadata"


def _path(url: str) -> Path:
    return folder() / (hashlib.sha256(url.encode()).hexdigest()[:40] + ".json")


def read(url: str) -> Entry | None:
    """The cached entry for `url`; a missing, unreadable or foreign file is no entry."""
    try:
        data = json.loads(_path(url).read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION or data.get("url") != url:
            return None
        return Entry(
            PackageMetadata.from_json(data["metadata"]),
            str(data.get("etag") or ""),
            float(data["stored_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(url: str, entry: Entry) -> None:
    """Store atomically (temporary file and rename): parallel scans never read half a file.
    A cache that cannot be written costs only the next run's time."""
    body = {
        "version": CACHE_VERSION,
        "url": url,
        "etag": entry.etag,
        "stored_at": entry.stored_at,
        "metadata": entry.metadata.to_json(),
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
