"""The advisory ids a DEP001 finding names, in the order its message lists them."""

from __future__ import annotations

import re

from nodeward.findings import Finding

_ID = re.compile(r"\b(?:GHSA(?:-[0-9a-z]{4}){3}|NSWG-ECO-\d+)\b")


def advisory_ids(finding: Finding) -> list[str]:
    """The primary ids (GHSA, NSWG): aliases such as CVEs are left out."""
    return _ID.findall(finding.message.split(" is affected by ", 1)[1])
