"""The repository a scanned folder belongs to, found without running git.

Code scanning resolves report paths against the top of the repository, so SARIF needs it.
Walking up for `.git` (a folder, or a file as in worktrees and submodules) runs nothing from
the scanned tree: git itself would read the repository's config, which is untrusted.
"""

from __future__ import annotations

from pathlib import Path


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds `.git`, or None."""
    start = start.absolute()
    for folder in (start, *start.parents):
        try:
            if (folder / ".git").is_dir() or (folder / ".git").is_file():
                return folder
        except OSError:  # an unreadable parent: look no further up than we can see
            return None
    return None


def report_base(scan_root: str, explicit: Path | None) -> Path | None:
    """The folder report paths are made relative to: `explicit` (`--root`), else the
    repository around `scan_root`; None for a URL (a probe) or outside any repository."""
    if "://" in scan_root or not scan_root:
        return None
    return explicit if explicit is not None else repository_root(Path(scan_root))
