"""The fix advice checked against registry metadata (issue 14): a normal `nodeward scan`
asks the configured registry (its cache alone when offline) which releases exist and what
each depends on, for the vulnerable packages and the chains their advice follows only.

The fake registry serves tests/fixtures/deps/fixes/registry, the real releases and
dependencies of forever, utile, mkdirp and minimist that the fixtures' README states.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_server import FakeRegistry

from nodeward.cli import main
from nodeward.deps.advisories import osv_db
from nodeward.deps.registry import cache
from nodeward.deps.registry.catalog import RegistryCatalog
from nodeward.deps.registry.client import RegistryClient
from nodeward.deps.registry.metadata import PackageMetadata, parse_document
from nodeward.deps.registry.npmrc import NpmConfig

FIXES = Path(__file__).parent.parent / "fixtures" / "deps" / "fixes"
CHAIN = "(path: forever@0.15.3 > utile@0.2.1 > mkdirp@0.5.1 > minimist@0.0.8)"
EXCLUDES = (
    "mkdirp@0.5.1 requires minimist 0.0.8, which excludes 0.2.4, the lowest version that "
    "fixes all 2 advisories"
)
WITH_REGISTRY = (
    f'{EXCLUDES}; utile@0.2.1 allows mkdirp 0.5.6 ("0.x.x"), whose dependencies pull a '
    f"fixed minimist: npm update mkdirp {CHAIN}"
)
OFFLINE = (
    f'{EXCLUDES}. A newer mkdirp within utile@0.2.1\'s range "0.x.x" may depend on a fixed '
    "version (not known offline): try npm update mkdirp, then audit again; else upgrade the "
    "direct dependency forever (now 0.15.3) to a release whose dependencies pull minimist "
    ">= 0.2.4 -- which release that is cannot be known offline (see `npm view forever "
    'dependencies`) -- or pin it: add "overrides": {"minimist": "0.2.4"} to the root '
    f"package.json, then run npm install {CHAIN}"
)


@pytest.fixture
def online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Network allowed (to 127.0.0.1 only), an empty cache, no user .npmrc, and the
    lodash and minimist advisories in the local database."""
    monkeypatch.delenv("NODEWARD_OFFLINE", raising=False)
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(variable, raising=False)
    assert osv_db.import_records(FIXES / "advisories") == 6
    return tmp_path


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    served = FakeRegistry.from_folder(FIXES / "registry").start()
    yield served
    served.stop()


def _forever(tmp_path: Path, registry: FakeRegistry | None) -> Path:
    root = tmp_path / "forever"
    shutil.copytree(FIXES / "forever", root)
    if registry is not None:
        (root / ".npmrc").write_text(f"registry={registry.url}/\n")
    return root


