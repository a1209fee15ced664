"""Registry metadata speed (DEP003-DEP005): a fake registry on 127.0.0.1 (its own process,
so it does not share the interpreter lock with the client) serves 2,000 synthetic full
package documents with ETags. Measured, median of 5 runs each, wall and CPU seconds of
the client process:

- fetching 1,000 direct dependencies' documents cold (empty cache: 1,000 x 200) and warm
  (cached: 1,000 x If-None-Match -> 304);
- `nodeward scan --select DEP003,DEP004,DEP005` of a 2,000-package package-lock.json
  (200 direct dependencies), cold, warm, and offline from the cache;
- `nodeward scan --select DEP001` of the same lockfile with 67 vulnerable packages (chains
  of 1 to 10 packages): the fix advice with no registry configured (no catalog), then
  checked against the registry's documents (the vulnerable packages' and their chains', 180),
  cold and warm.

    python benchmarks/bench_registry.py [--runs 5]

Each document has 40 versions with a publish time (some deprecated), about 9 KB: real
documents are larger (popular packages' full documents are hundreds of kilobytes), so the
cold figures are a floor for the client's own cost, not a network forecast.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
PACKAGES, DIRECT_FETCH, DIRECT_SCAN = 2000, 1000, 200


def document(i: int) -> bytes:
    name = f"pkg-{i}"
    versions = [f"{major}.{minor}.0" for major in range(1, 5) for minor in range(10)]
    deprecated = dict.fromkeys(versions[:5], "use pkg-new instead") if i % 7 == 0 else {}
    child = f"pkg-{i + DIRECT_SCAN}" if i + DIRECT_SCAN < PACKAGES else None
    body = {
        "_id": name,
        "name": name,
        "dist-tags": {"latest": versions[-1]},
        "versions": {
            v: {
                "name": name,
                "version": v,
                "description": "synthetic package for the registry benchmark",
                # What the benchmark lockfile installs: pkg-i depends on pkg-(i + 200).
                "dependencies": {child: "^1.0.0"} if child else {},
                **({"deprecated": deprecated[v]} if v in deprecated else {}),
            }
            for v in versions
        },
        "time": {v: f"20{10 + n // 4:02d}-01-01T00:00:00.000Z" for n, v in enumerate(versions)},
    }
    return json.dumps(body).encode()


def serve(port_file: Path) -> None:
    documents = {f"pkg-{i}": document(i) for i in range(PACKAGES)}
    etags = {k: '"' + hashlib.sha256(v).hexdigest()[:16] + '"' for k, v in documents.items()}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            name = unquote(self.path.lstrip("/"))
            body = documents.get(name)
            if body is None:
                status, payload = 404, b"{}"
            elif self.headers.get("If-None-Match") == etags[name]:
                status, payload = 304, b""
            else:
                status, payload = 200, body
            self.send_response(status)
            if body is not None:
                self.send_header("ETag", etags[name])
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def lockfile_project(root: Path) -> None:
    packages: dict[str, object] = {}
    deps = {f"pkg-{i}": "^1.0.0" for i in range(DIRECT_SCAN)}
    packages[""] = {"name": "bench", "dependencies": deps}
    for i in range(PACKAGES):
        child = f"pkg-{i + DIRECT_SCAN}" if i + DIRECT_SCAN < PACKAGES else None
        entry: dict[str, object] = {"version": "1.2.0"}
        if child:
            # "~1.2.0" excludes the advisories' fix (1.3.0): the advice walks the chain.
            entry["dependencies"] = {child: "~1.2.0"}
        packages[f"node_modules/pkg-{i}"] = entry
    lock = {"name": "bench", "lockfileVersion": 3, "packages": packages}
    root.mkdir()
    (root / "package-lock.json").write_text(json.dumps(lock))
    (root / "package.json").write_text(json.dumps({"name": "bench", "dependencies": deps}))


def timed(action: Callable[[], T]) -> tuple[T, float, float]:
    """The action's result, wall seconds and CPU seconds (all threads of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def check(condition: bool, problem: object) -> None:
    if not condition:
        raise SystemExit(f"benchmark run went wrong: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        port_file = base / "port"
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            registry = f"http://127.0.0.1:{port_file.read_text()}/"
            os.environ.pop("NODEWARD_OFFLINE", None)
            os.environ["NPM_CONFIG_REGISTRY"] = registry
            run(base, args.runs)
        finally:
            server.terminate()
            server.wait()


def run(base: Path, runs: int) -> None:
    from nodeward.deps.registry import npmrc
    from nodeward.deps.registry.client import RegistryClient
    from nodeward.scan import scan_path

    names = [f"pkg-{i}" for i in range(DIRECT_FETCH)]
    project = base / "app"
    lockfile_project(project)
    select = ("DEP003", "DEP004", "DEP005")
    results: dict[str, list[tuple[float, float]]] = {}
    findings = 0
    for run_index in range(runs):
        os.environ["NODEWARD_CACHE_DIR"] = str(base / f"cache-fetch-{run_index}")
        config = npmrc.load(project)
        for label in ("fetch cold", "fetch warm"):
            client = RegistryClient(config, offline=False)
            fetched, wall, cpu = timed(partial(client.fetch, names))
            results.setdefault(label, []).append((wall, cpu))
            done = fetched.downloaded if label == "fetch cold" else fetched.revalidated
            check(done == DIRECT_FETCH, fetched.missing)
        os.environ["NODEWARD_CACHE_DIR"] = str(base / f"cache-scan-{run_index}")
        for label in ("scan cold", "scan warm", "scan cached"):
            if label == "scan cached":  # --offline: the cache alone
                os.environ["NODEWARD_OFFLINE"] = "1"
            report, wall, cpu = timed(partial(scan_path, project, select=select))
            os.environ.pop("NODEWARD_OFFLINE", None)
            results.setdefault(label, []).append((wall, cpu))
            check(not report.unevaluated and len(report.skips) <= 1, report.skips)
            check(findings in (0, len(report.findings)), "findings differ between runs")
            findings = len(report.findings)
    advice(base, project, runs, results)
    for label, figures in results.items():
        wall = statistics.median(w for w, _ in figures)
        cpu = statistics.median(c for _, c in figures)
        what = (
            f"{DIRECT_FETCH} documents"
            if label.startswith("fetch")
            else f"{PACKAGES}-package lockfile"
            + (f", {findings} findings" if label.startswith("scan") else ", DEP001")
        )
        print(f"{label:<13} {what}: median wall {wall:.2f} s, CPU {cpu:.2f} s ({runs} runs)")


#: Every VULNERABLE_EVERY-th package has an advisory (affected below 1.3.0; 1.2.0 installed).
VULNERABLE_EVERY = 30


def advice(
    base: Path, project: Path, runs: int, results: dict[str, list[tuple[float, float]]]
) -> None:
    """DEP001 with the fix advice from the lockfile alone, then checked against the
    registry cold (empty cache) and warm (304s)."""
    from nodeward.deps.advisories import osv_db
    from nodeward.scan import scan_path

    records = base / "records"
    records.mkdir()
    for i in range(0, PACKAGES, VULNERABLE_EVERY):
        events = [{"introduced": "0"}, {"fixed": "1.3.0"}]
        record = {
            "id": f"SYN-{i}",
            "summary": "synthetic advisory",
            "affected": [
                {
                    "package": {"ecosystem": "npm", "name": f"pkg-{i}"},
                    "ranges": [{"type": "SEMVER", "events": events}],
                }
            ],
        }
        (records / f"SYN-{i}.json").write_text(json.dumps(record))
    registry = os.environ["NPM_CONFIG_REGISTRY"]
    expected = len(range(0, PACKAGES, VULNERABLE_EVERY))
    for run_index in range(runs):
        os.environ["NODEWARD_CACHE_DIR"] = str(base / f"cache-advice-{run_index}")
        osv_db.import_records(records)
        for label in ("advice none", "advice cold", "advice warm"):
            if label == "advice none":
                os.environ.pop("NPM_CONFIG_REGISTRY")
            report, wall, cpu = timed(partial(scan_path, project, select=("DEP001",)))
            os.environ["NPM_CONFIG_REGISTRY"] = registry
            results.setdefault(label, []).append((wall, cpu))
            check(len(report.findings) == expected and not report.skips, report.skips)
            walked = sum("whose dependencies pull a fixed" in f.fix for f in report.findings)
            check((walked == 0) == (label == "advice none"), [f.fix for f in report.findings])


if __name__ == "__main__":
    main()
