"""Dependency audit speed: import 5,000 OSV records, then scan a 2,000-package
package-lock.json against them end to end. Median of 5 runs each.

    python benchmarks/bench_deps.py

Records are the 467 real NSWG advisories (tests/fixtures/deps) copied under renamed
packages until there are 5,000; the lockfile is a synthetic v3 lockfile whose packages
use those names, half at affected versions. Targets: import < 10 s, scan < 2 s.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NSWG = ROOT / "tests" / "fixtures" / "deps" / "npm-nswg-osv.zip"
RECORDS, PACKAGES, RUNS = 5000, 2000, 5


def synthesize_records(target: Path) -> None:
    with zipfile.ZipFile(NSWG) as source:
        originals = [json.loads(source.read(n)) for n in source.namelist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for i in range(RECORDS):
            record = json.loads(json.dumps(originals[i % len(originals)]))
            record["id"] = f"SYN-{i}"
            record["aliases"] = []
            for affected in record["affected"]:
                affected["package"]["name"] = f"pkg-{i % PACKAGES}"
            out.writestr(f"SYN-{i}.json", json.dumps(record))


def synthesize_project(root: Path) -> None:
    packages: dict[str, object] = {"": {"name": "bench", "dependencies": {}}}
    deps = packages[""]["dependencies"]  # type: ignore[index]
    for i in range(PACKAGES):
        name = f"pkg-{i}"
        version = "0.0.1" if i % 2 else "99.0.0"
        if i < 200:
            deps[name] = version
        child = f"pkg-{i + 1}" if i + 1 < PACKAGES else None
        entry: dict[str, object] = {"version": version}
        if child:
            entry["dependencies"] = {child: "*"}
        packages[f"node_modules/{name}"] = entry
    lock = {"name": "bench", "lockfileVersion": 3, "packages": packages}
    (root / "package-lock.json").write_text(json.dumps(lock))
    (root / "package.json").write_text(json.dumps({"name": "bench", "dependencies": deps}))
    (root / "index.js").write_text('require("pkg-1");\n')


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        os.environ["NODEWARD_CACHE_DIR"] = str(base / "cache")
        from nodeward.deps.advisories import osv_db
        from nodeward.scan import scan_path

        archive = base / "records.zip"
        synthesize_records(archive)
        imports = []
        for _ in range(RUNS):
            started = time.perf_counter()
            count = osv_db.import_records(archive)
            imports.append(time.perf_counter() - started)
        project = base / "app"
        project.mkdir()
        synthesize_project(project)
        scans = []
        for _ in range(RUNS):
            started = time.perf_counter()
            report = scan_path(project, select=("DEP001",), offline=True)
            scans.append(time.perf_counter() - started)
        print(f"import {count} records: median {statistics.median(imports):.2f} s (target < 10 s)")
        print(
            f"scan {PACKAGES} packages -> {len(report.findings)} findings: "
            f"median {statistics.median(scans):.2f} s (target < 2 s)"
        )


if __name__ == "__main__":
    main()
