"""Probe the 100-route fixture app (tests/apps/routes100) fully, passive and active.

    python benchmarks/bench_probe.py [--runs 3] [--concurrency 8]

Starts the app with node on 127.0.0.1 on a free port (run `npm ci` in tests/apps/routes100
first), probes it `--runs` times with the static route table from its source (as
`nodeward scan PATH --url` does), and prints the median wall time, requests, requests per
second and the findings. Goals (issue 6): under 30 s and under 2,000 requests.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from nodeward.config import Config
from nodeward.scan import run_scan
from nodeward.web.probe import ProbeOptions, ProbeResult, run_probe
from nodeward.web.routes import static_routes

APP = Path(__file__).resolve().parent.parent / "tests" / "apps" / "routes100"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(port: int) -> subprocess.Popen[bytes]:
    if not (APP / "node_modules").is_dir():
        sys.exit(f"run `npm ci` in {APP} first")
    process = subprocess.Popen(
        ["node", "server.js"],
        cwd=APP,
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit("the app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    routes = static_routes(run_scan(Config(path=APP, quiet=True)).routes)
    print(f"static route table: {len(routes)} routes")
    results: list[ProbeResult] = []
    for run in range(1, args.runs + 1):
        port = _free_port()
        process = _start(port)  # a fresh app per run: no state carried over
        try:
            options = ProbeOptions(
                url=f"http://127.0.0.1:{port}/",
                active=True,
                concurrency=args.concurrency,
                routes=routes,
            )
            result = run_probe(options)
        finally:
            process.kill()
            process.wait()
        results.append(result)
        rate = result.requests / result.seconds
        print(
            f"run {run}: {result.seconds:.2f} s, {result.requests} requests, {rate:.0f} req/s, "
            f"{len(result.findings)} findings, {len(result.skips)} skips"
        )
    median = sorted(results, key=lambda r: r.seconds)[len(results) // 2]
    seconds = statistics.median(r.seconds for r in results)
    requests = statistics.median(r.requests for r in results)
    print(
        f"median: {seconds:.2f} s, {requests:.0f} requests, {requests / seconds:.0f} req/s "
        f"(goals: < 30 s, < 2000 requests)"
    )
    counts = Counter(f.rule for f in median.findings)
    print("findings (median run): " + ", ".join(f"{c} x{n}" for c, n in sorted(counts.items())))
    for skip in median.skips:
        print(f"skip: {skip.target}: {skip.reason}")


if __name__ == "__main__":
    main()
