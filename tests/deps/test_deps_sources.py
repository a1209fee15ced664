"""Network sources and `db update` against servers on 127.0.0.1; the no-lockfile
fallbacks; function-level reachability notes."""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from advisory_ids import advisory_ids

from nodeward.catalog import all_rules
from nodeward.deps.advisories import download, osv_db
from nodeward.deps.advisories.download import DownloadError, update_database
from nodeward.deps.advisories.osv_api import OsvApi
from nodeward.findings import Confidence, PackageLocation
from nodeward.report import json_report, text
from nodeward.scan import scan_path
from nodeward.scorecard import scorecard

FIXTURES = Path(__file__).parent.parent / "fixtures" / "deps"
ZIP = (FIXTURES / "npm-nswg-osv.zip").read_bytes()
LODASH_RECORD = {
    "id": "GHSA-35jh-r3h4-6jhm",
    "aliases": ["CVE-2021-23337"],
    "summary": "Command Injection in lodash",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [
        {
            "package": {"ecosystem": "npm", "name": "lodash"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}],
            "ecosystem_specific": {"affected_functions": ["lodash.template"]},
        }
    ],
    "database_specific": {"cwe_ids": ["CWE-77", "CWE-94"], "severity": "HIGH"},
}


class _Osv(http.server.BaseHTTPRequestHandler):
    checksum_ok = True

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
        results = [
            {"vulns": [{"id": LODASH_RECORD["id"]}]} if q["package"]["name"] == "lodash" else {}
            for q in queries
        ]
        self._send(200, json.dumps({"results": results}).encode())

    def do_GET(self) -> None:
        if self.path.startswith("/v1/vulns/"):
            self._send(200, json.dumps(LODASH_RECORD).encode())
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self._send(304, b"")
            return
        digest = hashlib.md5(ZIP if self.checksum_ok else b"other", usedforsecurity=False)
        md5 = base64.b64encode(digest.digest()).decode()
        self._send(200, ZIP, {"ETag": '"v1"', "x-goog-hash": f"crc32c=AAAA,md5={md5}"})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NODEWARD_OFFLINE", raising=False)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Osv)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _app(tmp_path: Path, code: str) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    manifest = {"name": "demo", "dependencies": {"lodash": "4.17.4", "express": "^4.15.0"}}
    (root / "package.json").write_text(json.dumps(manifest))
    (root / "server.js").write_text(code)
    return root


def test_osv_api_source_with_function_note(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nodeward.deps.advisories.osv_api.API_BASE", server)
    root = _app(tmp_path, 'import { template } from "lodash";\ntemplate("<%= x %>");\n')
    report = scan_path(root, select=("DEP001",), advisories="osv-api")
    assert len(report.findings) == 1
    finding = report.findings[0]
    assert isinstance(finding.location, PackageLocation)
    assert finding.severity.label == "high"  # CVSS 7.2
    # No lockfile: lodash is pinned to one version, so it is checked (not from a lockfile,
    # hence medium); express's range is not guessed from its minimum but reported unchecked.
    assert finding.confidence is Confidence.MEDIUM
    assert [s.reason for s in report.skips if s.target == "package.json"] == [
        "no lockfile: 1 declared dependency not checked (express ^4.15.0), nor any "
        "dependency of a dependency; commit the lockfile, or pass --resolve-ranges"
    ]
    assert "GHSA-35jh-r3h4-6jhm, CVE-2021-23337" in finding.message
    assert "calls lodash.template at server.js:2" in finding.message
    assert "[CWE-77, CWE-94]" in finding.message


def test_function_not_called_is_noted(tmp_path: Path, server: str) -> None:
    root = _app(tmp_path, 'const _ = require("lodash");\n_.map([], String);\n')
    source = OsvApi(server)
    from nodeward.config import Config
    from nodeward.deps.audit import run_audit
    from nodeward.discover import DiscoveryOptions, discover
    from nodeward.project import load_project

    project = load_project(discover(root, DiscoveryOptions()), Config(path=root))
    result = run_audit(project, project.config, {"DEP001"}, source)
    assert [s.target for s in result.skips] == ["package.json"]  # express ^4.15.0 unchecked
    assert [(u.rule, u.reason) for u in result.unevaluated] == [
        ("DEP001", "no lockfile: 1 declared dependency not checked")
    ]
    assert "no call to lodash.template found" in result.findings[0].message


def test_installed_node_modules_fallback(tmp_path: Path, server: str) -> None:
    update_database(server + "/npm/all.zip")
    root = _app(tmp_path, "")
    installed = root / "node_modules" / "lodash"
    installed.mkdir(parents=True)
    (installed / "package.json").write_text('{"name": "lodash", "version": "4.17.4"}')
    report = scan_path(root, select=("DEP001",), offline=True)
    assert [advisory_ids(f) for f in report.findings] == [["NSWG-ECO-368", "NSWG-ECO-493"]]
    assert {f.confidence for f in report.findings} == {Confidence.MEDIUM}
    assert {f.location.manifest for f in report.findings} == {"package.json"}  # type: ignore[union-attr]


def test_db_update_checks_etag_and_checksum(server: str) -> None:
    url = server + "/npm/all.zip"
    assert update_database(url) == f"imported 467, skipped 0 (invalid), 0 not npm from {url}"
    assert osv_db.status().records == 467
    assert "up to date" in update_database(url)
    _Osv.checksum_ok = False
    try:
        osv_db.default_path().unlink()
        with pytest.raises(DownloadError, match="checksum mismatch"):
            update_database(url)
    finally:
        _Osv.checksum_ok = True


def test_osv_api_is_named_live_with_its_query_time(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nodeward.deps.advisories.osv_api.API_BASE", server)
    monkeypatch.setattr("nodeward.deps.advisories.osv_api.utc_now", lambda: "2026-12-05T01:40:00Z")
    report = scan_path(_app(tmp_path, ""), select=("DEP001",), advisories="osv-api")
    assert report.advisories is not None
    assert report.advisories.line == "OSV API, live (queried at 2026-12-05T01:40:00Z)"
    assert text.render(report).splitlines()[0] == (
        "Advisories: OSV API, live (queried at 2026-12-05T01:40:00Z)"
    )
    assert json.loads(json_report.render(report))["advisories"] == {
        "source": "OSV API",
        "newest_record": None,
        "imported_at": None,
        "records": None,
        "queried_at": "2026-12-05T01:40:00Z",
    }
    [row] = [
        r for r in scorecard(report, all_rules()) if r.practice.slug == "vulnerable-dependencies"
    ]
    assert row.why.endswith("; checked against live data (queried at 2026-12-05T01:40:00Z)")
    assert not [s for s in report.skips if s.reason.startswith("advisory data")]


def test_db_update_records_its_source_and_the_records_dates(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --url, the label is "OSV npm (download)"; the dates are the records'."""
    monkeypatch.setattr(download, "NPM_ALL_ZIP", server + "/npm/all.zip")
    update_database()
    current = osv_db.status()
    assert (current.source, current.newest_date) == ("OSV npm (download)", "2020-07-13")
    other = server + "/other/all.zip"
    osv_db.default_path().unlink()
    update_database(other)
    assert osv_db.status().source == f"download of {other}"
