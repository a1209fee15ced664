"""Choosing the advisory source: `--advisories auto|osv-db|npm|osv-api` and `--offline`."""

from __future__ import annotations

import os
from pathlib import Path

from nodeward.deps.advisories.interface import AdvisorySource, SourceError
from nodeward.deps.advisories.osv_db import OsvDatabase

CHOICES = ("auto", "osv-db", "npm", "osv-api")


def choose(kind: str, offline: bool, project_root: Path) -> AdvisorySource:
    """auto: the local database if present, else the configured npm registry, else OSV's
    API; offline allows only the local database."""
    # NODEWARD_OFFLINE=1 is --offline for a whole environment (the test suite sets it).
    offline = offline or os.environ.get("NODEWARD_OFFLINE") == "1"
    database = OsvDatabase()
    if kind == "osv-db" or (kind == "auto" and (offline or database.exists())):
        return database
    if offline:
        raise SourceError(f"--advisories {kind} needs the network, and --offline forbids it")
    # The network sources (and httpx with them) load only when one is chosen.
    from nodeward.deps.advisories.npm_registry import NpmRegistry, configured_registry
    from nodeward.deps.advisories.osv_api import OsvApi

    if kind == "npm":
        return NpmRegistry(configured_registry(project_root))
    if kind == "osv-api":
        return OsvApi()
    registry = configured_registry(project_root)
    return NpmRegistry(registry) if registry else OsvApi()
