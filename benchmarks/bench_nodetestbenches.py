"""Live-probe accuracy on Contrast's NodeTestBenches (express4): unsafe endpoints found per
vulnerability class, safe and no-op twins flagged, requests and wall time.

Usage:
    python benchmarks/bench_nodetestbenches.py /tmp/NodeTestBenches [--openapi] [--json]

The checkout must already have `npm install` run in express4/ (this script never downloads
anything). The app runs on 127.0.0.1 only, as `nobody` when this script runs as root. The
bench's routes are built at run time from a shared table, so the script asks the bench's own
code (`utils.getSinkData`) for the list of endpoints it scores against; with `--openapi` it
also writes that list as an OpenAPI 3 description and hands it to the probe (`--openapi`), to
measure the probe when the requests are known (cookies, headers, path parameters, bodies)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from nodeward.findings import HttpLocation
from nodeward.web.probe import ProbeOptions, run_probe

#: Classes that need no database server (the bench's SQL and NoSQL sinks need MySQL,
#: Postgres, MongoDB, ...), mapped to the rules that count as finding them.
CLASSES: dict[str, frozenset[str]] = {
    "cmdInjection": frozenset({"NW103"}),
    "cmdInjectionSemanticChainedCommands": frozenset({"NW103"}),
    "cmdInjectionSemanticDangerousPaths": frozenset({"NW103"}),
    "pathTraversal": frozenset({"NW105"}),
    "pathTraversalSemanticFileSecurityBypass": frozenset({"NW105"}),
    "ssjs": frozenset({"NW104"}),
    "ssrf": frozenset({"NW106"}),
    "xpathInjection": frozenset({"NW114"}),
    "xxe": frozenset({"NW111"}),
    "unvalidatedRedirect": frozenset({"NW540"}),
    "xss": frozenset({"NW901"}),
    "xssJSON": frozenset({"NW901"}),
    "xssRenderedTemplates": frozenset({"NW901"}),
    "xssStealthyRequire": frozenset({"NW901"}),
    # No live check exists for these two (reported to keep the denominator honest).
    "untrustedDeserialization": frozenset({"NW110"}),
    "unsafeFileUpload": frozenset({"NW110"}),
}
INJECTION_RULES = frozenset().union(*CLASSES.values())
#: Classes whose "safe" and "noop" twins run the same code as the unsafe one: the bench
#: wraps a plain sink function as `safe: (args) => sink(args, { safe: true })`, and every
#: SSRF sink (test-bench-utils lib/sinks/ssrf.js, `makeAxiosRequest(params)` and its four
#: siblings) takes one parameter and ignores the options, so /ssrf/query/*/safe and /noop
#: fetch the attacker's URL exactly as /unsafe does. Flagging them is right; they are
#: counted apart instead of as false positives.
SAME_AS_UNSAFE = frozenset({"ssrf"})

_DUMP = """
const { utils } = require('@contrast/test-bench-utils');
const out = [];
for (const rule of JSON.parse(process.argv[1])) {
  let data = [];
  try { data = utils.getSinkData(rule, 'express'); } catch (e) { continue; }
  for (const s of data) out.push({ rule, method: s.method, uri: s.url, input: s.input,
                                   types: Object.keys(s.sinks) });
}
console.log('NODEWARD-ENDPOINTS ' + JSON.stringify(out));
process.exit(0);
"""

#: Loaded into the bench with `node -r`: the classes that need a database server answer 404
#: at once (without one their sinks hang until the client gives up, and some crash the app),
#: and an uncaught exception is logged instead of ending the process (the spawn sink throws
#: on a missing program; the probe reports that as NW740 and stops, which ends the run).
_WITHOUT_DATABASES = """
process.on('uncaughtException', (err) => console.error('uncaught:', err.message));
const http = require('http');
const skipped = /^\\/(sqlInjection|nosqlInjection|nosqlExpansion)(\\/|$)/;
const create = http.createServer;
http.createServer = function (...args) {
  const handler = args.find((a) => typeof a === 'function');
  const wrapped = (req, res) => {
    if (skipped.test(req.url)) { res.statusCode = 404; return res.end('no database'); }
    return handler(req, res);
  };
  return create.apply(this, args.map((a) => (a === handler ? wrapped : a)));
};
"""

_PLACES = {"query": "query", "params": "path", "headers": "header", "cookies": "cookie"}


def _as_nobody() -> dict[str, object]:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return {"user": "nobody", "group": "nogroup", "extra_groups": []}
    return {}


def _scratch() -> Path:
    """A working folder the app may write to (its sqlite sink creates db.sqlite3 there)."""
    folder = Path(tempfile.mkdtemp(prefix="nodetestbench-"))
    folder.chmod(0o777)
    return folder


def endpoints(app: Path) -> list[dict[str, object]]:
    """(rule, method, uri, input, types) of every sink route, from the bench's own table."""
    done = subprocess.run(
        ["node", "-e", _DUMP, json.dumps(sorted(CLASSES))],
        cwd=_scratch(),
        env={**os.environ, "NODE_PATH": str(app.resolve() / "node_modules")},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        **_as_nobody(),  # type: ignore[arg-type]
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("NODEWARD-ENDPOINTS "))
    loaded: list[dict[str, object]] = json.loads(line.split(" ", 1)[1])
    return loaded


def openapi(found: list[dict[str, object]]) -> dict[str, object]:
    """The bench's requests as an OpenAPI 3 description."""
    paths: dict[str, dict[str, object]] = {}
    for sink in found:
        place = _PLACES.get(str(sink["input"]))
        operation: dict[str, object] = {}
        if place is not None:
            operation["parameters"] = [{"name": "input", "in": place, "example": "nodeward"}]
        if sink["input"] == "body":
            schema = {"type": "object", "properties": {"input": {"type": "string"}}}
            operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
        for kind in sink["types"]:  # type: ignore[attr-defined]
            path = str(sink["uri"]).replace(":input", "{input}") + f"/{kind}"
            paths.setdefault(path, {})[str(sink["method"])] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "NodeTestBenches", "version": "1"},
        "paths": paths,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the bench exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the bench did not start within 60 s")


