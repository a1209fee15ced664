"""Reading OSV dumps safely: zip members with absolute or `..` paths, or oversized
entries, refuse the whole archive rather than be trusted."""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

MAX_ENTRY_BYTES = 20_000_000  # the largest real OSV record is well under 1 MB
MAX_RATIO = 200  # compression ratio past which an entry looks like a zip bomb


class ArchiveError(Exception):
    """An archive nodeward refuses; the message names the entry."""


#: What zipfile raises for a damaged archive: a bad CRC or header (BadZipFile), a broken
#: deflate stream (zlib.error), a truncated one (EOFError), an unsupported compression
#: method or encryption (NotImplementedError, RuntimeError), a bad header field (ValueError),
#: and header fields too short for what they declare (IndexError, struct.error).
_CORRUPT = (
    IndexError,
    struct.error,
    OSError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
        raise ArchiveError(f"entry {name!r} has an absolute or parent-relative path")
    if info.file_size > MAX_ENTRY_BYTES:
        raise ArchiveError(f"entry {name!r} is {info.file_size:,} bytes, over the limit")
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
        raise ArchiveError(f"entry {name!r} expands {info.file_size // info.compress_size}x")


def json_documents(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every `.json` file in a zip or a folder."""
    if path.is_dir():
        for file in sorted(path.rglob("*.json")):
            if file.stat().st_size > MAX_ENTRY_BYTES:
                raise ArchiveError(f"{file.name} is over the size limit")
            yield file.name, file.read_bytes()
        return
    try:
        archive = zipfile.ZipFile(path)
    except _CORRUPT as error:
        raise ArchiveError(f"{path}: not a readable zip archive: {error}") from None
    with archive:
        members = archive.infolist()
        for info in members:  # check every entry before trusting any
            _check_member(info)
        for info in members:
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            try:
                with archive.open(info) as handle:
                    data = handle.read(MAX_ENTRY_BYTES + 1)
            except _CORRUPT as error:
                raise ArchiveError(f"{path}: entry {info.filename!r} is corrupt: {error}") from None
            if len(data) > MAX_ENTRY_BYTES:
                raise ArchiveError(f"entry {info.filename!r} is larger than it declares")
            yield info.filename, data