def _scan(root: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> dict[str, object]:
    """`nodeward scan --select DEP001 --format json` of `root`: exit 1 (one high
    finding, minimist with its two advisories), the report as data."""
    capsys.readouterr()
    assert main(["scan", str(root), "--select", "DEP001", "--format", "json", *flags]) == 1
    report: dict[str, object] = json.loads(capsys.readouterr().out)
    return report


def _skips(report: dict[str, Any]) -> list[dict[str, str]]:
    """The report's skips but the note on the fixture advisories' age (from 2024)."""
    return [s for s in report["skips"] if not s["reason"].startswith("advisory data is ")]


def _fixes(report: dict[str, object]) -> list[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [f["rule"] for f in findings] == ["DEP001"]
    return [str(f["fix"]) for f in findings]


def test_scan_advice_checked_against_the_registry(
    online: Path, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _scan(_forever(online, registry), capsys)
    assert _fixes(report) == [WITH_REGISTRY]
    assert _skips(report) == []
    # Only the documents the advice reads: the vulnerable package and its chain, not the
    # devDependency optimist (a second path) nor wordwrap; each once.
    assert sorted(s.path for s in registry.seen) == ["forever", "minimist", "mkdirp", "utile"]


def test_offline_with_an_empty_cache_gives_the_offline_advice(
    online: Path, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _scan(_forever(online, registry), capsys, "--offline")
    assert _fixes(report) == [OFFLINE]
    assert _skips(report) == []
    assert registry.seen == []


def test_offline_from_the_cache_an_online_run_left(
    online: Path, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _forever(online, registry)
    _scan(root, capsys)
    registry.seen.clear()
    assert _fixes(_scan(root, capsys, "--offline")) == [WITH_REGISTRY]
    assert registry.seen == []
    # Online again: every document revalidated (304), none downloaded.
    assert _fixes(_scan(root, capsys)) == [WITH_REGISTRY]
    assert {s.status for s in registry.seen} == {304}


def test_no_registry_configured_no_catalog(
    online: Path, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _fixes(_scan(_forever(online, None), capsys)) == [OFFLINE]
    assert registry.seen == []


def test_a_missing_document_is_a_skip_and_no_false_conclusion(
    online: Path, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    del registry.documents["mkdirp"]
    report = _scan(_forever(online, registry), capsys)
    # Without mkdirp's releases nothing tells whether a newer forever would fix it: the
    # advice stays the offline one, never "no release of forever pulls a fixed version".
    assert _fixes(report) == [OFFLINE]
    assert _skips(report) == [
        {
            "target": "fix advice",
            "reason": "no registry metadata for 1 package (mkdirp): not found in the registry; "
            "its advice says only what the lockfile and the advisories tell",
        }
    ]


def test_cache_files_of_the_old_format_are_fetched_again(
    online: Path, registry: FakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _forever(online, registry)
    _scan(root, capsys)
    # What format 1 wrote: the same metadata without per-release dependencies.
    for path in cache.folder().glob("*.json"):
        body = json.loads(path.read_text())
        del body["metadata"]["dependency_sets"], body["metadata"]["dependencies"]
        path.write_text(json.dumps({**body, "version": 1}))
    registry.seen.clear()
    assert _fixes(_scan(root, capsys)) == [WITH_REGISTRY]
    # Not revalidated with the old ETag (a 304 would keep the old form): downloaded.
    assert {(s.if_none_match, s.status) for s in registry.seen} == {(None, 200)}


def test_a_release_installs_its_dependencies_optional_and_peer_ones() -> None:
    document = {
        "dist-tags": {"latest": "2.0.0"},
        "versions": {
            "1.0.0": {"dependencies": {"a": "^1.0.0"}},
            "1.1.0": {"dependencies": {"a": "^1.0.0"}},
            "2.0.0": {
                "peerDependencies": {"react": ">=16", "b": "^1.0.0"},
                "dependencies": {"b": "^2.0.0", "c": 3, "d": "~1.0.0"},
                "optionalDependencies": {"d": "^1.1.0"},
            },
            "3.0.0-beta.1": {},
        },
    }
    meta = parse_document("x", document)
    assert meta is not None
    assert meta.dependencies == {
        "1.0.0": {"a": "^1.0.0"},
        "1.1.0": {"a": "^1.0.0"},
        # A name in several sections takes npm's last: peer, then prod, then optional.
        "2.0.0": {"react": ">=16", "b": "^2.0.0", "d": "^1.1.0"},
    }
    stored = meta.to_json()
    assert stored["dependency_sets"] == [
        {"a": "^1.0.0"},
        {"b": "^2.0.0", "d": "^1.1.0", "react": ">=16"},
    ]
    assert stored["dependencies"] == {"1.0.0": 0, "1.1.0": 0, "2.0.0": 1}
    assert PackageMetadata.from_json(json.loads(json.dumps(stored))) == meta


_ranges = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4)


@given(st.dictionaries(st.text(max_size=8), _ranges, max_size=6))
def test_cached_form_round_trips(dependencies: dict[str, dict[str, str]]) -> None:
    meta = PackageMetadata("x", None, None, {}, tuple(dependencies), dependencies)
    stored = json.loads(json.dumps(meta.to_json()))
    assert PackageMetadata.from_json(stored) == meta
    distinct = {tuple(sorted(m.items())) for m in dependencies.values()}
    assert len(stored["dependency_sets"]) == len(distinct)


def test_catalog_tells_unknown_from_none(online: Path, registry: FakeRegistry) -> None:
    catalog = RegistryCatalog.of(RegistryClient(NpmConfig(f"{registry.url}/"), offline=False))
    assert catalog is not None
    assert catalog.prefetch(["mkdirp", "no-such-package"]) == {
        "no-such-package": "not found in the registry"
    }
    assert catalog.dependencies("mkdirp", "0.5.6") == {"minimist": "^1.2.6"}
    assert catalog.dependencies("mkdirp", "1.0.4") == {}  # published, depends on nothing
    assert catalog.dependencies("mkdirp", "9.9.9") is None  # not published: not known
    assert catalog.versions("no-such-package") is None
    assert catalog.versions("mkdirp") == [
        *(f"0.5.{n}" for n in range(7)),
        *(f"1.0.{n}" for n in range(5)),
    ]
    # Each document once, however often the advice asks.
    assert sorted(s.path for s in registry.seen) == ["mkdirp", "no-such-package"]
    assert RegistryCatalog.of(RegistryClient(NpmConfig(), offline=False)) is None
