"""Time the app model and its rules on a real code base (default: mongoose's lib/).

    python benchmarks/bench_routes.py [PATH] [--runs 5]

Without PATH, mongoose is installed with npm into a temporary folder. Prints the median of
`--runs` runs for: parsing the project (the foundation's cost, for scale), building the
app model (the fast path and the full walk forced over every file), the route-aware rules,
and `nodeward routes PATH` end to end as a subprocess.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nodeward.analysis.checkers import Checks
from nodeward.analysis.context import AnalysisContext
from nodeward.discover import DiscoveryOptions, discover
from nodeward.project import Project, load_project
from nodeward.source.appmodel.builder import build
from nodeward.source.rules import (
    access_control,
    auth_flows,
    brute_force,
    csrf,
    diagnostics,
    header_order,
)

MODEL_CHECKERS = (
    csrf.CHECKER,
    brute_force.CHECKER,
    access_control.CHECKER,
    diagnostics.CHECKER,
    header_order.CHECKER,
    auth_flows.CHECKER,
)


def install_mongoose(into: Path) -> Path:
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "mongoose"],
        cwd=into,
        check=True,
    )
    return into / "node_modules" / "mongoose" / "lib"


def median_seconds(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def load(path: Path) -> Project:
    return load_project(discover(path, DiscoveryOptions(include_node_modules=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        path = args.path if args.path is not None else install_mongoose(Path(temp))
        project = load(path)
        lines = sum(len(ctx.parsed.text.lines) for ctx in project.files)
        codes = frozenset(rule.code for checker in MODEL_CHECKERS for rule in checker.rules)
        results = {
            "parse project (foundation, for scale)": median_seconds(lambda: load(path), args.runs),
            "app model (as scans run it)": median_seconds(lambda: build(project.files), args.runs),
            "app model, full walk forced": median_seconds(
                lambda: build(project.files, always=True), args.runs
            ),
            "route-aware rules (fresh project each run)": median_seconds(
                lambda: Checks(MODEL_CHECKERS).analyze(AnalysisContext(load(path), codes)),
                args.runs,
            )
            - median_seconds(lambda: load(path), args.runs),
            "`nodeward routes PATH` (subprocess)": median_seconds(
                lambda: subprocess.run(
                    [sys.executable, "-m", "nodeward", "routes", str(path)],
                    check=True,
                    capture_output=True,
                ),
                args.runs,
            ),
        }
    print(f"{path}: {len(project.files)} files, {lines} lines; median of {args.runs} runs")
    for label, seconds in results.items():
        print(f"  {label:<45} {seconds:8.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
