"""Writing fixes into the user's files: only files git knows to be unchanged since HEAD
(or with --force), each replaced atomically (nodeward.output.write_output).

git runs on an untrusted repository, so it never looks at the work tree itself (where
clean filters and fsmonitor, named by the repository's own config, would run programs): it
lists the blob ids of HEAD and of the index, and nodeward hashes the work-tree files."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from nodeward.output import write_output

_SAFE_GIT = ("git", "-c", "core.fsmonitor=", "-c", "core.hooksPath=/dev/null", "--no-pager")


class ApplyError(Exception):
    """The fixes cannot be written: files with uncommitted changes, or no repository."""


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    try:
        return subprocess.run(  # noqa: S603 (fixed argv, no shell; see the docstring)
            [*_SAFE_GIT, *args], cwd=folder, env=env, capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _blob_id(content: bytes, length: int) -> str:
    header = b"blob %d\0" % len(content)
    digest = hashlib.sha1 if length == 40 else hashlib.sha256  # git's object id
    return digest(header + content).hexdigest()


def _entries(output: bytes) -> dict[str, str]:
    """`<mode> <type> <id>\\t<path>` (ls-tree) or `<mode> <id> <stage>\\t<path>` (ls-files
    -s), NUL-terminated, to path -> id."""
    found = {}
    for record in output.split(b"\0"):
        if b"\t" not in record:
            continue
        meta, path = record.split(b"\t", 1)
        fields = meta.split()
        object_id = fields[2] if len(fields) > 2 and fields[1] == b"blob" else fields[1]
        found[os.fsdecode(path)] = object_id.decode("ascii", "replace")
    return found


def uncommitted(root: Path, paths: Iterable[str]) -> list[str] | None:
    """The paths (relative to `root`) whose work-tree or staged content differs from HEAD
    or that git does not track; None when `root` is not in a git work tree."""
    folder = root if root.is_dir() else root.parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0:
        return None
    toplevel = Path(os.fsdecode(top.stdout.strip()))
    wanted = {p: os.path.relpath((folder / p).resolve(), toplevel.resolve()) for p in paths}
    names = [n.replace(os.sep, "/") for n in wanted.values()]
    head = _git(toplevel, "ls-tree", "-z", "HEAD", "--", *names)
    index = _git(toplevel, "ls-files", "-s", "-z", "--", *names)
    committed = _entries(head.stdout) if head is not None and head.returncode == 0 else {}
    staged = _entries(index.stdout) if index is not None and index.returncode == 0 else {}
    dirty = []
    for rel, name in zip(wanted, names, strict=True):
        blob = committed.get(name)
        try:
            content = (folder / rel).read_bytes()
        except OSError:
            dirty.append(rel)
            continue
        if blob is None or staged.get(name) != blob or _blob_id(content, len(blob)) != blob:
            dirty.append(rel)
    return dirty


def check_writable(root: Path, paths: Iterable[str], *, force: bool) -> None:
    """Raise ApplyError unless every path is committed and unchanged (or `force`)."""
    if force:
        return
    paths = sorted(paths)
    dirty = uncommitted(root, paths)
    if dirty is None:
        raise ApplyError(
            f"{root} is not in a git repository, so nothing could undo the fixes; "
            "review the diff and re-run with --force to write them"
        )
    if dirty:
        raise ApplyError(
            "uncommitted changes (or untracked files) in "
            + ", ".join(dirty)
            + ": commit or stash them first, or re-run with --force"
        )


def write_files(root: Path, patched: Mapping[str, bytes]) -> None:
    folder = root if root.is_dir() else root.parent
    for rel, content in sorted(patched.items()):
        # newline="" keeps \r\n as written: write_output's text stream would not add any
        write_output(content.decode("utf-8"), folder / rel)
