"""Applying edits to file bytes, and detecting edits that overlap."""

from __future__ import annotations

from collections.abc import Iterable

from nodeward.fix.model import Edit, Fix


def overlaps(a: Edit, b: Edit) -> bool:
    """Two edits of one file touch the same bytes (two insertions at one point do not:
    they are applied in order)."""
    if a.path != b.path:
        return False
    if a.start == a.end or b.start == b.end:
        return a.start < b.end and b.start < a.end
    return a.start < b.end and b.start < a.end


def conflicts(fix: Fix, taken: Iterable[Fix]) -> bool:
    return any(overlaps(a, b) for other in taken for a in fix.edits for b in other.edits)


def apply_edits(source: bytes, edits: Iterable[Edit]) -> bytes:
    """`source` with `edits` (of this file, not overlapping) applied; insertions at the
    same offset keep the order they are given in."""
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[0]))
    out: list[bytes] = []
    position = 0
    for _, edit in ordered:
        out.append(source[position : edit.start])
        out.append(edit.text.encode("utf-8"))
        position = max(position, edit.end)
    out.append(source[position:])
    return b"".join(out)


def patch_files(
    originals: dict[str, bytes], fixes: Iterable[Fix], *, bom: dict[str, bool]
) -> dict[str, bytes]:
    """The new bytes of every file the fixes change (a byte order mark kept). An edit two
    fixes share (the same dependency added to one package.json) is made once."""
    by_path: dict[str, dict[Edit, None]] = {}
    for fix in fixes:
        for edit in fix.edits:
            by_path.setdefault(edit.path, {})[edit] = None
    patched = {}
    for path, edits in by_path.items():
        source = originals[path]
        prefix = b"\xef\xbb\xbf" if bom.get(path) else b""
        patched[path] = prefix + apply_edits(source.removeprefix(prefix), edits)
    return patched
