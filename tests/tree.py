"""Building project trees in tests: one file at a path, its folders made on the way."""

from __future__ import annotations

from pathlib import Path


def write_file(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
