"""Writing results: atomically to a file, or to stdout."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path


def write_output(content: str, destination: Path | None) -> None:
    """Write `content` to `destination` via a temporary file and a rename, so an existing
    report is replaced only by a complete one; None means stdout.

    A replaced file keeps its permissions (the temporary file is private, 0600, until
    then); a new one gets the private mode, as reports quote the audited code. A device or
    a pipe is written into."""
    if destination is None:
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    if _is_device_or_pipe(destination):
        # `-o /dev/stdout`, a FIFO: written into, as the rename that protects a report file
        # would replace the device node itself (as root, /dev/full became a report).
        with destination.open("w", encoding="utf-8") as stream:
            stream.write(content)
        return
    directory = destination.parent if str(destination.parent) else Path()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        existing_mode: int | None = stat.S_IMODE(destination.stat().st_mode)
    except OSError:
        existing_mode = None
    handle, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
        if existing_mode is not None:
            Path(temp_name).chmod(existing_mode)
        Path(temp_name).replace(destination)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _is_device_or_pipe(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
