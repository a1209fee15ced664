"""Fix advice that works and findings anchored where the fix goes (issue 14, items 3-4).

The projects under tests/fixtures/deps/fixes are small lockfiles with real dependency
ranges (see that folder's README for the facts each one encodes); the advisories are
GitHub's records for lodash and minimist, transcribed into OSV files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import pytest
from advisory_ids import advisory_ids
from hypothesis import given
from hypothesis import strategies as st

from nodeward.config import Config
from nodeward.deps import anchors, fixes
from nodeward.deps.advisories import osv_db
from nodeward.deps.advisories.interface import Advisory
from nodeward.deps.advisories.osv import parse_record
from nodeward.deps.audit import run_audit
from nodeward.deps.lockfiles.interface import Package, Scope
from nodeward.deps.lockfiles.load import read_lockfile
from nodeward.deps.lockfiles.manifest import read_manifest
from nodeward.deps.managers import ROOT, Manager, Workspace, install, override, update
from nodeward.deps.matching import match_packages
from nodeward.deps.placement import Placement
from nodeward.discover import DiscoveryOptions, discover
from nodeward.findings import Finding, PackageLocation, Severity, SourceLocation, fingerprint_of
from nodeward.project import load_project
from nodeward.report import sarif
from nodeward.scan import scan_path

FIXES = Path(__file__).parent.parent / "fixtures" / "deps" / "fixes"
SARIF_SCHEMA = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "schemas" / "sarif-schema-2.1.0.json").read_text()
)
LODASH_FOUR = "Upgrade lodash to 4.17.21 or later (fixes all 4 advisories): "


@pytest.fixture
def advisories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert osv_db.import_records(FIXES / "advisories") == 6
    return tmp_path


def _scan(tmp_path: Path, name: str) -> list[Finding]:
    root = tmp_path / name
    shutil.copytree(FIXES / name, root)
    report = scan_path(root, select=("DEP001",))
    # The fixture advisories are from 2024: only the note on the data's age.
    assert [
        (s.note, s.reason.endswith("(newest record 2024-01-01): run `nodeward db update`"))
        for s in report.skips
    ] == [(True, True)]
    return list(report.findings)


def _loc(finding: Finding) -> PackageLocation:
    assert isinstance(finding.location, PackageLocation)
    return finding.location


def _records() -> dict[str, list[Advisory]]:
    found: dict[str, list[Advisory]] = {}
    for path in sorted((FIXES / "advisories").glob("*.json")):
        advisory = parse_record(json.loads(path.read_text()))
        found.setdefault(advisory.affected[0].package, []).append(advisory)
    return found


class FakeCatalog:
    """An in-memory registry: versions and each release's dependencies."""

    def __init__(self, releases: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        self.releases = releases

    def versions(self, name: str) -> list[str] | None:
        known = self.releases.get(name)
        return list(known) if known is not None else None

    def dependencies(self, name: str, version: str) -> Mapping[str, str] | None:
        return self.releases.get(name, {}).get(version)


MINIMIST = [
    *(f"0.0.{n}" for n in range(1, 11)),
    "0.1.0",
    *(f"0.2.{n}" for n in range(5)),
    "1.0.0",
    *(f"1.1.{n}" for n in range(4)),
    *(f"1.2.{n}" for n in range(9)),
]
LODASH = ["4.17.4", "4.17.5", "4.17.10", "4.17.11", "4.17.12", "4.17.19", "4.17.20", "4.17.21"]


def _catalog(**extra: Mapping[str, Mapping[str, str]]) -> FakeCatalog:
    """Real facts: mkdirp 0.5.1 pins minimist 0.0.8; 0.5.2-0.5.5 depend on ^1.2.5, 0.5.6
    on ^1.2.6; mkdirp 1.x has no dependencies."""
    mkdirp: dict[str, Mapping[str, str]] = {"0.5.0": {"minimist": "0.0.8"}}
    mkdirp["0.5.1"] = {"minimist": "0.0.8"}
    mkdirp.update({f"0.5.{n}": {"minimist": "^1.2.5"} for n in range(2, 6)})
    mkdirp["0.5.6"] = {"minimist": "^1.2.6"}
    mkdirp.update({f"1.0.{n}": {} for n in range(5)})
    return FakeCatalog(
        {
            "minimist": {v: {} for v in MINIMIST},
            "lodash": {v: {} for v in LODASH},
            "mkdirp": mkdirp,
            "utile": {"0.2.1": {"mkdirp": "0.x.x"}},
            "forever": {"0.15.3": {"utile": "~0.2.1"}},
            **extra,
        }
    )


def _advice(name: str, package_name: str, catalog: fixes.VersionCatalog | None) -> str:
    """The advice for one package of a fixture project, computed with `catalog`."""
    root = FIXES / name
    rel = "package-lock.json"
    packages = read_lockfile(root / rel, rel, read_manifest(root / "package.json", root))
    assert isinstance(packages, list)
    package: Package = next(p for p in packages if p.name == package_name)
    placed = Placement(root).place(package)
    route = placed.routes[0]
    records = _records()[package_name]
    count = len(match_packages([package], {package_name: records}))
    context = fixes.FixContext(placed.manager, route.workspace, catalog)
    return fixes.advice(package, route.steps, records, count, context)


# -- item 3: fix advice ------------------------------------------------------------------


def test_one_target_clears_every_advisory_on_a_direct_dependency(advisories: Path) -> None:
    found = _scan(advisories, "lodash-direct")
    assert [advisory_ids(f) for f in found] == [
        [
            "GHSA-35jh-r3h4-6jhm",
            "GHSA-4xc9-xhrj-v574",
            "GHSA-fvqr-27wr-82fm",
            "GHSA-jf85-cpcp-j695",
        ]
    ]
    # Four advisories, one target: 4.17.21 and only that (never 4.17.5, 4.17.11, 4.17.12).
    assert {f.fix for f in found} == {LODASH_FOUR + "npm install lodash@^4.17.21"}


def test_override_is_checked_against_every_advisory(advisories: Path) -> None:
    records = _records()["lodash"]
    clearance = fixes.Clearance("lodash", records)
    still_open = [a.id for a in records if not fixes.Clearance("lodash", [a]).clear("4.17.5")]
    assert len(still_open) == 3  # the old per-advisory override, lodash 4.17.5
    assert not clearance.clear("4.17.5")
    assert clearance.target("4.17.4", None) == "4.17.21"
    assert clearance.target("4.17.4", _catalog()) == "4.17.21"
    [fix] = {f.fix for f in _scan(advisories, "lodash-pinned")}
    assert fix == (
        "legacy-helpers@1.0.0 requires lodash 4.17.4, which excludes 4.17.21, the lowest "
        "version that fixes all 4 advisories. A newer legacy-helpers within package.json's "
        'range "^1.0.0" may depend on a fixed version (not known offline): try npm update '
        "legacy-helpers, then audit again; else upgrade the direct dependency legacy-helpers "
        "(now 1.0.0) to a release whose dependencies pull lodash >= 4.17.21 -- which release "
        "that is cannot be known offline (see `npm view legacy-helpers dependencies`) -- or "
        'pin it: add "overrides": {"lodash": "4.17.21"} to the root package.json, then run '
        "npm install (path: legacy-helpers@1.0.0 > lodash@4.17.4)"
    )


def test_forever_mkdirp_minimist_offline(advisories: Path) -> None:
    found = _scan(advisories, "forever")
    assert len(found) == 1  # minimist@0.0.8 with its two advisories
    assert len(advisory_ids(found[0])) == 2
    [fix] = {f.fix for f in found}
    # 0.2.4 clears both minimist advisories (0.2.1 is still inside GHSA-xvch-5gv4-984h).
    # Offline, which mkdirp releases exist is unknown; that utile's range floats is known.
    assert fix == (
        "mkdirp@0.5.1 requires minimist 0.0.8, which excludes 0.2.4, the lowest version "
        'that fixes all 2 advisories. A newer mkdirp within utile@0.2.1\'s range "0.x.x" '
        "may depend on a fixed version (not known offline): try npm update mkdirp, then "
        "audit again; else upgrade the direct dependency forever (now 0.15.3) to "
        "a release whose dependencies pull minimist >= 0.2.4 -- which release that is cannot "
        "be known offline (see `npm view forever dependencies`) -- or pin it: add "
        '"overrides": {"minimist": "0.2.4"} to the root package.json, then run npm install '
        "(path: forever@0.15.3 > utile@0.2.1 > mkdirp@0.5.1 > minimist@0.0.8)"
    )


def test_forever_mkdirp_minimist_with_registry_metadata() -> None:
    # utile's range "0.x.x" allows mkdirp 0.5.6, which depends on minimist ^1.2.6: the
    # nearest update that takes the fix in is `npm update mkdirp`, not a new forever.
    assert _advice("forever", "minimist", _catalog()) == (
        "mkdirp@0.5.1 requires minimist 0.0.8, which excludes 0.2.4, the lowest version "
        'that fixes all 2 advisories; utile@0.2.1 allows mkdirp 0.5.6 ("0.x.x"), whose '
        "dependencies pull a fixed minimist: npm update mkdirp "
        "(path: forever@0.15.3 > utile@0.2.1 > mkdirp@0.5.1 > minimist@0.0.8)"
    )


def test_run_audit_takes_a_catalog(advisories: Path) -> None:
    root = advisories / "forever"
    shutil.copytree(FIXES / "forever", root)
    project = load_project(discover(root, DiscoveryOptions()), Config(path=root))
    result = run_audit(project, project.config, {"DEP001"}, catalog=_catalog())
    assert {f.fix.split("; ")[1] for f in result.findings} == {
        'utile@0.2.1 allows mkdirp 0.5.6 ("0.x.x"), whose dependencies pull a fixed minimist: '
        "npm update mkdirp (path: forever@0.15.3 > utile@0.2.1 > mkdirp@0.5.1 > minimist@0.0.8)"
    }


def test_direct_upgrade_then_override_with_registry_metadata() -> None:
    helpers = {"1.0.0": {"lodash": "4.17.4"}, "1.1.0": {"lodash": "4.17.4"}}
    upgraded = {**helpers, "2.0.0": {"lodash": "^4.17.21"}}
    assert _advice("lodash-pinned", "lodash", _catalog(**{"legacy-helpers": upgraded})) == (
        "legacy-helpers@1.0.0 requires lodash 4.17.4, which excludes 4.17.21, the lowest "
        "version that fixes all 4 advisories; legacy-helpers 2.0.0 pulls a fixed lodash: "
        "npm install legacy-helpers@^2.0.0 (path: legacy-helpers@1.0.0 > lodash@4.17.4)"
    )
    # A catalog that does not know legacy-helpers cannot rule a release out.
    unknown = _advice("lodash-pinned", "lodash", FakeCatalog({"lodash": {v: {} for v in LODASH}}))
    assert "cannot be known offline (see `npm view legacy-helpers dependencies`)" in unknown
    assert _advice("lodash-pinned", "lodash", _catalog(**{"legacy-helpers": helpers})) == (
        "legacy-helpers@1.0.0 requires lodash 4.17.4, which excludes 4.17.21, the lowest "
        "version that fixes all 4 advisories, and no release of legacy-helpers pulls a "
        'fixed version; pin it: add "overrides": {"lodash": "4.17.21"} to the root '
        "package.json, then run npm install (path: legacy-helpers@1.0.0 > lodash@4.17.4)"
    )


def test_yarn_classic_refresh_within_the_parents_range(advisories: Path) -> None:
    [finding] = _scan(advisories, "yarn-classic")
    assert finding.fix == (
        'mkdirp@0.5.5 already allows minimist 1.2.6 ("^1.2.5"), which fixes the advisory; '
        "refresh the lockfile: delete the minimist@1.2.5 entry from yarn.lock, then run "
        "yarn install (path: mkdirp@0.5.5 > minimist@1.2.5)"
    )
    assert (_loc(finding).manifest, _loc(finding).line) == ("package.json", 5)


def test_npm_workspace_commands_and_anchors(advisories: Path) -> None:
    found = _scan(advisories, "workspace-npm")
    by_name = {_loc(f).package: f for f in found}
    lodash, minimist = by_name["lodash"], by_name["minimist"]
    assert lodash.fix == LODASH_FOUR + "npm install -w packages/api lodash@^4.17.21"
    assert (_loc(lodash).manifest, _loc(lodash).line) == ("packages/api/package.json", 6)
    assert minimist.fix == (
        'mkdirp@0.5.5 already allows minimist 1.2.6 ("^1.2.5"), which fixes the advisory; '
        "refresh the lockfile: npm update minimist -w packages/api "
        "(path: mkdirp@0.5.5 > minimist@1.2.5)"
    )
    assert (_loc(minimist).manifest, _loc(minimist).line) == ("packages/api/package.json", 5)
    assert minimist.message.startswith(
        "minimist@1.2.5 (prod dependency via packages/api (workspace) > mkdirp@0.5.5) is "
        "affected by GHSA-xvch-5gv4-984h, CVE-2021-44906: Prototype Pollution in minimist "
        "(fixed in 1.2.6;"
    )


def test_pnpm_workspace_command_and_anchor(advisories: Path) -> None:
    found = _scan(advisories, "workspace-pnpm")
    assert {f.fix for f in found} == {
        LODASH_FOUR + "pnpm --filter ./packages/api add lodash@^4.17.21"
    }
    assert {(_loc(f).manifest, _loc(f).line) for f in found} == {("packages/api/package.json", 5)}
    lockfile = found[0].evidence[0].location
    assert isinstance(lockfile, PackageLocation)
    assert (lockfile.manifest, lockfile.line) == ("pnpm-lock.yaml", 19)


@pytest.mark.parametrize(
    ("manager", "where", "scope", "expected"),
    [
        (Manager.NPM, ROOT, Scope.PROD, "npm install lodash@^4.17.21"),
        (Manager.NPM, ROOT, Scope.DEV, "npm install -D lodash@^4.17.21"),
        (Manager.NPM, Workspace("packages/api", "@demo/api"), Scope.PROD,
         "npm install -w packages/api lodash@^4.17.21"),
        (Manager.YARN_CLASSIC, ROOT, Scope.OPTIONAL, "yarn add -O lodash@^4.17.21"),
        (Manager.YARN_BERRY, Workspace("packages/api", "@demo/api"), Scope.PROD,
         "yarn workspace @demo/api add lodash@^4.17.21"),
        (Manager.PNPM, ROOT, Scope.DEV, "pnpm add -D lodash@^4.17.21"),
        (Manager.PNPM, Workspace("packages/api"), Scope.PROD,
         "pnpm --filter ./packages/api add lodash@^4.17.21"),
    ],
)  # fmt: skip
def test_install_commands(manager: Manager, where: Workspace, scope: Scope, expected: str) -> None:
    assert install(manager, where, "lodash@^4.17.21", scope) == expected


def test_update_and_override_commands() -> None:
    assert update(Manager.NPM, ROOT, "minimist", "1.2.5") == "npm update minimist"
    assert update(Manager.YARN_BERRY, ROOT, "minimist", "1.2.5") == "yarn up -R minimist"
    assert update(Manager.PNPM, Workspace("packages/api"), "minimist", "1.2.5") == (
        "pnpm --filter ./packages/api update minimist"
    )
    assert override(Manager.YARN_CLASSIC, "lodash", "4.17.21") == (
        'add "resolutions": {"lodash": "4.17.21"} to the root package.json, then run yarn install'
    )
    assert override(Manager.PNPM, "lodash", "4.17.21") == (
        'add "pnpm": {"overrides": {"lodash": "4.17.21"}} to the root package.json, then run '
        "pnpm install"
    )
    assert Manager.of_lockfile("a/yarn.lock", "__metadata:\n  version: 8\n") is Manager.YARN_BERRY
    assert Manager.of_lockfile("yarn.lock", "# yarn lockfile v1\n") is Manager.YARN_CLASSIC
    assert Manager.of_lockfile("pnpm-lock.yaml", "") is Manager.PNPM
    assert Manager.of_lockfile("npm-shrinkwrap.json", "") is Manager.NPM


# -- item 4: anchors ---------------------------------------------------------------------


def test_transitive_finding_points_at_the_direct_dependency_line(advisories: Path) -> None:
    found = _scan(advisories, "forever")
    for finding in found:
        location = _loc(finding)
        assert (location.manifest, location.line) == ("package.json", 5)  # "forever"
        assert location.dependency_path == (
            "forever-app",
            "forever@0.15.3",
            "utile@0.2.1",
            "mkdirp@0.5.1",
            "minimist@0.0.8",
        )
        assert finding.message.startswith(
            "minimist@0.0.8 (prod dependency via forever@0.15.3 > utile@0.2.1 > mkdirp@0.5.1; "
            "also via optimist@0.6.1) is affected by "
        )
        entry, other = finding.evidence[:2]
        assert isinstance(entry.location, PackageLocation)
        assert (entry.location.manifest, entry.location.line) == ("package-lock.json", 24)
        assert entry.description == "lockfile entry of minimist@0.0.8 (package-lock.json:24)"
        assert other.location == SourceLocation("package.json", 8)  # "optimist"
        assert other.description == (
            "also pulled in via optimist@0.6.1 > minimist@0.0.8 (package.json:8)"
        )
        # Baselines keep matching: the fingerprint is still the lockfile's package.
        identity = PackageLocation("package-lock.json", "minimist", "0.0.8")
        assert finding.fingerprint == fingerprint_of("DEP001", identity)


def test_direct_dependency_also_pulled_in_by_another(advisories: Path) -> None:
    found = _scan(advisories, "lodash-twice")
    assert {f.fix for f in found} == {LODASH_FOUR + "npm install lodash@^4.17.21"}
    for finding in found:
        assert (_loc(finding).manifest, _loc(finding).line) == ("package.json", 5)
        assert finding.message.startswith(
            "lodash@4.17.4 (prod dependency, also via legacy-helpers@1.0.0) is affected by "
        )
        assert finding.evidence[1].location == SourceLocation("package.json", 6)


def test_sarif_related_locations_for_a_transitive_finding(advisories: Path) -> None:
    root = advisories / "forever"
    shutil.copytree(FIXES / "forever", root)
    data = json.loads(sarif.render(scan_path(root, select=("DEP001",))))
    jsonschema.validate(data, SARIF_SCHEMA)
    result = data["runs"][0]["results"][0]
    physical = result["locations"][0]["physicalLocation"]
    assert (physical["artifactLocation"]["uri"], physical["region"]["startLine"]) == (
        "package.json",
        5,
    )
    places = [r["physicalLocation"] for r in result["relatedLocations"]]
    related = [(p["artifactLocation"]["uri"], p["region"]["startLine"]) for p in places]
    assert related[:2] == [("package-lock.json", 24), ("package.json", 8)]


def test_missing_manifest_entry_falls_back_to_line_one(advisories: Path) -> None:
    root = advisories / "forever"
    shutil.copytree(FIXES / "forever", root)
    (root / "package.json").write_text('{"name": "forever-app"}\n', encoding="utf-8")
    found = scan_path(root, select=("DEP001",)).findings
    assert {(_loc(f).manifest, _loc(f).line) for f in found} == {("package.json", 1)}


def test_json_key_lines_reads_untrusted_json_robustly() -> None:
    text = (
        '{"description": "a { b: [ \\" } ", "dependencies":\n'
        '  {\n    "lodash" :\n "4.17.4", "x": {"lodash": "1"},\n'
        '    "lodash": "4.17.21"},\n "devDependencies": {"jest": "29"}}\n'
    )
    lines = anchors.json_key_lines(text)
    assert anchors.dependency_line(lines, "lodash") == 5  # the last duplicate, as JSON.parse
    assert anchors.dependency_line(lines, "jest") == 6
    assert anchors.dependency_line(lines, "missing") is None
    assert anchors.json_key_lines('{"a": [{"b": 1}], "c": 2') == {
        ("", "a"): 1,
        ("", "a", "[]", "b"): 1,
        ("", "c"): 1,
    }


@given(st.text(alphabet='{}[]:,"\\ \nab1', max_size=200))
def test_json_key_lines_never_fails(text: str) -> None:
    lines = anchors.json_key_lines(text)
    assert all(line >= 1 for line in lines.values())


def test_one_finding_per_package_version_with_every_advisory_and_path(
    advisories: Path,
) -> None:
    # lodash@4.17.4 twice in the lockfile (hoisted and nested), four advisories each: it
    # used to be eight DEP001 findings with the same text, one per advisory and path.
    found = _scan(advisories, "lodash-two-paths")
    assert len(found) == 1
    [finding] = found
    assert advisory_ids(finding) == [
        "GHSA-35jh-r3h4-6jhm",
        "GHSA-4xc9-xhrj-v574",
        "GHSA-fvqr-27wr-82fm",
        "GHSA-jf85-cpcp-j695",
    ]
    assert finding.message.endswith(
        "; installed at 2 paths: node_modules/legacy-helpers/node_modules/lodash, "
        "node_modules/lodash"
    )
    assert finding.severity is Severity.CRITICAL  # the highest of the four
    assert finding.message.startswith("lodash@4.17.4 (prod dependency) is affected by 4 advisories")
    assert finding.fix == LODASH_FOUR + "npm install lodash@^4.17.21"
