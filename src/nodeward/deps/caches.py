"""Where nodeward keeps what it downloads: the advisory database, the Retire.js repository
and registry metadata (NODEWARD_CACHE_DIR, else the platform's user cache folder)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    override = os.environ.get("NODEWARD_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("nodeward"))
