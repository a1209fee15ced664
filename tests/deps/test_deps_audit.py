"""The dependency audit on real lockfiles and the real NSWG advisory set (copied into
tests/fixtures/deps), plus every failure path a source or lockfile can take."""

from __future__ import annotations

import gzip
import http.server
import json
import shutil
import sqlite3
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from advisory_ids import advisory_ids

from nodeward.cli import main
from nodeward.deps import semver
from nodeward.deps.advisories import http as deps_http
from nodeward.deps.advisories import osv_db
from nodeward.deps.advisories.archive import ArchiveError
from nodeward.deps.advisories.interface import SourceError
from nodeward.deps.advisories.npm_registry import NpmRegistry
from nodeward.deps.lockfiles.interface import Scope, SourceKind
from nodeward.deps.lockfiles.load import read_lockfile
from nodeward.deps.lockfiles.manifest import read_manifest
from nodeward.findings import PackageLocation, Reachability
from nodeward.scan import scan_path

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures" / "deps"
LOCKS = FIXTURES / "lockfiles"
SAMPLES = {
    "package-lock.v1.json": "package-lock.json",
    "package-lock.v2.json": "package-lock.json",
    "package-lock.v3.json": "package-lock.json",
    "yarn.classic.lock": "yarn.lock",
    "yarn.berry.lock": "yarn.lock",
    "pnpm-lock.pnpm7.yaml": "pnpm-lock.yaml",
    "pnpm-lock.pnpm8.yaml": "pnpm-lock.yaml",
    "pnpm-lock.pnpm9.yaml": "pnpm-lock.yaml",
}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(folder))
    monkeypatch.delenv("NODEWARD_OFFLINE", raising=False)  # each test says what it allows
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no user .npmrc
    for variable in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(variable, raising=False)
    return folder


@pytest.fixture
def nswg(cache: Path) -> Path:
    assert osv_db.import_records(FIXTURES / "npm-nswg-osv.zip") == 467
    return cache


def _project(tmp_path: Path, sample: str, code: str = "") -> Path:
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(LOCKS / "package.json", root / "package.json")
    shutil.copy(LOCKS / sample, root / SAMPLES[sample])
    if code:
        (root / "server.js").write_text(code, encoding="utf-8")
    return root


def test_semver_agrees_with_node_semver() -> None:
    table = json.loads((HERE / "semver_cases.json").read_text())
    wrong = [
        (v, r, inc)
        for v, r, inc, expected in table["satisfies"]
        if semver.satisfies(v, r, include_prerelease=inc) != expected
    ]
    assert wrong == []
    assert len(table["satisfies"]) > 5000
    assert all(semver.compare(a, b) == expected for a, b, expected in table["compare"])


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_lockfile_packages_scopes_aliases_and_paths(tmp_path: Path, sample: str) -> None:
    root = _project(tmp_path, sample)
    rel = SAMPLES[sample]
    packages = read_lockfile(root / rel, rel, read_manifest(root / "package.json", root))
    assert isinstance(packages, list)
    by = {(p.name, p.version): p for p in packages if p.matchable}
    lodash = by[("lodash", "4.17.4")]
    assert (lodash.scope, lodash.dependency_path) == (Scope.PROD, ("lockdemo", "lodash@4.17.4"))
    aliased = by[("lodash", "4.17.21")]
    assert aliased.alias == "my-lodash"
    assert aliased.dependency_path == ("lockdemo", "my-lodash@4.17.21")
    assert by[("minimist", "0.0.8")].scope is Scope.DEV
    assert by[("express", "4.15.0")].dependency_path == ("lockdemo", "express@4.15.0")
    qs = next(p for p in packages if p.name == "qs")
    assert qs.dependency_path[:2] == ("lockdemo", "express@4.15.0")
    local = [p for p in packages if p.name == "local-lib"]
    assert all(p.kind is not SourceKind.REGISTRY for p in local)  # listed, never matched


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_scan_reports_exact_advisories_for_every_format(
    tmp_path: Path, nswg: Path, sample: str
) -> None:
    root = _project(tmp_path, sample, 'const _ = require("lodash");\n_.template("<%= x %>");\n')
    report = scan_path(root, select=("DEP",))
    # One finding per package@version, both advisories in it.
    got = [
        (advisory_ids(f), f.location.package, f.fix)
        for f in report.findings
        if isinstance(f.location, PackageLocation)
    ]
    command = {"package-lock.json": "npm install", "yarn.lock": "yarn add"}.get(
        SAMPLES[sample], "pnpm add"
    )
    # One target for both advisories: 4.17.5 alone would still be open to NSWG-ECO-493.
    fix = f"Upgrade lodash to 4.17.11 or later (fixes all 2 advisories): {command} lodash@^4.17.11"
    assert got == [(["NSWG-ECO-368", "NSWG-ECO-493"], "lodash", fix)]
    assert "NSWG-ECO-368 (CVE-2018-3721, " in report.findings[0].message
    for finding in report.findings:
        assert isinstance(finding.location, PackageLocation)
        assert finding.location.reachability is Reachability.REACHABLE
        assert finding.location.dependency_path == ("lockdemo", "lodash@4.17.4")
        # Anchored where the fix goes: the "lodash" key in package.json (line 4).
        assert (finding.location.manifest, finding.location.line) == ("package.json", 4)
        lockfile = finding.evidence[0].location
        assert isinstance(lockfile, PackageLocation)
        assert (lockfile.manifest, lockfile.line) == (SAMPLES[sample], ENTRY_LINES[sample])
        assert finding.evidence[0].description == (
            f"lockfile entry of lodash@4.17.4 ({SAMPLES[sample]}:{ENTRY_LINES[sample]})"
        )


