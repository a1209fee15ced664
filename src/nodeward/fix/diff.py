"""Git-style unified diffs (`git apply` accepts them)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

NO_NEWLINE = "\\ No newline at end of file\n"


def file_diff(path: str, before: bytes, after: bytes) -> str:
    """The unified diff of one file, with `diff --git` headers and paths a/ and b/."""
    old, new = _lines(before), _lines(after)
    body = difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", n=3)
    out = [f"diff --git a/{path} b/{path}\n"]
    for line in body:
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")  # difflib ends the header lines itself
        elif line.endswith("\n"):
            out.append(line)
        else:  # the file's last line had no newline
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out) if len(out) > 1 else ""


def _lines(content: bytes) -> list[str]:
    """Lines as git counts them: split at `\n` only, each with its ending (str.splitlines
    would also split at form feeds and U+2028, and git would not find the lines)."""
    text = content.decode("utf-8", errors="replace")
    parts = [line + "\n" for line in text.split("\n")]
    parts[-1] = parts[-1][:-1]
    return parts if parts[-1] else parts[:-1]


def unified_diff(originals: Mapping[str, bytes], patched: Mapping[str, bytes]) -> str:
    """One diff of every changed file, in path order."""
    return "".join(file_diff(p, originals[p], patched[p]) for p in sorted(patched))
