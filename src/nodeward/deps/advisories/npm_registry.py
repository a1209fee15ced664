"""The npm registry's bulk advisory endpoint -- the one `npm audit` posts to -- at the
registry the user's npm configuration names. No registry host is built in: without
configuration this source is unavailable and says so."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nodeward.deps.advisories import http
from nodeward.deps.advisories.cvss import base_score, severity_of_label, severity_of_score
from nodeward.deps.advisories.interface import (
    Advisory,
    AdvisorySource,
    Affected,
    Query,
    SourceError,
    utc_now,
)
from nodeward.findings import AdvisoryData, Severity

BULK_PATH = "/-/npm/v1/security/advisories/bulk"


def _from_npmrc(path: Path) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        key, sep, value = line.partition("=")
        if sep and key.strip() == "registry" and value.strip():
            return value.strip().strip('"')
    return None


def configured_registry(project_root: Path) -> str | None:
    """npm's precedence: environment, then the project's .npmrc, then the user's."""
    for variable in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        if os.environ.get(variable):
            return os.environ[variable]
    for npmrc in (project_root / ".npmrc", Path.home() / ".npmrc"):
        found = _from_npmrc(npmrc)
        if found:
            return found
    return None


def _advisory(name: str, item: dict[str, Any]) -> Advisory:
    cvss = item.get("cvss")
    cvss = cvss if isinstance(cvss, dict) else {}
    vector = str(cvss.get("vectorString") or "") or None
    score = base_score(vector) if vector else None
    severity = severity_of_score(score) if score else None
    if severity is None:
        severity = severity_of_label(str(item.get("severity") or "")) or Severity.MEDIUM
    url = str(item.get("url") or "")
    ghsa = url.rsplit("/", 1)[-1] if "/advisories/GHSA-" in url else None
    cwes = tuple(int(c.removeprefix("CWE-")) for c in item.get("cwe") or [] if str(c)[4:].isdigit())
    return Advisory(
        id=ghsa or f"NPM-{item.get('id')}",
        aliases=(),
        summary=str(item.get("title") or ""),
        severity=severity,
        affected=(Affected(name, npm_range=str(item.get("vulnerable_versions") or "<0.0.0-0")),),
        cwes=cwes,
        url=url,
        cvss_vector=vector,
    )


class NpmRegistry(AdvisorySource):
    name = "npm"

    def __init__(self, registry: str | None) -> None:
        self.registry = registry.rstrip("/") if registry else None
        self.queried_at: str | None = None

    def provenance(self) -> AdvisoryData | None:
        if self.registry is None or self.queried_at is None:
            return None
        return AdvisoryData(source=registry_label(self.registry), queried_at=self.queried_at)

    def advisories(self, query: Query) -> dict[str, list[Advisory]]:
        if self.registry is None:
            raise SourceError(
                "npm registry source unavailable: no registry configured "
                "(npm_config_registry, or registry= in .npmrc)"
            )
        body = gzip.compress(json.dumps({k: sorted(set(v)) for k, v in query.items()}).encode())
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        url = self.registry + BULK_PATH
        queried_at = utc_now()
        response = http.post_json(url, body, headers, "npm registry audit endpoint")
        try:
            data = response.json()
        except ValueError:
            raise SourceError(f"npm registry audit endpoint at {url} sent invalid JSON") from None
        if not isinstance(data, dict):
            raise SourceError(f"npm registry audit endpoint at {url} sent an unexpected answer")
        found: dict[str, list[Advisory]] = {}
        for name, items in data.items():
            if isinstance(items, list):
                found[str(name)] = [_advisory(str(name), i) for i in items if isinstance(i, dict)]
        self.queried_at = queried_at
        return found


def registry_label(registry: str) -> str:
    """ "npm registry (https://host)": the registry named by scheme and host only, so that
    credentials or tokens written into a registry URL never reach a report."""
    parts = urlsplit(registry)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: the URL will fail anyway; name the host alone
        port = ""
    return f"npm registry ({parts.scheme}://{parts.hostname or '?'}{port})"
