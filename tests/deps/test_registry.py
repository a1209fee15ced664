"""DEP003-DEP005 and --resolve-ranges against fake registries on 127.0.0.1: npm
configuration (scoped registries, tokens for their host only), ETag revalidation, the
offline cache; and lockfiles read whatever .gitignore says."""

from __future__ import annotations

import json
import shutil
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_server import FakeRegistry

from nodeward.cli import main
from nodeward.deps.advisories import osv_db
from nodeward.deps.registry import cache, npmrc
from nodeward.deps.registry.client import RegistryClient
from nodeward.deps.registry.metadata import highest_allowed, neutralised, parse_document
from nodeward.findings import Confidence, PackageLocation
from nodeward.report import json_report, text
from nodeward.scan import scan_path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "deps"
REGISTRY = FIXTURES / "registry"
TOKEN = "npm_s3cretT0ken"  # noqa: S105 - a fake token for the fake registry
REGISTRY_RULES = ("DEP003", "DEP004", "DEP005")


@pytest.fixture
def online(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Network allowed (to 127.0.0.1 only), an empty cache, no user .npmrc."""
    monkeypatch.delenv("NODEWARD_OFFLINE", raising=False)
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path / "cache"


@pytest.fixture
def registries() -> Iterator[tuple[FakeRegistry, FakeRegistry]]:
    """The public-style registry and a private one serving the @acme scope."""
    public = FakeRegistry.from_folder(REGISTRY / "docs")
    private = FakeRegistry({"@acme/private-lib": public.documents.pop("@acme/private-lib")})
    public.start()
    private.start()
    yield public, private
    public.stop()
    private.stop()


def _app(tmp_path: Path, public: FakeRegistry, private: FakeRegistry) -> Path:
    root = tmp_path / "app"
    shutil.copytree(REGISTRY / "app", root)
    port = private.url.rsplit(":", 1)[1]
    (root / ".npmrc").write_text(
        f"registry={public.url}/\n"
        f"@acme:registry={private.url}/\n"
        f"//127.0.0.1:{port}/:_authToken=${{ACME_TOKEN}}\n"
    )
    return root


def _rows(report: object) -> list[tuple[str, str, int | None, str, str]]:
    rows = []
    for f in report.findings:  # type: ignore[attr-defined]
        assert isinstance(f.location, PackageLocation)
        rows.append((f.rule, f.location.package, f.location.line, f.severity.label, f.message))
    return rows


EXPECTED = [
    (
        "DEP003",
        "express",
        5,
        "low",
        'express@4.21.2 brings 1 deprecated package: querystring@0.2.0 ("The querystring '
        'API is considered Legacy. new code should use the URLSearchParams API instead.")',
    ),
    (
        "DEP004",
        "express",
        5,
        "low",
        "express@4.21.2 is 1 major version behind the latest release 5.1.0 "
        "(package.json allows ^4.21.2)",
    ),
    (
        "DEP003",
        "request",
        6,
        "medium",
        'request@2.88.2 is deprecated: "request has been deprecated, see '
        'https://github.com/request/request/issues/3142"; it also brings 2 deprecated '
        'packages: har-validator@5.1.5 ("this library is no longer supported"); '
        'uuid@3.4.0 ("Please upgrade to version 7 or higher. Older versions may use '
        'Math.random() in certain circumstances, which is known to be problematic.")',
    ),
    ("DEP005", "escape-html", 7, "low", "escape-html@1.0.3: the latest release of escape-html "),
    (
        "DEP004",
        "@acme/private-lib",
        9,
        "low",
        "@acme/private-lib@1.0.0 is 1 major version behind the latest release 2.0.0 "
        "(package.json allows ^1.0.0)",
    ),
    (
        "DEP003",
        "csurf",
        12,
        "medium",
        'csurf@1.11.0 is deprecated: "This package is archived and no longer maintained. '
        'For support, visit https://github.com/expressjs/express/discussions"',
    ),
]


def _normalised(rows: list[tuple[str, str, int | None, str, str]]) -> list[tuple[object, ...]]:
    """The unmaintained message ends with a date and an age; keep its fixed start."""
    start = next(row[4] for row in EXPECTED if row[0] == "DEP005")
    return [(*row[:4], row[4][: len(start)] if row[0] == "DEP005" else row[4]) for row in rows]


def test_deprecated_outdated_unmaintained_with_scoped_registry_and_token(
    tmp_path: Path,
    online: Path,
    registries: tuple[FakeRegistry, FakeRegistry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public, private = registries
    monkeypatch.setenv("ACME_TOKEN", TOKEN)
    root = _app(tmp_path, public, private)
    report = scan_path(root, select=REGISTRY_RULES)
    assert _normalised(_rows(report)) == EXPECTED
    unmaintained = next(f for f in report.findings if f.rule == "DEP005")
    assert "was published on 2015-09-01, " in unmaintained.message
    assert report.unevaluated == ()
    assert report.skips == ()
    # The token goes to the scoped registry's host only, and nowhere into a report or
    # the cache; the public registry never sees an Authorization header.
    assert {s.authorization for s in private.seen} == {f"Bearer {TOKEN}"}
    assert {s.authorization for s in public.seen} == {None}
    assert {s.accept for s in public.seen} == {"application/json"}
    for rendered in (json_report.render(report), text.render(report)):
        assert TOKEN not in rendered
    assert all(TOKEN not in p.read_text() for p in cache.folder().iterdir())
    assert TOKEN not in repr(npmrc.load(root))
    # The scorecard has the practice's row.
    data = json.loads(json_report.render(report))
    [row] = [r for r in data["scorecard"] if r["practice"] == "updated-dependencies"]
    assert (row["title"], row["status"], row["findings"]) == (
        "Keep npm libraries updated",
        "fail",
        6,
    )


def test_etag_revalidation_then_offline_from_the_cache(
    tmp_path: Path,
    online: Path,
    registries: tuple[FakeRegistry, FakeRegistry],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public, private = registries
    root = _app(tmp_path, public, private)
    first = scan_path(root, select=REGISTRY_RULES)
    assert {(s.if_none_match, s.status) for s in public.seen} == {(None, 200)}
    public.seen.clear()
    second = scan_path(root, select=REGISTRY_RULES)
    assert len(public.seen) == 9
    assert all(s.if_none_match and s.status == 304 for s in public.seen)
    assert _rows(second) == _rows(first)
    # Offline (and the registries gone): the same findings from the cache, with its age.
    public.stop()
    private.stop()
    # Online but the registries are down: the cache, saying why.
    down = scan_path(root, select=REGISTRY_RULES)
    assert _rows(down) == _rows(first)
    assert [s.reason for s in down.skips] == [
        "the registry did not answer: package metadata from the cache, up to 0.0 days old"
    ]
    monkeypatch.setenv("NODEWARD_OFFLINE", "1")
    offline = scan_path(root, select=REGISTRY_RULES)
    assert _rows(offline) == _rows(first)
    assert [s.reason for s in offline.skips] == [
        "offline: package metadata from the cache, up to 0.0 days old"
    ]


def test_offline_without_cache_is_not_checked(
    tmp_path: Path, online: Path, registries: tuple[FakeRegistry, FakeRegistry]
) -> None:
    root = _app(tmp_path, *registries)
    report = scan_path(root, select=REGISTRY_RULES, offline=True)
    assert report.findings == ()
    assert [(u.rule, u.reason) for u in report.unevaluated] == [
        (code, "no registry metadata: offline and not in the metadata cache")
        for code in REGISTRY_RULES
    ]
    assert registries[0].seen == []
    data = json.loads(json_report.render(report))
    [row] = [r for r in data["scorecard"] if r["practice"] == "updated-dependencies"]
    assert row["status"] == "not-checked"


def test_no_registry_configured_is_not_checked(tmp_path: Path, online: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(REGISTRY / "app", root)
    report = scan_path(root, select=("DEP004",))
    assert [(u.rule, u.reason) for u in report.unevaluated] == [
        ("DEP004", "no registry metadata: no npm registry configured")
    ]


def test_resolve_ranges_without_lockfile(
    tmp_path: Path, online: Path, registries: tuple[FakeRegistry, FakeRegistry]
) -> None:
    public, _private = registries
    root = tmp_path / "app"
    root.mkdir()
    manifest = {"dependencies": {"express": "^4.0.0", "lodash": "4.17.21"}}
    (root / "package.json").write_text(json.dumps(manifest))
    (root / ".npmrc").write_text(f"registry={public.url}\n")
    # Without --resolve-ranges: the range is not guessed from its minimum (4.0.0).
    report = scan_path(root, select=("DEP004",))
    assert report.findings == ()
    assert [(s.target, s.reason) for s in report.skips] == [
        (
            "package.json",
            "no lockfile: 1 declared dependency not checked (express ^4.0.0), nor any "
            "dependency of a dependency; commit the lockfile, or pass --resolve-ranges",
        )
    ]
    # With it: the version npm would install today (latest 5.1.0 is outside ^4: 4.21.2).
    public.seen.clear()
    report = scan_path(root, select=("DEP004",), resolve_ranges=True)
    # One request per document, shared by the resolution and the rule.
    assert sorted(s.path for s in public.seen) == ["express", "lodash"]
    assert [(f.message, f.confidence) for f in report.findings] == [
        (
            "express@4.21.2 is 1 major version behind the latest release 5.1.0 "
            "(package.json allows ^4.0.0)",
            Confidence.LOW,
        )
    ]
    args = ["scan", str(root), "--select", "DEP004", "--format", "json", "--fail-on", "low"]
    assert main(args) == 0  # the range is not checked: nothing to fail on
    assert main([*args, "--resolve-ranges"]) == 1


def _morgan_records(tmp_path: Path) -> None:
    """CVE-2019-5413: morgan before 1.9.1."""
    records = tmp_path / "records"
    records.mkdir()
    record = {
        "id": "GHSA-gwg9-rgvj-4h5j",
        "summary": "Code Injection in morgan",
        # Dated today: a database with fresh data adds no note on its age.
        "modified": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "morgan"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.9.1"}]}],
            }
        ],
    }
    (records / "morgan.json").write_text(json.dumps(record))
    osv_db.import_records(records)


def _morgan_app(tmp_path: Path, lockfile: str) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    manifest = {"name": "m", "dependencies": {"morgan": "^1.9.0"}}
    (root / "package.json").write_text(json.dumps(manifest))
    (root / "package-lock.json").write_text(lockfile)
    return root


LOCK = {
    "name": "m",
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "m", "dependencies": {"morgan": "^1.9.0"}},
        "node_modules/morgan": {"version": "1.10.0"},
    },
}


def test_gitignored_lockfile_is_read(tmp_path: Path, online: Path) -> None:
    """Regression: a .gitignore'd lockfile was skipped and morgan ^1.9.0 was reported as
    1.9.0 (vulnerable) while the lockfile installs 1.10.0."""
    _morgan_records(tmp_path)
    root = _morgan_app(tmp_path, json.dumps(LOCK))
    (root / ".gitignore").write_text("package-lock.json\nnode_modules/\n")
    report = scan_path(root, select=("DEP001",), offline=True)
    assert report.findings == ()
    assert report.skips == ()
    assert report.unevaluated == ()
    # --max-file-size is for scripts; lockfiles are data and keep their own, larger bound.
    small = scan_path(root, select=("DEP001",), offline=True, max_file_size=10)
    assert (small.findings, [s.target for s in small.skips]) == ((), ["package.json"])
    excluded = scan_path(root, select=("DEP001",), offline=True, exclude=("package-lock.json",))
    assert [s.target for s in excluded.skips] == ["package.json"]  # --exclude still applies


def test_broken_lockfile_is_a_skip_and_declared_pins_are_checked(
    tmp_path: Path, online: Path
) -> None:
    """Regression: a broken lockfile next to a valid package.json gave no result at all."""
    _morgan_records(tmp_path)
    root = _morgan_app(tmp_path, '{"lockfileVersion": 3, "packages": {')
    manifest = {"name": "m", "dependencies": {"morgan": "1.9.0", "express": "^4.0.0"}}
    (root / "package.json").write_text(json.dumps(manifest))
    report = scan_path(root, select=("DEP001",), offline=True)
    assert [(f.location.package, f.location.version) for f in report.findings] == [  # type: ignore[union-attr]
        ("morgan", "1.9.0")
    ]
    assert [(s.target, s.reason.split(":")[0]) for s in report.skips] == [
        ("package-lock.json", "invalid JSON at line 1, column 37"),
        ("package.json", "no lockfile"),
    ]
    assert [(u.rule, u.reason) for u in report.unevaluated] == [
        ("DEP001", "no lockfile: 1 declared dependency not checked")
    ]


def test_deprecation_messages_are_neutralised() -> None:
    assert neutralised("\x1b[31mred\x1b[0m\nnext\u202eline\t end") == "red next line end"
    assert neutralised("\x1b]8;;http://evil\x07link\x1b]8;;\x07") == "link"
    assert len(neutralised("x" * 1000)) == 300
    document = {
        "dist-tags": {"latest": "2.0.0"},
        "versions": {"1.0.0": {"deprecated": ""}, "2.0.0": {"deprecated": "gone\r\n"}},
    }
    meta = parse_document("p", document)
    assert meta is not None
    assert meta.deprecated == {"2.0.0": "gone"}  # "" un-deprecates
    assert parse_document("p", ["not", "a", "document"]) is None


def test_highest_allowed_follows_npm() -> None:
    meta = parse_document(
        "p",
        {
            "dist-tags": {"latest": "1.2.0"},
            "versions": {v: {} for v in ("1.0.0", "1.2.0", "1.3.0-beta.1", "2.0.0")}
            | {"1.1.0": {"deprecated": "broken"}, "1.1.5": {"deprecated": "broken"}},
        },
    )
    assert meta is not None
    assert highest_allowed(meta, "^1.0.0") == "1.2.0"  # latest when the range allows it
    assert highest_allowed(meta, ">=1.1.0 <1.2.0") == "1.1.5"  # only deprecated ones left
    assert highest_allowed(meta, "~1.0.0 || ~1.1.0") == "1.0.0"  # not deprecated first
    assert highest_allowed(meta, "^2.0.0") == "2.0.0"
    assert highest_allowed(meta, "^3.0.0") is None


def test_npmrc_precedence_scopes_and_token_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(variable, raising=False)
    (home / ".npmrc").write_text(
        "registry=http://127.0.0.1:1111/\n//127.0.0.1:2222/:_authToken=user-token\n"
    )
    project = tmp_path / "p"
    project.mkdir()
    (project / ".npmrc").write_text(
        "; comment\nregistry = http://127.0.0.1:2222\n@acme:registry=http://127.0.0.1:3333/r/\n"
    )
    config = npmrc.load(project)
    assert config.registry == "http://127.0.0.1:2222/"  # the project wins over the user
    assert config.url_for("@acme/a") == "http://127.0.0.1:3333/r/@acme%2Fa"
    assert config.url_for("express") == "http://127.0.0.1:2222/express"
    assert config.token_for("http://127.0.0.1:2222/express") == "user-token"
    assert config.token_for("http://127.0.0.1:22222/express") is None  # another port
    assert config.token_for("http://127.0.0.1:3333/r/@acme%2Fa") is None
    assert "user-token" not in repr(config)
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:4444")
    assert npmrc.load(project).registry == "http://127.0.0.1:4444/"  # the environment wins


def test_invalid_package_names_never_become_requests(
    online: Path, registries: tuple[FakeRegistry, FakeRegistry]
) -> None:
    public, _private = registries
    config = npmrc.NpmConfig(registry=public.url + "/")
    fetched = RegistryClient(config, offline=False).fetch(["..", "a/../b", "%2e%2e", "lodash"])
    assert sorted(fetched.metadata) == ["lodash"]
    assert fetched.missing == dict.fromkeys(
        ["%2e%2e", "..", "a/../b"], "not a valid npm package name"
    )
    assert [s.path for s in public.seen] == ["lodash"]


@given(st.text())
def test_neutralised_text_has_no_control_characters(text_in: str) -> None:
    shown = neutralised(text_in)
    assert len(shown) <= 300
    assert not any(unicodedata.category(c)[0] == "C" for c in shown)


def test_corrupt_cache_file_is_no_entry(online: Path) -> None:
    url = "http://127.0.0.1:9/lodash"
    meta = parse_document("lodash", {"dist-tags": {"latest": "4.17.21"}, "versions": {}})
    assert meta is not None
    cache.write(url, meta, '"e1"')
    entry = cache.read(url)
    assert entry is not None
    assert (entry.metadata, entry.etag) == (meta, '"e1"')
    for path in cache.folder().iterdir():
        path.write_text("{not json")
    assert cache.read(url) is None


def test_workspace_members_direct_dependencies(
    tmp_path: Path, online: Path, registries: tuple[FakeRegistry, FakeRegistry]
) -> None:
    public, _private = registries
    root = tmp_path / "mono"
    member = root / "packages" / "app"
    member.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "mono", "workspaces": ["packages/*"]}))
    (member / "package.json").write_text(
        '{\n  "name": "@demo/app",\n  "dependencies": {\n    "express": "^4.21.2"\n  }\n}\n'
    )
    lock = {
        "name": "mono",
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "mono", "workspaces": ["packages/*"]},
            "node_modules/@demo/app": {"resolved": "packages/app", "link": True},
            "packages/app": {"name": "@demo/app", "dependencies": {"express": "^4.21.2"}},
            "node_modules/express": {"version": "4.21.2", "dependencies": {"querystring": "*"}},
            "node_modules/querystring": {"version": "0.2.0"},
        },
    }
    (root / "package-lock.json").write_text(json.dumps(lock))
    (root / ".npmrc").write_text(f"registry={public.url}/\n")
    report = scan_path(root, select=REGISTRY_RULES)
    assert [(f.rule, f.location.manifest, f.location.line) for f in report.findings] == [  # type: ignore[union-attr]
        ("DEP003", "packages/app/package.json", 4),
        ("DEP004", "packages/app/package.json", 4),
    ]
