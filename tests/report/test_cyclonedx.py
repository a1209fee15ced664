"""`--format cyclonedx`: a CycloneDX 1.5 SBOM, valid against the schema cyclonedx-python-lib
ships, reproducible, with every installed copy, the dependency graph and the advisories."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from nodeward.cli import main
from nodeward.deps.advisories import osv_db
from nodeward.findings import (
    InstalledPackage,
    KnownVulnerability,
    Reachability,
    Report,
    Severity,
    Skip,
)
from nodeward.report import cyclonedx

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deps"
LOCK = "package-lock.json"


def _valid(text: str) -> dict[str, Any]:
    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)
    assert error is None, error
    document: dict[str, Any] = json.loads(text)
    return document


def _serial_of_content(text: str) -> str:
    """What the serial must be: a UUID5 of the document with the serial zeroed."""
    document = json.loads(text)
    field = '"serialNumber": "{}"'
    zeroed = field.format(uuid.UUID(int=0).urn)
    placeholder = text.replace(field.format(document["serialNumber"]), zeroed, 1)
    digest = hashlib.sha256(placeholder.removesuffix("\n").encode()).hexdigest()
    return uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_DNS, "nodeward.sbom"), digest).urn


@pytest.fixture
def project(tmp_path: Path) -> Path:
    osv_db.import_records(FIXTURES / "npm-nswg-osv.zip")
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(FIXTURES / "lockfiles" / "package.json", root / "package.json")
    shutil.copy(FIXTURES / "lockfiles" / "package-lock.v3.json", root / LOCK)
    (root / "server.js").write_text('const _ = require("lodash");\n_.template("<%= x %>");\n')
    return root


def _scan(root: Path, out: Path, *extra: str) -> tuple[int, str]:
    code = main(["scan", str(root), "--format", "cyclonedx", "-o", str(out), *extra])
    return code, out.read_text(encoding="utf-8")


def test_scan_writes_a_valid_reproducible_sbom(project: Path, tmp_path: Path) -> None:
    code, text = _scan(project, tmp_path / "sbom.json", "--fail-on", "critical")
    assert code == 0
    bom = _valid(text)
    assert (bom["bomFormat"], bom["specVersion"], bom["version"]) == ("CycloneDX", "1.5", 1)
    assert "timestamp" not in bom["metadata"]
    assert {"name": "cdx:reproducible", "value": "true"} in bom["metadata"]["properties"]
    assert bom["serialNumber"] == _serial_of_content(text)
    assert bom["metadata"]["component"] == {
        "bom-ref": f"{LOCK}#",
        "name": "lockdemo",
        "type": "application",
    }
    again = _scan(project, tmp_path / "again.json", "--fail-on", "critical")[1]
    assert again == text


def _components(bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for component in bom["components"]:
        props = {p["name"]: p["value"] for p in component.get("properties", [])}
        found[component["bom-ref"].removeprefix(f"{LOCK}#")] = {
            "group": component.get("group"),
            "name": component["name"],
            "purl": component.get("purl"),
            "scope": component.get("scope"),
            **props,
        }
    return found


def test_components_carry_purl_scope_direct_dev_and_path(project: Path, tmp_path: Path) -> None:
    bom = _valid(_scan(project, tmp_path / "sbom.json", "--fail-on", "critical")[1])
    components = _components(bom)
    lock = json.loads((project / LOCK).read_text())
    installed = {k for k, v in lock["packages"].items() if k and not v.get("link")}
    assert set(components) == installed  # every installed copy, links are not copies
    common = {"nodeward:manifest": LOCK}
    assert components["node_modules/lodash"] == {
        "group": None,
        "name": "lodash",
        "purl": "pkg:npm/lodash@4.17.4",
        "scope": "required",
        "nodeward:dependency": "direct",
        "cdx:npm:package:path": "node_modules/lodash",
        **common,
    }
    assert components["node_modules/my-lodash"]["purl"] == "pkg:npm/lodash@4.17.21"
    assert components["node_modules/minimist"] == {
        "group": None,
        "name": "minimist",
        "purl": "pkg:npm/minimist@0.0.8",
        "scope": "optional",
        "nodeward:dependency": "direct",
        "cdx:npm:package:development": "true",
        "cdx:npm:package:path": "node_modules/minimist",
        **common,
    }
    assert components["node_modules/is-number"]["scope"] == "optional"
    assert "cdx:npm:package:development" not in components["node_modules/is-number"]
    nested = components["node_modules/finalhandler/node_modules/debug"]
    assert (nested["purl"], nested["scope"], nested["nodeward:dependency"]) == (
        "pkg:npm/debug@2.6.9",
        "required",
        "transitive",
    )
    assert components["packages/app"] == {
        "group": "@demo",
        "name": "app",
        "purl": None,  # a workspace folder, not a registry package
        "scope": "required",
        "nodeward:dependency": "direct",
        "nodeward:source": "workspace",
        **common,
    }
    assert components["local-lib"]["nodeward:source"] == "file"


def test_dependency_graph(project: Path, tmp_path: Path) -> None:
    bom = _valid(_scan(project, tmp_path / "sbom.json", "--fail-on", "critical")[1])
    graph = {
        d["ref"].removeprefix(f"{LOCK}#"): sorted(
            r.removeprefix(f"{LOCK}#") for r in d.get("dependsOn", [])
        )
        for d in bom["dependencies"]
    }
    assert graph[""] == [
        "local-lib",
        "node_modules/express",
        "node_modules/is-number",
        "node_modules/lodash",
        "node_modules/minimist",
        "node_modules/my-lodash",
        "packages/app",
    ]
    assert graph["node_modules/finalhandler"][:2] == [
        "node_modules/encodeurl",
        "node_modules/escape-html",
    ]
    assert "node_modules/finalhandler/node_modules/debug" in graph["node_modules/finalhandler"]
    assert graph["node_modules/finalhandler/node_modules/debug"] == [
        "node_modules/finalhandler/node_modules/ms"
    ]
    assert graph["local-lib"] == ["local-lib/node_modules/ms"]
    assert graph["packages/app"] == ["node_modules/ms"]
    assert graph["node_modules/lodash"] == []
    assert len(graph["node_modules/express"]) == 28


def test_vulnerabilities_found_by_the_audit(project: Path, tmp_path: Path) -> None:
    code, text = _scan(project, tmp_path / "sbom.json", "--fail-on", "low")
    assert code == 1  # the format changes nothing about the exit code
    bom = _valid(text)
    summary = [
        (
            v["id"],
            [a["ref"] for a in v["affects"]],
            [(r["severity"], r.get("method"), r["source"]["name"]) for r in v["ratings"]],
            [(r["id"], r["source"]["name"]) for r in v["references"]],
            v["recommendation"],
            {p["name"]: p["value"] for p in v["properties"]},
        )
        for v in bom["vulnerabilities"]
    ]
    assert summary == [
        (
            "NSWG-ECO-368",
            [f"{LOCK}#node_modules/lodash"],
            [("low", "CVSSv3", "Node.js Security WG")],
            [("CVE-2018-3721", "NVD")],
            "Upgrade to 4.17.5 or later",
            {"nodeward:reachability": "reachable"},
        ),
        (
            "NSWG-ECO-493",
            [f"{LOCK}#node_modules/lodash"],
            [("medium", "CVSSv3", "Node.js Security WG")],
            [("CVE-2018-16487", "NVD")],
            "Upgrade to 4.17.11 or later",
            {"nodeward:reachability": "reachable"},
        ),
    ]
    assert bom["vulnerabilities"][0]["source"] == {
        "name": "Node.js Security WG",
        "url": "https://github.com/nodejs/security-wg/blob/main/vuln/npm/368.json",
    }


def test_inventory_without_the_audit_rule(project: Path, tmp_path: Path) -> None:
    bom = _valid(_scan(project, tmp_path / "sbom.json", "--ignore", "DEP001")[1])
    assert len(bom["components"]) == 53
    assert "vulnerabilities" not in bom


def _report(**fields: Any) -> Report:
    hoek = InstalledPackage(
        ref=f"{LOCK}#node_modules/@hapi/hoek",
        name="@hapi/hoek",
        version="8.0.0",
        manifest=LOCK,
        project=".",
        scope="prod",
        direct=True,
        source="registry",
        install_path="node_modules/@hapi/hoek",
    )
    given: dict[str, Any] = {"tool_version": "0.1.0", "root": "/work/shop", "findings": ()}
    return Report(**{**given, "packages": (hoek,), **fields})


def test_scoped_package_purl_and_unnamed_project() -> None:
    workspace = InstalledPackage(
        ref="pnpm-lock.yaml#workspace:packages/api",
        name="packages/api",  # pnpm names a workspace importer by its folder
        version="0.0.0-workspace",
        manifest="pnpm-lock.yaml",
        project=".",
        scope="prod",
        direct=True,
        source="workspace",
    )
    bom = _valid(cyclonedx.render(_report(packages=(_report().packages[0], workspace))))
    named = {c["bom-ref"]: (c.get("group"), c["name"], c.get("purl")) for c in bom["components"]}
    assert named == {
        f"{LOCK}#node_modules/@hapi/hoek": ("@hapi", "hoek", "pkg:npm/%40hapi/hoek@8.0.0"),
        "pnpm-lock.yaml#workspace:packages/api": (None, "packages/api", None),
        # two lockfiles: each project is an application component under the scanned folder
        f"{LOCK}#": (None, "shop", None),
        "pnpm-lock.yaml#": (None, "shop", None),
    }
    assert bom["metadata"]["component"]["name"] == "shop"
    graph = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert graph["."] == [f"{LOCK}#", "pnpm-lock.yaml#"]
    assert graph[f"{LOCK}#"] == [f"{LOCK}#node_modules/@hapi/hoek"]


def test_suppressed_findings_leave_no_vulnerability_and_skips_are_listed() -> None:
    known = KnownVulnerability(
        id="GHSA-xxxx-xxxx-xxxx",
        aliases=(),
        summary="pollution",
        severity=Severity.HIGH,
        database="osv-db",
        affects=(f"{LOCK}#node_modules/@hapi/hoek",),
        finding="not-in-the-report",
        reachability=Reachability.UNKNOWN,
    )
    bom = _valid(
        cyclonedx.render(
            _report(vulnerabilities=(known,), skips=(Skip(LOCK, "invalid JSON at line 3"),))
        )
    )
    assert "vulnerabilities" not in bom
    assert {"name": "nodeward:skip", "value": f"{LOCK}: invalid JSON at line 3"} in bom["metadata"][
        "properties"
    ]


def test_a_package_named_like_the_placeholder_serial_is_left_alone() -> None:
    tricky = InstalledPackage(
        ref=f"{LOCK}#node_modules/x",
        name=uuid.UUID(int=0).urn,
        version="1.0.0",
        manifest=LOCK,
        project="app",
        scope="prod",
        direct=True,
        source="file",
    )
    bom = _valid(cyclonedx.render(_report(packages=(tricky,))))
    assert bom["components"][0]["name"] == uuid.UUID(int=0).urn
    assert bom["serialNumber"] != uuid.UUID(int=0).urn


def test_content_changes_the_serial() -> None:
    one = json.loads(cyclonedx.render(_report()))["serialNumber"]
    other = json.loads(cyclonedx.render(_report(tool_version="0.2.0")))["serialNumber"]
    assert one != other
    assert one == json.loads(cyclonedx.render(_report()))["serialNumber"]


def test_the_library_is_loaded_only_for_this_format() -> None:
    """Neither the SBOM library nor Jinja2 nor httpx loads with the command line: a static
    scan that needs none of them does not pay for them."""
    code = (
        "import sys, nodeward.cli; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('cyclonedx', 'jinja2', 'httpx') or 'cyclonedx' in m))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_static_json_scan_loads_neither_the_probe_nor_its_libraries(
    project: Path, tmp_path: Path
) -> None:
    """A whole static scan (code, lockfile, advisories) written as JSON: the probe, httpx,
    Jinja2 and the SBOM library stay unloaded."""
    out = tmp_path / "report.json"
    code = (
        "import sys; from nodeward.cli import main; "
        f"main(['scan', {str(project)!r}, '-f', 'json', '-q', '-o', {str(out)!r}]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cyclonedx', 'jinja2', 'httpx') "
        "or m.startswith(('nodeward.web', 'nodeward.report.html'))))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "[]"
    assert {f["rule"] for f in json.loads(out.read_text())["findings"]} >= {"DEP001"}


def test_skipping_the_library_model_check_changes_nothing(project: Path, tmp_path: Path) -> None:
    """render() skips Bom.validate (quadratic); with it, the document is the same."""
    from cyclonedx.output.json import JsonV1Dot5

    from nodeward.scan import scan_path

    report = scan_path(project, offline=True)
    assert report.vulnerabilities  # the comparison covers the vulnerabilities too
    checked = JsonV1Dot5(cyclonedx.build_bom(report)).output_as_string(indent=2)
    assert cyclonedx.render(report) == cyclonedx.with_serial(checked)


def test_the_sbom_is_the_same_whatever_the_hash_seed(project: Path, tmp_path: Path) -> None:
    """Reproducible across processes, not only within one: nothing depends on set order."""
    outputs = []
    for seed in (1, 2):
        out = tmp_path / f"sbom-{seed}.json"
        command = [sys.executable, "-m", "nodeward", "scan", str(project), "-f", "cyclonedx"]
        subprocess.run(
            [*command, "-o", str(out), "--fail-on", "critical"],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            check=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b'"vulnerabilities"' in outputs[0]


def test_a_lockfile_entry_without_a_usable_name_has_no_purl() -> None:
    odd = InstalledPackage(
        ref=f"{LOCK}#node_modules/@",
        name="@/",
        version="",
        manifest=LOCK,
        project="app",
        scope="prod",
        direct=True,
        source="registry",
    )
    (component,) = _valid(cyclonedx.render(_report(packages=(odd,))))["components"]
    assert "purl" not in component
    assert component["bom-ref"] == f"{LOCK}#node_modules/@"