#: The line of lodash@4.17.4's entry in each sample lockfile.
ENTRY_LINES = {
    "package-lock.v1.json": 185,
    "package-lock.v2.json": 271,
    "package-lock.v3.json": 271,
    "yarn.classic.lock": 169,
    "yarn.berry.lock": 244,
    "pnpm-lock.pnpm7.yaml": 202,
    "pnpm-lock.pnpm8.yaml": 211,
    "pnpm-lock.pnpm9.yaml": 136,
}


def _record(path: Path, vid: str, name: str, events: list[dict[str, str]], **extra: object) -> None:
    body = {
        "id": vid,
        "summary": f"{name} issue",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": name},
                "ranges": [{"type": "SEMVER", "events": events}],
            }
        ],
        **extra,
    }
    path.mkdir(parents=True, exist_ok=True)
    (path / f"{vid}.json").write_text(json.dumps(body))


def test_transitive_fix_advice_aliases_merged_withdrawn_ignored(
    tmp_path: Path, cache: Path
) -> None:
    records = tmp_path / "records"
    _record(
        records,
        "GHSA-aaaa-bbbb-cccc",
        "qs",
        [{"introduced": "0"}, {"fixed": "6.3.2"}],
        aliases=["CVE-2017-1000048"],
    )
    _record(
        records,
        "OSV-QS-1",
        "qs",
        [{"introduced": "6.0.0"}, {"fixed": "6.4.1"}],
        aliases=["CVE-2017-1000048"],
    )
    _record(
        records,
        "GHSA-wwww-wwww-wwww",
        "express",
        [{"introduced": "0"}],
        withdrawn="2020-01-01T00:00:00Z",
    )
    _record(records, "OSV-MIN-1", "minimist", [{"introduced": "0"}, {"last_affected": "0.0.8"}])
    osv_db.import_records(records)
    root = _project(tmp_path, "package-lock.v3.json")
    report = scan_path(root, select=("DEP",))
    by_package = {f.location.package: f for f in report.findings}  # type: ignore[union-attr]
    assert sorted(by_package) == ["minimist", "qs"]
    qs = by_package["qs"]
    assert "GHSA-aaaa-bbbb-cccc, CVE-2017-1000048, OSV-QS-1" in qs.message
    assert "via express@4.15.0" in qs.message
    # The merged record's ranges are a union: 6.3.2 is still inside OSV-QS-1's, so the one
    # target (and the override) is 6.4.1.
    assert qs.fix == (
        "express@4.15.0 requires qs 6.3.1, which excludes 6.4.1, the lowest version that "
        "fixes the advisory. Upgrade the direct dependency express (now 4.15.0) to a release "
        "whose dependencies pull qs >= 6.4.1 -- which release that is cannot be known offline "
        '(see `npm view express dependencies`) -- or pin it: add "overrides": '
        '{"qs": "6.4.1"} to the root package.json, then run npm install '
        "(path: express@4.15.0 > qs@6.3.1)"
    )
    assert by_package["minimist"].fix.startswith("No fixed version of minimist after 0.0.8")
    omitted = scan_path(root, select=("DEP",), omit=("dev",))
    assert [f.location.package for f in omitted.findings] == ["qs"]  # type: ignore[union-attr]


