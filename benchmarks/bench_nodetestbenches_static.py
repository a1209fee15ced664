"""Static accuracy on Contrast's NodeTestBenches (express4): unsafe endpoints a `nodeward scan`
points at per vulnerability class, and the safe and no-op twins it flags.

Usage:
    python benchmarks/bench_nodetestbenches_static.py /tmp/NodeTestBenches [--json] [--keep]

The checkout must already have `npm install` run in express4/ (this script never downloads
anything and never runs the bench's code: no app, no `node`). The nodeward that scans is the
one this interpreter imports (`PYTHONPATH=<checkout>/src` measures another checkout).

How endpoints are known. The live bench (bench_nodetestbenches.py) asks the bench's own
`utils.getSinkData` for its routes, which runs the bench's JavaScript; here the same table is
read from the source instead: @contrast/test-bench-utils' lib/routes.js gives each rule its
inputs (query, params, headers, body, cookies) and its sink module, lib/frameworks.js the
method and path parameter per input, and the sink modules' `module.exports[NAME] = function`
assignments (followed through `require` and object spreads) give each sink's name, file and
line range. Every sink is a single function, which utils.createSinkObj wraps into the
`unsafe`, `safe` (`sink(args, { safe: true })`) and `noop` (`sink(args, { noop: true })`)
endpoints, `<base>/<input>/<camelCase(name)>[/:input]/<kind>`; express4's unsafeFileUpload
router serves only the unsafe call (no twins).

What is scanned. express4's own source (without node_modules) is copied into a temporary
folder together with the source of @contrast/test-bench-utils (lib/ and package.json) under
node_modules/@contrast/test-bench-utils, and that folder is scanned once with
`--include-node-modules`: the sinks live in that package, and every bench route is the one
closure in utils/controllerFactory.js calling `sink(inputs)`, so a finding can only name an
endpoint through its sink function. The copy keeps `require('@contrast/test-bench-utils')`
resolvable as in the checkout and leaves the other ~730 installed packages out (a scan of the
whole node_modules would also report findings in express, lodash, ...).

How findings are matched. An unsafe endpoint is found when a finding whose rule stands for its
class (CLASSES below) has its location or one of its flow steps inside the endpoint's sink
function, or inside the rule's own handler code (vulnerabilities/<rule>/, e.g.
unvalidatedRedirect's `respond`, which serves all of that rule's endpoints). A finding inside
the shared closure of utils/controllerFactory.js names no endpoint and is listed apart. The
twins call the same function: a twin counts as flagged when a matched finding's line in the
sink function is reached with its option set, i.e. no `if (safe) return` / `if (noop) return`
precedes it in that function; a finding in the rule's handler flags the twins too. Twins that
reach the flagged line only with a constant or encoded value (`safe ? encodeURIComponent(input)
: input`) share that line with the unsafe endpoint, so a static finding flags them as well:
the FP column counts them, as a one-location report cannot tell the variants apart."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_nodetestbenches import CLASSES as LIVE_CLASSES
from bench_nodetestbenches import SAME_AS_UNSAFE

#: Rules that count as finding each class statically: the live table's taint rules, plus the
#: rules that flag the dangerous call itself (a shell, eval or node-serialize fed a non-constant
#: value), the template XSS rules, and the database and crypto classes the live run cannot
#: reach. pathTraversalSemanticFileSecurityBypass's `child_process` sinks run the path in a
#: shell, so command-injection findings on them count too.
CLASSES: dict[str, frozenset[str]] = {
    **LIVE_CLASSES,
    "cmdInjection": frozenset({"NW103", "NW151"}),
    "cmdInjectionSemanticChainedCommands": frozenset({"NW103", "NW151"}),
    "cmdInjectionSemanticDangerousPaths": frozenset({"NW103", "NW151"}),
    "pathTraversalSemanticFileSecurityBypass": frozenset({"NW105", "NW103", "NW151"}),
    "ssjs": frozenset({"NW104", "NW150"}),
    "xss": frozenset({"NW901", "NW902", "NW905"}),
    "xssJSON": frozenset({"NW901", "NW902", "NW905"}),
    "xssRenderedTemplates": frozenset({"NW901", "NW902", "NW905"}),
    "xssStealthyRequire": frozenset({"NW901", "NW902", "NW905"}),
    "untrustedDeserialization": frozenset({"NW110", "NW152"}),
    "sqlInjection": frozenset({"NW101"}),
    "nosqlInjection": frozenset({"NW102", "NW104", "NW150"}),
    "nosqlExpansion": frozenset({"NW102"}),
    "crypto": frozenset({"NW210", "NW213", "NW214", "NW215"}),
}

_PACKAGE = Path("node_modules/@contrast/test-bench-utils")
_SHARED_HANDLER = "utils/controllerFactory.js"
_RULE_BLOCK = re.compile(r"^  (\w+): \{(.*?)^  \}", re.S | re.M)
_EXPORT = re.compile(
    r"^[ \t]*(?:module\.)?exports(?:\.(\w+)|\[\s*'([^']+)'\s*\]|\[\s*\"([^\"]+)\"\s*\])\s*=\s*",
    re.M,
)
_WHOLE_EXPORT = re.compile(r"^module\.exports\s*=\s*", re.M)
_REQUIRE = re.compile(r"require\('([^']+)'\)")
#: `if (safe) return ...`, or `if (noop) {` (a `return` on the next line)
_GUARD = re.compile(r"[ \t]*if \((safe|noop)\) (?:(return\b)|\{[ \t]*$)", re.M)
#: `[...].forEach((func) => { module.exports[`prefix${func}`] = ... })` (the sqlite3 sinks)
_LOOP = re.compile(r"\[([^\]]*)\]\.forEach\(\((\w+)\) => \{")
_LOOP_EXPORT = re.compile(r"^\s*module\.exports\[`([^`$]*)\$\{(\w+)\}([^`]*)`\]\s*=\s*", re.M)


@dataclass(frozen=True)
class Sink:
    """One exported sink function of test-bench-utils."""

    name: str
    path: str  # relative to the scanned folder
    first: int
    last: int
    #: first and last line of the first `if (safe) return` / `if (noop) { ... return }` in
    #: the function, per option: the lines after it are not reached with that option, the
    #: lines inside its block only with that option
    guards: tuple[tuple[str, tuple[int, int]], ...] = ()

    def reached_by(self, line: int) -> set[str]:
        """Which calls of the sink (unsafe, safe, noop) reach this line of it."""
        for option, (first, last) in self.guards:
            if first < line <= last:
                return {option}
        return {"unsafe", "safe", "noop"} - {o for o, (_, last) in self.guards if line > last}


@dataclass
class Endpoint:
    rule: str
    sink: Sink
    input: str
    method: str
    uri: str
    twins: tuple[str, ...]
    found_by: set[str] = field(default_factory=set)
    twins_flagged: dict[str, set[str]] = field(default_factory=dict)


def camel_case(name: str) -> str:
    """lodash's camelCase for the sink names used in the bench's URLs."""
    words: list[str] = re.findall(
        r"[A-Z]{2,}(?=[A-Z][a-z]|[^A-Za-z]|$)|[A-Z]?[a-z]+|[A-Z]+|\d+", name
    )
    if not words:
        return ""
    return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])


def _scan_to(text: str, start: int, *, block: bool = False) -> int:
    """Offset just past the expression starting at `start` (brackets balanced, strings and
    comments skipped): the first `;` or line end at depth 0 after a closing bracket, or with
    `block` the bracket closing the one at `start`."""
    depth, i, closed = 0, start, False
    while i < len(text):
        char = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if text.startswith("/*", i):
            i = text.find("*/", i) + 2
            continue
        if char in "'\"":
            end = i + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            i = end + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            closed = True
            if block and depth == 0:
                return i + 1
        elif depth == 0 and (char == ";" or (char == "\n" and closed)):
            return i + 1
        i += 1
    return len(text)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _module_file(base: Path, spec: str) -> Path:
    target = (base / spec).resolve()
    for candidate in (target.with_name(target.name + ".js"), target / "index.js", target):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"cannot resolve require('{spec}') from {base}")


def _function(root: Path, file: Path, text: str, start: int, value: int, name: str) -> Sink:
    """The sink assigned by the statement at `start`, whose value starts at `value`."""
    end = _scan_to(text, value)
    first, last = _line_of(text, start), _line_of(text, end - 1)
    guards: dict[str, tuple[int, int]] = {}
    line_starts = [m.end() for m in re.finditer("\n", text)]
    for number in range(first, last + 1):
        offset = line_starts[number - 2] if number > 1 else 0
        match = _GUARD.match(text, offset)
        if match is None or match.group(1) in guards:
            continue
        if match.group(2):  # if (safe) return ...
            guards[match.group(1)] = (number, number)
        else:  # if (safe) { ...; return ... }: its lines are that option's own
            closing = _scan_to(text, match.end() - 1, block=True)
            if "return" in text[match.end() : closing]:
                guards[match.group(1)] = (number, _line_of(text, closing - 1))
    path = file.relative_to(root).as_posix()
    return Sink(name, path, first, last, tuple(sorted(guards.items())))


def sinks_of(root: Path, file: Path) -> dict[str, Sink]:
    """Every sink a test-bench-utils sink module exports, by name."""
    text = file.read_text()
    found: dict[str, Sink] = {}
    for match in _WHOLE_EXPORT.finditer(text):  # module.exports = { ...a, ...require('./b') }
        body = text[match.end() : _scan_to(text, match.end())]
        if body.lstrip().startswith("{"):
            for spread in re.findall(r"\.\.\.\s*(require\('[^']+'\)|\w+)", body):
                spec = _REQUIRE.search(spread)
                if spec is None:
                    bound = re.search(rf"const {spread} = require\('([^']+)'\)", text)
                    if bound is None:
                        continue
                    spec = bound
                found.update(sinks_of(root, _module_file(file.parent, spec.group(1))))
    for match in _EXPORT.finditer(text):
        name = next(g for g in match.groups() if g is not None)
        value = text[match.end() : match.end() + 200]
        required = _REQUIRE.match(value)
        if required:  # module.exports['r.js'] = require('./rethinkdb/r-js')
            target = _module_file(file.parent, required.group(1))
            inner = target.read_text()
            whole = _WHOLE_EXPORT.search(inner)
            if whole is not None:
                found[name] = _function(root, target, inner, whole.start(), whole.end(), name)
            continue
        found[name] = _function(root, file, text, match.start(), match.end(), name)
    for loop in _LOOP.finditer(text):
        export = _LOOP_EXPORT.search(text, loop.end())
        if export is None or export.group(2) != loop.group(2):
            continue
        for item in re.findall(r"'([^']+)'", loop.group(1)):
            name = f"{export.group(1)}{item}{export.group(3)}"
            found[name] = _function(root, file, text, export.start(), export.end(), name)
    return found


def endpoints(root: Path) -> list[Endpoint]:
    """The express4 bench's sink endpoints, read from test-bench-utils' source."""
    lib = root / _PACKAGE / "lib"
    routes = lib.joinpath("routes.js").read_text()
    mapping = dict(
        re.findall(r"^  (\w+): \{ method: '(\w+)'", lib.joinpath("frameworks.js").read_text(), re.M)
    )
    found: list[Endpoint] = []
    for rule, block in _RULE_BLOCK.findall(routes):
        inputs = re.search(r"inputs: \[([^\]]*)\]", block)
        module = re.search(r"sinks: sinks\.(\w+)", block)
        base = re.search(r"base: '([^']+)'", block)
        if rule not in CLASSES or inputs is None or module is None or base is None:
            continue
        sinks = sinks_of(root, _module_file(lib / "sinks", f"./{module.group(1)}"))
        for source in re.findall(r"'(\w+)'", inputs.group(1)):
            for name, sink in sinks.items():
                uri = f"{base.group(1)}/{source}/{camel_case(name)}"
                uri += "/:input" if source == "params" else ""
                twins = () if rule == "unsafeFileUpload" else ("safe", "noop")
                found.append(Endpoint(rule, sink, source, mapping[source], uri, twins))
    return found


def _copy_bench(bench: Path) -> Path:
    """express4's source plus test-bench-utils' lib/ in a temporary folder."""
    app = bench / "express4"
    package = app / _PACKAGE
    if not package.joinpath("lib").is_dir():
        raise SystemExit(f"{package} missing: run `npm install` in {app} first")
    root = Path(tempfile.mkdtemp(prefix="nodetestbench-static-")) / "express4"
    shutil.copytree(app, root, ignore=shutil.ignore_patterns("node_modules"), symlinks=True)
    shutil.copytree(package / "lib", root / _PACKAGE / "lib", symlinks=True)
    shutil.copy2(package / "package.json", root / _PACKAGE / "package.json")
    return root


def scan(root: Path) -> tuple[list[dict[str, Any]], float]:
    """`nodeward scan` of the copy (this interpreter's nodeward), and its wall seconds."""
    command = [sys.executable, "-m", "nodeward", "scan", str(root), "--format", "json"]
    command += ["--jobs", "1", "--offline", "--exit-zero", "--include-node-modules", "-q"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"nodeward scan exited {done.returncode}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    findings: list[dict[str, Any]] = report["findings"]
    return findings, wall


def _places(finding: dict[str, Any]) -> list[tuple[str, int]]:
    """(path, line) of the finding's location and of each flow step, location first."""
    steps: list[dict[str, Any]] = [s["location"] for s in finding["flow"]]
    return [
        (str(location["path"]), int(location["line"]))
        for location in [finding["location"], *steps]
        if location.get("kind") == "source" and location.get("line")
    ]


def judge(found: list[Endpoint], findings: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Mark the endpoints each finding points at; return the findings of the classes' rules in
    the shared route closure, and those elsewhere that point at no endpoint."""
    shared: list[str] = []
    elsewhere: list[str] = []
    for finding in findings:
        rule = str(finding["rule"])
        places = _places(finding)
        if not any(rule in CLASSES[e.rule] for e in found) or not places:
            continue
        matched = False
        for endpoint in found:
            if rule not in CLASSES[endpoint.rule]:
                continue
            sink = endpoint.sink
            reached: set[str] = set()
            for path, line in places:
                if path == sink.path and sink.first <= line <= sink.last:
                    reached = sink.reached_by(line)
                    break
                if path.startswith(f"vulnerabilities/{endpoint.rule}/"):
                    reached = {"unsafe", *endpoint.twins}
                    break
            matched = matched or bool(reached)
            if "unsafe" in reached:
                endpoint.found_by.add(rule)
            for twin in set(endpoint.twins) & reached:
                endpoint.twins_flagged.setdefault(twin, set()).add(rule)
        where = f"{rule} {places[0][0]}:{places[0][1]}"
        if any(p == _SHARED_HANDLER for p, _ in places):
            shared.append(where)
        elif not matched:
            elsewhere.append(where)
    return shared, elsewhere


def figures(found: list[Endpoint], findings: list[dict[str, Any]]) -> dict[str, Any]:
    shared, elsewhere = judge(found, findings)
    total: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    twins: Counter[str] = Counter()
    twins_total: Counter[str] = Counter()
    flagged: list[str] = []
    missed: list[str] = []
    for e in found:
        total[e.rule] += 1
        hit[e.rule] += bool(e.found_by)
        twins_total[e.rule] += len(e.twins)
        twins[e.rule] += len(e.twins_flagged)
        if not e.found_by:
            missed.append(f"{e.method.upper()} {e.uri}/unsafe ({e.sink.path}:{e.sink.first})")
        for twin, rules in sorted(e.twins_flagged.items()):
            flagged.append(f"{e.uri}/{twin}: {sorted(rules)}")
    classes = sorted(total)
    return {
        "unsafe_found": sum(hit.values()),
        "unsafe_total": sum(total.values()),
        "twins_flagged": sum(twins[r] for r in classes if r not in SAME_AS_UNSAFE),
        "twins_total": sum(twins_total[r] for r in classes if r not in SAME_AS_UNSAFE),
        "per_class": {
            r: {
                "unsafe": f"{hit[r]}/{total[r]}",
                "twins_flagged": f"{twins[r]}/{twins_total[r]}",
            }
            for r in classes
        },
        "twins_flagged_list": flagged,
        "shared_handler_findings": shared,
        "findings_outside_the_table": elsewhere,
        "missed": missed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="checkout of NodeTestBenches")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the scanned copy")
    parser.add_argument("--missed", action="store_true", help="list every missed endpoint")
    args = parser.parse_args()
    root = _copy_bench(args.bench)
    try:
        found = endpoints(root)
        findings, wall = scan(root)
        result = figures(found, findings)
        result["seconds"] = round(wall, 1)
    finally:
        if not args.keep:
            shutil.rmtree(root.parent, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'class':42} {'unsafe found':>12} {'twins flagged':>14}")
    for rule, row in result["per_class"].items():
        print(f"{rule:42} {row['unsafe']:>12} {row['twins_flagged']:>14}")
    print(
        f"{'all':42} {result['unsafe_found']}/{result['unsafe_total']:<9}"
        f" {result['twins_flagged']}/{result['twins_total']} (without ssrf, whose twins run the"
        " unsafe code)"
    )
    print("twins flagged:", *result["twins_flagged_list"], sep="\n  ")
    print("findings in the shared route closure:", result["shared_handler_findings"])
    print("findings of these rules at no endpoint:", result["findings_outside_the_table"])
    if args.missed:
        print("missed:", *result["missed"], sep="\n  ")
    print(f"scan: {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
