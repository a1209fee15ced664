"""OSV's query API: one querybatch call for every package version, then the full record
of each advisory id it names."""

from __future__ import annotations

import json

import httpx

from nodeward.deps.advisories import http
from nodeward.deps.advisories.interface import (
    Advisory,
    AdvisorySource,
    Query,
    SourceError,
    utc_now,
)
from nodeward.deps.advisories.osv import InvalidRecord, parse_record
from nodeward.findings import AdvisoryData

#: OSV's documented API base; tests point it at a server on 127.0.0.1.
API_BASE = "https://api.osv.dev"
BATCH_LIMIT = 1000


class OsvApi(AdvisorySource):
    name = "osv-api"

    def __init__(self, base: str | None = None) -> None:
        self.base = (base or API_BASE).rstrip("/")
        self.queried_at: str | None = None

    def provenance(self) -> AdvisoryData | None:
        if self.queried_at is None:
            return None
        return AdvisoryData(source="OSV API", queried_at=self.queried_at)

    def advisories(self, query: Query) -> dict[str, list[Advisory]]:
        pairs = [(name, v) for name, versions in query.items() for v in sorted(set(versions))]
        ids_by_name: dict[str, set[str]] = {name: set() for name in query}
        queried_at = utc_now()
        for start in range(0, len(pairs), BATCH_LIMIT):
            chunk = pairs[start : start + BATCH_LIMIT]
            body = {
                "queries": [
                    {"package": {"name": n, "ecosystem": "npm"}, "version": v} for n, v in chunk
                ]
            }
            response = http.post_json(
                self.base + "/v1/querybatch",
                json.dumps(body).encode(),
                {"Content-Type": "application/json"},
                "OSV API",
            )
            results = response.json().get("results") or []
            for (name, _version), result in zip(chunk, results, strict=False):
                for vuln in (result or {}).get("vulns") or []:
                    ids_by_name[name].add(str(vuln.get("id")))
        records: dict[str, Advisory] = {}
        for vuln_id in sorted({i for ids in ids_by_name.values() for i in ids}):
            records[vuln_id] = self._fetch(vuln_id)
        self.queried_at = queried_at
        return {name: [records[i] for i in sorted(ids)] for name, ids in ids_by_name.items()}

    def _fetch(self, vuln_id: str) -> Advisory:
        url = f"{self.base}/v1/vulns/{vuln_id}"
        try:
            response = httpx.get(url, timeout=http.TIMEOUT_SECONDS)
            response.raise_for_status()
            return parse_record(response.json())
        except (httpx.HTTPError, ValueError, InvalidRecord) as error:
            raise SourceError(f"OSV API could not return {vuln_id}: {error}") from None