def test_reachable_only_exit_code(tmp_path: Path, nswg: Path) -> None:
    root = _project(tmp_path, "package-lock.v3.json", 'require("express");\n')
    args = ["scan", str(root), "--select", "DEP", "--fail-on", "low", "--format", "json"]
    assert main(args) == 1
    assert main([*args, "--reachable-only"]) == 0


def test_offline_without_database_is_a_skip(tmp_path: Path, cache: Path) -> None:
    root = _project(tmp_path, "package-lock.v3.json")
    report = scan_path(root, select=("DEP",), offline=True)
    assert report.findings == ()
    assert any("nodeward db import" in s.reason for s in report.skips)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"lockfileVersion": 3, "packages": {', "invalid JSON at line 1, column 37"),
        ('{"lockfileVersion": 7}', "unsupported lockfileVersion 7"),
    ],
)
def test_broken_lockfiles_are_skips(tmp_path: Path, nswg: Path, text: str, expected: str) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "package-lock.json").write_text(text)
    report = scan_path(root, select=("DEP",))
    assert [(s.target, expected in s.reason) for s in report.skips] == [("package-lock.json", True)]


def test_pnpm_unknown_version_and_yarn_garbage(tmp_path: Path) -> None:
    (tmp_path / "pnpm-lock.yaml").write_text("lockfileVersion: '4.0'\n")
    skip = read_lockfile(tmp_path / "pnpm-lock.yaml", "pnpm-lock.yaml", {})
    assert not isinstance(skip, list)
    assert "unsupported pnpm lockfileVersion '4.0'" in skip.reason
    (tmp_path / "yarn.lock").write_text("# yarn lockfile v1\n\nfoo@1:\n  version\n")
    skip = read_lockfile(tmp_path / "yarn.lock", "yarn.lock", {})
    assert not isinstance(skip, list)
    assert skip.reason.startswith("line 4:")


def test_archive_with_parent_path_is_refused(tmp_path: Path, cache: Path) -> None:
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("../evil.json", "{}")
    with pytest.raises(ArchiveError, match="parent-relative"):
        osv_db.import_records(bad)


def test_corrupt_database_says_how_to_rebuild(cache: Path) -> None:
    cache.mkdir(parents=True)
    osv_db.default_path().write_bytes(b"not a database at all" * 100)
    with pytest.raises(SourceError, match="nodeward db import"):
        osv_db.OsvDatabase().advisories({"lodash": ["4.17.4"]})


def test_stale_database_warns(nswg: Path) -> None:
    """The age is that of the newest record, not of the import."""
    connection = sqlite3.connect(osv_db.default_path())
    newest = datetime.fromtimestamp(time.time() - 31 * 86400 - 60, UTC)
    connection.execute(
        "UPDATE meta SET value = ? WHERE key = 'newest_record'",
        (newest.strftime("%Y-%m-%dT%H:%M:%SZ"),),
    )
    connection.commit()
    connection.close()
    assert osv_db.OsvDatabase().warnings() == [
        f"advisory data is 31 days old (newest record {newest:%Y-%m-%d}): run `nodeward db update`"
    ]


def test_database_of_recent_records_does_not_warn(nswg: Path) -> None:
    connection = sqlite3.connect(osv_db.default_path())
    newest = datetime.fromtimestamp(time.time() - 30 * 86400 + 60, UTC)
    connection.execute(
        "UPDATE meta SET value = ? WHERE key = 'newest_record'",
        (newest.strftime("%Y-%m-%dT%H:%M:%SZ"),),
    )
    connection.commit()
    connection.close()
    assert osv_db.OsvDatabase().warnings() == []


