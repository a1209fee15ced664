"""The lines a change touched: `--diff-base REF` (from git) and the pre-commit hook (whole
files). Findings elsewhere are left out of the report.

git runs on the scanned repository, which is untrusted: its own config could name programs
for git to run (core.fsmonitor, external diff drivers, textconv, clean filters). So git
compares two commits (no work tree, so no filters), with the system config off, fsmonitor
and external diffs disabled and textconv off, and never runs hooks (diff has none).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nodeward.findings import Finding, PackageLocation, SourceLocation

#: Files whose change can change the dependency audit's findings.
DEPENDENCY_FILES = frozenset(
    {"package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}
)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)
_SAFE_GIT = (
    "git",
    "-c",
    "core.fsmonitor=",
    "-c",
    "diff.external=",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.quotePath=false",
    "--no-pager",
)


class ChangeError(Exception):
    """git could not say what changed (not a repository, unknown revision, no git)."""


@dataclass(frozen=True)
class Changes:
    """Changed lines per file (paths relative to the scan root); None: the whole file."""

    lines: Mapping[str, frozenset[int] | None]

    def keeps(self, finding: Finding) -> bool:
        location = finding.location
        if isinstance(location, SourceLocation):
            if location.path not in self.lines:
                return False
            changed = self.lines[location.path]
            return changed is None or location.line in changed
        if isinstance(location, PackageLocation):  # kept when a manifest or lockfile changed
            return any(Path(path).name in DEPENDENCY_FILES for path in self.lines)
        return True  # the live probe's findings are about the running app, not a diff


def whole_files(paths: Iterable[str], root: Path) -> Changes:
    """Every line of these files (paths as given on the command line, or relative to root)."""
    base = root.resolve()
    lines: dict[str, frozenset[int] | None] = {}
    for path in paths:
        resolved = (Path.cwd() / path).resolve()
        rel = resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else path
        lines[rel] = None
    return Changes(lines)


def since(revision: str, root: Path) -> Changes:
    """The lines added or changed between `revision` (merge base with HEAD) and HEAD, in
    files under `root`."""
    if revision.startswith("-"):
        raise ChangeError(f"--diff-base {revision!r}: not a revision")
    folder = root if root.is_dir() else root.parent
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    command = [
        *_SAFE_GIT,
        "diff",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
        "--no-renames",
        "--unified=0",
        "--relative",
        f"{revision}...HEAD",
        "--",
    ]
    try:
        done = subprocess.run(  # noqa: S603 (fixed argv, no shell; see the docstring)
            command, cwd=folder, env=env, capture_output=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ChangeError(f"--diff-base {revision}: cannot run git: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"git exited with {done.returncode}"
        raise ChangeError(f"--diff-base {revision}: {reason}")
    return Changes(parse_diff(done.stdout.decode("utf-8", "surrogateescape")))


def parse_diff(text: str) -> dict[str, frozenset[int] | None]:
    """Added line numbers per new path, from `git diff --unified=0`."""
    lines: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            current = None if target == "/dev/null" else lines.setdefault(target[2:], set())
        elif line.startswith("@@") and current is not None:
            hunk = _HUNK.match(line)
            if hunk:
                start, count = int(hunk[1]), int(hunk[2] or 1)
                current.update(range(start, start + count))
    return {path: frozenset(numbers) for path, numbers in lines.items()}
