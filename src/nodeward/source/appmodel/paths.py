"""Route paths: joining a mount prefix and a path, and the parameters a path declares."""

from __future__ import annotations

import re

_PARAM = re.compile(r":(\w+)")


def join(prefix: str, path: str) -> str:
    if not path or path == "/":
        return prefix or "/"
    if not prefix or prefix == "/":
        return path if path.startswith("/") else "/" + path
    return prefix.rstrip("/") + "/" + path.lstrip("/")


def params(path: str) -> tuple[str, ...]:
    return tuple(_PARAM.findall(path))