class _Registry(http.server.BaseHTTPRequestHandler):
    mode = "ok"
    seen: list[dict[str, list[str]]] = []  # noqa: RUF012 - shared with the test on purpose

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Registry.seen.append(json.loads(gzip.decompress(body)))
        if self.mode == "slow":
            time.sleep(1.0)
        if self.mode == "405":
            self.send_response(405)
            self.end_headers()
            return
        answer = {
            "lodash": [
                {
                    "id": 1523,
                    "url": "https://github.com/advisories/GHSA-p6mc-m468-83gw",
                    "title": "Prototype Pollution in lodash",
                    "severity": "high",
                    "vulnerable_versions": "<4.17.19",
                    "cwe": ["CWE-1321"],
                    "cvss": {
                        "score": 7.4,
                        "vectorString": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H",
                    },
                }
            ]
        }
        data = gzip.compress(json.dumps(answer).encode())
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_npm_registry_source_against_local_server(
    tmp_path: Path, cache: Path, registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Registry.mode, _Registry.seen = "ok", []
    root = _project(tmp_path, "package-lock.v3.json")
    (root / ".npmrc").write_text(f"registry={registry}/\n")
    report = scan_path(root, select=("DEP",), advisories="npm")
    assert [(f.location.version, f.severity.label) for f in report.findings] == [  # type: ignore[union-attr]
        ("4.17.4", "high")
    ]
    assert "GHSA-p6mc-m468-83gw" in report.findings[0].message
    assert sorted(_Registry.seen[0]["lodash"]) == ["4.17.21", "4.17.4"]
    _Registry.mode = "405"
    report = scan_path(root, select=("DEP",), advisories="npm")
    assert [s.reason for s in report.skips if "HTTP 405" in s.reason] != []
    _Registry.mode = "slow"
    monkeypatch.setattr(deps_http, "TIMEOUT_SECONDS", 0.2)
    with pytest.raises(SourceError, match=r"timed out .* after one retry"):
        NpmRegistry(registry).advisories({"lodash": ["4.17.4"]})


def test_npm_registry_is_named_live_by_host_with_its_query_time(
    tmp_path: Path, cache: Path, registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The registry is named by scheme and host: credentials in its URL stay out of reports."""
    _Registry.mode, _Registry.seen = "ok", []
    monkeypatch.setattr(
        "nodeward.deps.advisories.npm_registry.utc_now", lambda: "2026-12-05T01:40:00Z"
    )
    root = _project(tmp_path, "package-lock.v3.json")
    port = registry.rsplit(":", 1)[1]
    (root / ".npmrc").write_text(f"registry=http://user:s3cret@127.0.0.1:{port}/path/\n")
    report = scan_path(root, select=("DEP001",), advisories="npm")
    assert report.advisories is not None
    assert report.advisories.line == (
        f"npm registry (http://127.0.0.1:{port}), live (queried at 2026-12-05T01:40:00Z)"
    )


def test_a_live_source_that_failed_names_no_data(tmp_path: Path, cache: Path) -> None:
    root = _project(tmp_path, "package-lock.v3.json")
    report = scan_path(root, select=("DEP",), advisories="npm")
    assert report.advisories is None


def test_npm_source_unavailable_without_configuration(tmp_path: Path, cache: Path) -> None:
    root = _project(tmp_path, "package-lock.v3.json")
    report = scan_path(root, select=("DEP",), advisories="npm")
    assert any("no registry configured" in s.reason for s in report.skips)


def test_client_side_library_in_static_folder(tmp_path: Path, cache: Path) -> None:
    assert main(["db", "import-retire", str(FIXTURES / "retirejs-jsrepository.json")]) == 0
    root = tmp_path / "site"
    (root / "web").mkdir(parents=True)
    (root / "public").mkdir()
    banner = "/*! jQuery v1.8.1 | (c) 2005, 2012 jQuery Foundation */\n"
    (root / "web" / "jquery.min.js").write_text(banner)
    (root / "public" / "jquery-3.7.1.min.js").write_text("/*! jQuery v3.7.1 */\n")
    (root / "vendor.min.js").write_text(banner)  # not served: no finding
    (root / "app.js").write_text(
        'const express = require("express");\nconst app = express();\n'
        'app.use(express.static("web"));\n'
    )
    report = scan_path(root, select=("DEP002",))
    assert [(f.rule, f.location.path) for f in report.findings] == [  # type: ignore[union-attr]
        ("DEP002", "web/jquery.min.js")
    ]
    assert "CVE-2015-9251" in report.findings[0].message
