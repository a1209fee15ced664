"""Helpers of the `nodeward fix` tests: fixture trees copied into a git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
#: The fixers with a before/after fixture pair.
PAIRS = sorted(p.name for p in FIXTURES.iterdir() if (p / "before").is_dir())

GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=folder, env=GIT_ENV, capture_output=True, text=True, check=check
    )


def committed_copy(source: Path, target: Path) -> Path:
    """`source` copied to `target`, as the one commit of a new git repository."""
    shutil.copytree(source, target)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "before")
    return target


def files_of(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
