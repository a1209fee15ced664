"""Does an installed package let `require("pkg/sub")` load `./sub`? Its package.json
`exports` decides: once a package declares `exports`, Node refuses every subpath it does
not list (ERR_PACKAGE_PATH_NOT_EXPORTED), so such an import loads nothing of it.

Only an installed copy (node_modules on disk) has a package.json to read; lockfiles do not
record `exports`, so without one every subpath counts as loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nodeward.deps.lockfiles.manifest import read_manifest


def exports_of(folder: Path, root: Path) -> Any:
    """The `exports` field of `folder/package.json`, or None when there is none to read.
    `folder` must stay inside `root`: the path comes from a lockfile key."""
    return read_manifest(folder / "package.json", root).get("exports")


def _subpath_map(exports: Any) -> dict[str, Any] | None:
    """The `./...` keys of an exports field, None when it only exports the main entry
    (a string, an array, or an object of conditions such as `import` / `require`)."""
    if isinstance(exports, dict) and any(str(k).startswith(".") for k in exports):
        return {str(k): v for k, v in exports.items()}
    return None


def exported(exports: Any, subpath: str) -> bool:
    """Whether `./subpath` (e.g. `./merge`) is exported; True when `exports` is absent."""
    if exports is None:
        return True
    mapping = _subpath_map(exports)
    if mapping is None:
        return False  # only "." is exported
    key = "./" + subpath
    if key in mapping:
        return mapping[key] is not None
    # Patterns (`./*`, `./lib/*.js`): the longest prefix wins, as in Node.
    best: tuple[int, Any] | None = None
    for pattern, target in mapping.items():
        if pattern.count("*") != 1:
            continue
        prefix, suffix = pattern.split("*")
        fits = key.startswith(prefix) and key.endswith(suffix) and len(key) >= len(pattern) - 1
        if fits and (best is None or len(prefix) > best[0]):
            best = (len(prefix), target)
    return best is not None and best[1] is not None
