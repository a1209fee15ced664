"""Whole-scan CPU time on big inputs, optionally paired with another checkout.

(1) a juice-shop-sized TypeScript app given with --app (about 640 files): CPU seconds of
    `nodeward scan` as a fresh process (target: under 2.5 s);
(2) mongoose's lib/ (about 270 files): under 1.2 s of CPU;
(3) the dependency corpus: `--include-node-modules` over an npm install of express,
    mongoose, lodash, webpack and typescript (about 4,400 files): under 15 s of CPU and
    under 1 GB (the process tree's PSS, sampled every 0.1 s: a forked child's shared
    pages count once);
(4) one generated Express file with 50, 200 and 800 routes (each route validated by
    express-validator, its handler wrapped by a `catchAsync` helper and running an SQL
    query built from the request): the scan must grow linearly with the routes. The
    report gives the CPU seconds each added route costs between 50 and 200 routes and
    between 200 and 800; their ratio is 1 for linear growth and 4 for quadratic.

CPU is user + system seconds of the scan and its forked workers (os.wait4), the figure
that stays steady on a shared machine; wall time is printed beside it. With --base, each
run of this checkout is paired with a run of the other one (A B A B ...), and the median
of the per-pair ratios is printed, so a drift in machine speed cancels out.

Usage: python benchmarks/bench_bigapp.py --app PATH [--mongoose LIB] [--corpus DIR]
           [--base CHECKOUT] [--runs 5] [--skip-corpus] [--routes 50,200,800]
Without --mongoose / --corpus the packages are installed with npm into a temp dir.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench_taint import npm_install, pss_mb  # the same install and memory sampling

HERE = Path(__file__).resolve().parent.parent
CORPUS_PACKAGES = ("express", "mongoose", "lodash", "webpack", "typescript")


@dataclass(frozen=True)
class Run:
    cpu: float  # user + system seconds, forked workers included
    wall: float
    peak_mb: float  # the largest sampled PSS of the process tree, or the largest RSS


def run_scan(checkout: Path, target: Path, extra: tuple[str, ...], out: Path) -> Run:
    """One `nodeward scan` of `target` with the code of `checkout`, as a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    command = [sys.executable, "-m", "nodeward", "scan", str(target), "--format", "json"]
    command += ["-o", str(out), "--quiet", "--offline", *extra]
    started = time.perf_counter()
    peak_pss = 0.0
    with subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        done = threading.Event()

        def sample() -> None:  # never reaps: wait4 below must see the exit status
            nonlocal peak_pss
            while not done.wait(0.1):
                peak_pss = max(peak_pss, pss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, _status, usage = os.wait4(proc.pid, 0)
        done.set()
        proc.returncode = 0
        sampler.join()
    wall = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    return Run(cpu, wall, max(usage.ru_maxrss / 1024, peak_pss))


def measure(
    label: str,
    target: Path,
    extra: tuple[str, ...],
    runs: int,
    base: Path | None,
    scratch: Path,
) -> list[Run]:
    """`runs` scans of `target` (after one warm-up), paired with `base` when given;
    prints the medians and returns this checkout's runs."""
    out = scratch / "report.json"
    checkouts = [HERE] if base is None else [HERE, base]
    for checkout in checkouts:  # warm the page cache and the bytecode
        run_scan(checkout, target, extra, out)
    mine: list[Run] = []
    theirs: list[Run] = []
    for _ in range(runs):
        mine.append(run_scan(HERE, target, extra, out))
        if base is not None:
            theirs.append(run_scan(base, target, extra, out))
    print(f"{label}: {_summary(mine)}")
    if base is not None:
        ratios = [a.cpu / b.cpu for a, b in zip(mine, theirs, strict=True)]
        print(f"  base {base}: {_summary(theirs)}")
        print(f"  CPU ratio this/base, median of {runs} pairs: {statistics.median(ratios):.2f}")
    return mine


def _summary(runs: list[Run]) -> str:
    cpu = [r.cpu for r in runs]
    return (
        f"CPU median {statistics.median(cpu):.2f} s (min {min(cpu):.2f}, max {max(cpu):.2f}), "
        f"wall median {statistics.median(r.wall for r in runs):.2f} s, "
        f"peak {max(r.peak_mb for r in runs):.0f} MB"
    )


def routes_file(count: int) -> str:
    """An Express app in one file with `count` validated routes."""
    lines = [
        'const express = require("express");',
        'const mysql = require("mysql");',
        'const { body, validationResult } = require("express-validator");',
        "const app = express();",
        "const db = mysql.createConnection({ host: process.env.DB_HOST });",
        "const catchAsync = (fn) => (req, res, next) => fn(req, res, next).catch(next);",
        "app.use(express.json());",
    ]
    for index in range(count):
        # the JavaScript under test builds its SQL from the request on purpose
        query = f'"SELECT * FROM items{index} WHERE id = " + req.params.id'  # noqa: S608
        lines += [
            f"async function handler{index}(req, res) {{",
            "  const errors = validationResult(req);",
            "  if (!errors.isEmpty()) return res.status(400).json(errors.array());",
            f"  db.query({query}, (e, rows) => {{",
            "    res.json({ rows, name: req.body.name });",
            "  });",
            "}",
            f'app.post("/items{index}/:id", body("email").isEmail(), catchAsync(handler{index}));',
        ]
    lines.append("app.listen(3000);")
    return "\n".join(lines) + "\n"


def bench_routes(counts: list[int], runs: int, base: Path | None, scratch: Path) -> None:
    medians: dict[int, float] = {}
    for count in counts:
        folder = scratch / f"routes-{count}"
        folder.mkdir()
        (folder / "app.js").write_text(routes_file(count), encoding="utf-8")
        found = measure(f"{count} routes in one file", folder, ("--jobs", "1"), runs, base, scratch)
        medians[count] = statistics.median(r.cpu for r in found)
    steps = list(itertools.pairwise(counts))
    slopes = [(medians[high] - medians[low]) / (high - low) for low, high in steps]
    for (low, high), slope in zip(steps, slopes, strict=True):
        print(f"  {low}->{high} routes: {slope * 1000:.2f} ms of CPU per added route")
    if len(slopes) >= 2 and slopes[0] > 0:
        growth = slopes[-1] / slopes[0]
        print(f"  growth of the per-route cost (1 linear, 4 quadratic): {growth:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, help="a juice-shop-sized app to scan")
    parser.add_argument("--mongoose", type=Path, help="an existing mongoose lib/ folder")
    parser.add_argument("--corpus", type=Path, help="a folder with the corpus's node_modules")
    parser.add_argument("--base", type=Path, help="another checkout to pair each run with")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--routes", default="50,200,800", help="route counts, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nodeward-bench-bigapp-") as temp:
        scratch = Path(temp)
        if args.app is not None:
            measure("app", args.app, (), args.runs, args.base, scratch)
        lib = args.mongoose
        if lib is None:
            lib = npm_install(("mongoose",), scratch / "mongoose") / "node_modules/mongoose/lib"
        measure("mongoose lib/", lib, (), args.runs, args.base, scratch)
        if not args.skip_corpus:
            corpus = args.corpus or npm_install(CORPUS_PACKAGES, scratch / "corpus")
            measure("corpus", corpus, ("--include-node-modules",), args.runs, args.base, scratch)
        counts = sorted(int(c) for c in args.routes.split(",") if c.strip())
        bench_routes(counts, args.runs, args.base, scratch)


if __name__ == "__main__":
    main()