def _route_of(path: str, found: list[dict[str, object]]) -> tuple[str, str, str] | None:
    """(rule, sink uri, unsafe|safe|noop) of a reported URL path."""
    for sink in found:
        uri = str(sink["uri"])
        for kind in sink["types"]:  # type: ignore[attr-defined]
            pattern = f"{uri}/{kind}"
            if ":input" in pattern:
                head, _, tail = pattern.partition(":input")
                if path.startswith(head) and path.endswith(tail):
                    return str(sink["rule"]), uri, kind
            elif path == pattern:
                return str(sink["rule"]), uri, kind
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="checkout of NodeTestBenches")
    parser.add_argument("--openapi", action="store_true", help="also give the probe the routes")
    parser.add_argument(
        "--allow-unsafe",
        action="append",
        default=[],
        metavar="PATTERN",
        help="let the probe send state-changing requests (the bench's POST routes) to "
        "these paths, e.g. '/*'; the bench runs as nobody in a scratch folder",
    )
    parser.add_argument(
        "--browser", action="store_true", help="crawl with the system Chromium too (--browser)"
    )
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--timeout", type=float, default=5.0, help="per request (s)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    app = args.bench / "express4"
    if not (app / "node_modules").is_dir():
        raise SystemExit(f"{app}/node_modules missing: run `npm install` in {app} first")
    found = endpoints(app)
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "NODE_ENV": "production"}
    scratch = _scratch()
    preload = scratch / "without-databases.js"
    preload.write_text(_WITHOUT_DATABASES)
    preload.chmod(0o644)
    process = subprocess.Popen(
        ["node", "-r", str(preload), str(app.resolve() / "index.js")],
        cwd=scratch,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **_as_nobody(),  # type: ignore[arg-type]
    )
    try:
        _wait(port, process)
        spec = None
        if args.openapi:
            spec = Path(tempfile.mkdtemp()) / "bench.json"
            spec.write_text(json.dumps(openapi(found)))
        started = time.perf_counter()
        result = run_probe(
            ProbeOptions(
                url=f"http://127.0.0.1:{port}/",
                active=True,
                max_requests=args.max_requests,
                timeout=args.timeout,
                openapi=spec,
                allow_unsafe=tuple(args.allow_unsafe),
                browser=args.browser,
            )
        )
        wall = time.perf_counter() - started
    finally:
        process.kill()
        process.wait(timeout=10)
    hits: dict[tuple[str, str, str], set[str]] = {}
    for finding in result.findings:
        if finding.rule not in INJECTION_RULES or not isinstance(finding.location, HttpLocation):
            continue
        path = "/" + finding.location.url.split("://", 1)[1].partition("/")[2]
        route = _route_of(path, found)
        if route is not None:
            hits.setdefault(route, set()).add(finding.rule)
    unsafe_total: Counter[str] = Counter()
    unsafe_found: Counter[str] = Counter()
    wrong_rule: list[str] = []
    missed: list[str] = []
    for sink in found:
        rule = str(sink["rule"])
        if "unsafe" not in sink["types"]:  # type: ignore[operator]
            continue
        unsafe_total[rule] += 1
        rules = hits.get((rule, str(sink["uri"]), "unsafe"), set())
        if rules & CLASSES[rule]:
            unsafe_found[rule] += 1
        elif rules:
            wrong_rule.append(f"{sink['uri']}/unsafe: {sorted(rules)}")
        else:
            missed.append(f"{sink['method']} {sink['uri']}/unsafe ({sink['input']})")
    flagged = sorted(
        f"{uri}/{kind}: {sorted(r)}"
        for (rule, uri, kind), r in hits.items()
        if kind != "unsafe" and rule not in SAME_AS_UNSAFE
    )
    same_as_unsafe = sorted(
        f"{uri}/{kind}: {sorted(r)}"
        for (rule, uri, kind), r in hits.items()
        if kind != "unsafe" and rule in SAME_AS_UNSAFE
    )
    figures = {
        "unsafe_found": sum(unsafe_found.values()),
        "unsafe_total": sum(unsafe_total.values()),
        "per_class": {r: f"{unsafe_found[r]}/{unsafe_total[r]}" for r in sorted(unsafe_total)},
        "safe_or_noop_flagged": flagged,
        "twins_that_run_the_unsafe_code_flagged": same_as_unsafe,
        "wrong_rule": wrong_rule,
        "missed": missed,
        "crashed": any(f.rule == "NW740" for f in result.findings),
        "requests": result.requests,
        "seconds": round(wall, 1),
        "mode": ("black-box + --openapi" if args.openapi else "black-box")
        + "".join(f" --allow-unsafe {p}" for p in args.allow_unsafe)
        + (" --browser" if args.browser else ""),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{figures['mode']}: {figures['unsafe_found']}/{figures['unsafe_total']} unsafe found"
        )
        for rule, score in figures["per_class"].items():  # type: ignore[attr-defined]
            print(f"  {rule:42} {score}")
        print(f"safe/noop flagged: {len(flagged)} {flagged}")
        print(f"twins that run the unsafe code (SSRF), flagged: {len(same_as_unsafe)}")
        print(f"wrong rule: {wrong_rule}")
        print("missed:", *missed, sep="\n  ")
        print(f"{result.requests} requests in {wall:.1f} s; app crashed: {figures['crashed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
