"""Hostile-tree benchmark: wall time, CPU and peak RSS of `nodeward scan` on a repository built
to hurt it (binary and Latin-1 files, NUL bytes, 20k-deep nesting, a 12 MB one-line file,
syntax errors, a symlink loop and symlinks out of the root, escape sequences and RTL
overrides in names and contents, broken and malicious lockfiles, YAML tags, a zip-slip
archive, unbalanced template delimiters). The tree is tests/hostile_tree.py's, built in a
temporary folder. Target: under 5 s and 300 MB, every bad file a reported skip.

Each run is a fresh process (interpreter start-up included); figures are the median of
--runs runs. Usage: python benchmarks/bench_hostile.py [--runs 5] [--nodeward CMD]
"""

from __future__ import annotations

import argparse
import json
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from hostile_tree import build_hostile_tree


def _run(command: list[str]) -> tuple[float, float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far (KiB on Linux).
    return wall, cpu, after.ru_maxrss / 1024, completed.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--nodeward", default=f"{sys.executable} -m nodeward")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        build_hostile_tree(base / "tree", outside=base / "outside")
        report = base / "report.json"
        command = [
            *shlex.split(args.nodeward),
            "--no-color",
            "scan",
            str(base / "tree"),
            "--format",
            "json",
            "-o",
            str(report),
            "-q",
        ]
        walls, cpus, peak, codes = [], [], 0.0, set()
        for _ in range(args.runs):
            wall, cpu, rss, code = _run(command)
            walls.append(wall)
            cpus.append(cpu)
            peak = max(peak, rss)
            codes.add(code)
        data = json.loads(report.read_text(encoding="utf-8"))
        print(f"hostile tree: {len(data['findings'])} findings, {len(data['skips'])} skips")
        print(f"  wall median {statistics.median(walls):.2f} s (min {min(walls):.2f})")
        print(f"  cpu  median {statistics.median(cpus):.2f} s")
        print(f"  peak RSS {peak:.0f} MB; exit codes {sorted(codes)}")


if __name__ == "__main__":
    main()
