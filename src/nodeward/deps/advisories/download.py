"""`nodeward db update`: download OSV's npm all.zip with a progress bar, check it against
the checksum the bucket publishes, skip the import when the ETag has not changed."""

from __future__ import annotations

import base64
import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import Progress

from nodeward.deps.advisories import osv_db

if TYPE_CHECKING:
    import httpx

#: OSV publishes one zip per ecosystem in its public GCS bucket: <bucket>/<ecosystem>/all.zip.
OSV_BUCKET = "https://osv-vulnerabilities.storage.googleapis.com"
NPM_ALL_ZIP = f"{OSV_BUCKET}/npm/all.zip"
#: The source label `db status` and the reports show for a database `db update` built.
DOWNLOAD_LABEL = "OSV npm (download)"


class DownloadError(Exception):
    """A failed or corrupted download; the old database is kept."""


def _expected_md5(headers: httpx.Headers) -> str | None:
    for part in headers.get("x-goog-hash", "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "md5" and value:
            return base64.b64decode(value).hex()
    return None


def update_database(url: str | None = None) -> str:
    # Here, not at the top: only `db update` downloads, and httpx is slow to load.
    import httpx

    from nodeward.deps.advisories.http import TIMEOUT_SECONDS

    url = url or NPM_ALL_ZIP
    previous = osv_db.stored_etag()
    headers = {"If-None-Match": previous} if previous else {}
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "all.zip"
        digest = hashlib.md5(usedforsecurity=False)
        try:
            with httpx.stream("GET", url, headers=headers, timeout=TIMEOUT_SECONDS) as response:
                if response.status_code == 304:
                    return "advisory database is up to date (ETag unchanged)"
                if response.status_code != 200:
                    raise DownloadError(f"{url} answered HTTP {response.status_code}")
                total = int(response.headers.get("content-length") or 0) or None
                with Progress(transient=True) as progress, target.open("wb") as out:
                    task = progress.add_task("downloading OSV npm advisories", total=total)
                    for chunk in response.iter_bytes():
                        digest.update(chunk)
                        out.write(chunk)
                        progress.update(task, advance=len(chunk))
                expected = _expected_md5(response.headers)
                etag = response.headers.get("etag", "")
        except httpx.HTTPError as error:
            raise DownloadError(f"download of {url} failed: {error}") from None
        if expected is not None and expected != digest.hexdigest():
            raise DownloadError(f"{url}: checksum mismatch; the download is corrupt")
        label = DOWNLOAD_LABEL if url == NPM_ALL_ZIP else f"download of {url}"
        result = osv_db.import_database(target, label=label, etag=etag)
    return f"{result.summary()} from {url}"
