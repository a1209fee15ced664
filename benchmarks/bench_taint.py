"""Taint engine benchmark: wall time, peak RSS and where the time goes.

(1) mongoose's lib/ (about 270 files, 56k lines): a full `nodeward scan` with the taint
    engine on, as a fresh process, median of --runs runs (target: under 5 s).
(2) scale: `nodeward scan --include-node-modules` over an npm install of express, mongoose,
    lodash, webpack and typescript (about 4,000 files, 27 MB of JS): wall time and peak RSS
    of the CLI (target: under 90 s and 1.5 GB), then, in a fresh process per step, how the
    time splits (parse, model, taint, rules) at 25, 50 and 100 % of the corpus.

Without --mongoose / --corpus the packages are installed with npm into a temp dir.
Usage: python benchmarks/bench_taint.py [--runs 5] [--mongoose PATH] [--corpus PATH]
                                        [--skip-scale]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SCALE_PACKAGES = ("express", "mongoose", "lodash", "webpack", "typescript")


def npm_install(packages: tuple[str, ...], into: Path) -> Path:
    if shutil.which("npm") is None:
        sys.exit("npm is not on PATH: pass --mongoose / --corpus instead")
    into.mkdir(parents=True, exist_ok=True)
    (into / "package.json").write_text('{"name": "bench", "version": "1.0.0", "private": true}')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", *packages],
        cwd=into,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return into


def pss_mb(pid: int) -> float:
    """Proportional set size of a process and its children: shared pages (a forked
    child's copy-on-write view of the parsed project) count once in the sum.

    The tree is listed before and after its sizes are read, and the sample is taken again
    when it changed: a fork between reading the parent (all its pages its own) and reading
    the child (the same pages now shared, half each) would count up to half the heap twice."""
    total = 0.0
    for _attempt in range(5):
        tree = _tree(pid)
        total = sum(_pss(member) for member in tree)
        if _tree(pid) == tree:
            break
    return total


def _tree(pid: int) -> list[int]:
    """The process and its descendants (those alive when each was listed)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.append(current)
        pending.extend(int(child) for child in children)
    return sorted(found)


def _pss(pid: int) -> float:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    lines = rollup.splitlines()
    return sum(int(line.split()[1]) / 1024 for line in lines if line.startswith("Pss:"))


def timed_process(args: list[str]) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak RSS in MB, stdout). The peak is the largest of
    the sampled PSS of the process tree (every 0.1 s) and the largest single RSS."""
    started = time.perf_counter()
    peak_pss = 0.0
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        done = threading.Event()

        def sample() -> None:  # never reaps: wait4 below must see the exit status
            nonlocal peak_pss
            while not done.wait(0.1):
                peak_pss = max(peak_pss, pss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = proc.stdout.read().decode() if proc.stdout is not None else ""
        _pid, _status, usage = os.wait4(proc.pid, 0)
        done.set()
        proc.returncode = 0
        sampler.join()
    return time.perf_counter() - started, max(usage.ru_maxrss / 1024, peak_pss), out


def scan_command(path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nodeward", "scan", str(path), "--format", "json", *extra]


def bench_mongoose(lib: Path, runs: int) -> None:
    times, peaks = [], []
    findings = 0
    for _ in range(runs):
        seconds, peak, out = timed_process(scan_command(lib))
        times.append(seconds)
        peaks.append(peak)
        findings = len(json.loads(out)["findings"]) if out else 0
    print(
        f"mongoose lib/ ({lib}): median {statistics.median(times):.2f} s over {runs} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}), peak RSS {max(peaks):.0f} MB, "
        f"{findings} findings"
    )


def phase_split(root: Path, fraction: float) -> dict[str, float]:
    """In this process: time discovery, parse, model (module graph + app model), taint
    (the flow rules) and the other rules over the first `fraction` of the files."""
    import resource

    from nodeward.analysis.checkers import Checks
    from nodeward.analysis.context import AnalysisContext
    from nodeward.catalog import all_rules
    from nodeward.config import Config
    from nodeward.discover import DiscoveryOptions, Inventory, discover
    from nodeward.project import load_project
    from nodeward.rules import CHECKERS
    from nodeward.source.appmodel import app_model
    from nodeward.source.modules import ModuleGraph
    from nodeward.source.rules import flows
    from nodeward.source.taint.engine import TaintEngine
    from nodeward.source.taint.model import load_models

    clock = time.perf_counter()
    full = discover(root, DiscoveryOptions(include_node_modules=True))
    keep = max(1, int(len(full.files) * fraction))
    inventory = Inventory(root=full.root, files=full.files[:keep], skips=list(full.skips))
    split = {"discover": time.perf_counter() - clock}

    clock = time.perf_counter()
    config = Config(path=root, include_node_modules=True, quiet=True)
    project = load_project(inventory, config)
    split["parse"] = time.perf_counter() - clock

    clock = time.perf_counter()
    graph = ModuleGraph(project.files)
    engine = TaintEngine(project.files, load_models(), graph=graph)
    for ctx in project.files:
        graph.exports(ctx)
    app_model(project, graph)
    split["model"] = time.perf_counter() - clock

    clock = time.perf_counter()
    engine.run()
    split["taint"] = time.perf_counter() - clock

    clock = time.perf_counter()
    codes = {r.code for r in all_rules()}
    others = [c for c in CHECKERS if c is not flows.CHECKER]
    Checks(tuple(others)).analyze(AnalysisContext(project, frozenset(codes)))
    split["rules"] = time.perf_counter() - clock
    split["files"] = float(len(project.files))
    split["lines"] = float(sum(len(ctx.parsed.text.lines) for ctx in project.files))
    split["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return split


def bench_scale(corpus: Path) -> None:
    for jobs in ("1", "2"):
        seconds, peak, _out = timed_process(
            scan_command(corpus, "--include-node-modules", "--jobs", jobs)
        )
        print(f"scale CLI run ({corpus}, --jobs {jobs}): {seconds:.1f} s, peak {peak:.0f} MB")
    print("fraction  files   lines     parse  model  taint  rules  total  peak RSS")
    for fraction in (0.25, 0.5, 1.0):
        _s, _p, out = timed_process(
            [sys.executable, __file__, "--phase-split", str(corpus), "--fraction", str(fraction)]
        )
        split = json.loads(out)
        total = sum(split[k] for k in ("discover", "parse", "model", "taint", "rules"))
        print(
            f"{fraction:>7.0%}  {split['files']:>5.0f}  {split['lines']:>7.0f}  "
            f"{split['parse']:>7.1f}  {split['model']:>5.1f}  {split['taint']:>5.1f}  "
            f"{split['rules']:>5.1f}  {total:>5.1f}  {split['peak_rss_mb']:>5.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mongoose", type=Path, help="an existing mongoose lib/ folder")
    parser.add_argument("--corpus", type=Path, help="a folder with the scale node_modules")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--phase-split", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fraction", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase_split is not None:
        print(json.dumps(phase_split(args.phase_split, args.fraction)))
        return
    with tempfile.TemporaryDirectory(prefix="nodeward-bench-taint-") as scratch:
        lib = args.mongoose
        if lib is None:
            lib = (
                npm_install(("mongoose",), Path(scratch) / "mongoose") / "node_modules/mongoose/lib"
            )
        bench_mongoose(lib, args.runs)
        if not args.skip_scale:
            corpus = args.corpus or npm_install(SCALE_PACKAGES, Path(scratch) / "scale")
            bench_scale(corpus)


if __name__ == "__main__":
    main()
