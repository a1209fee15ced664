"""Held-out static accuracy on semgrep-rules' annotated JavaScript/TypeScript security tests:
the `ruleid` lines a `nodeward scan` reports and the `ok` lines it flags.

Usage:
    python benchmarks/bench_semgrep_tests.py CHECKOUT [--json] [--missed] [--flagged]

CHECKOUT is a work tree of github.com/semgrep/semgrep-rules (this script never downloads
anything and never runs the tests' code). The nodeward that scans is the one this
interpreter imports (`PYTHONPATH=<checkout>/src` measures another checkout).

What is measured. Every test file under `javascript/**/security/` and
`typescript/**/security/` (.js, .jsx, .mjs, .cjs, .ts, .tsx) is copied, with its path, into a
temporary folder that is scanned once (`--jobs 1 --offline --exit-zero`). semgrep annotates
the line a rule must match with a `ruleid: <rule>` comment on the line before it, and a line
it must not match with `ok: <rule>` (`todoruleid`/`todook` mark the rule's own known misses
and are left out). A `ruleid` line is found when a nodeward finding of ANY rule starts at it,
or spans it (location line to end line); an `ok` line is flagged the same way. With `--steps`
a step of a finding's flow at the line counts too, for both kinds of line (semgrep marks where
request data is built into a query, nodeward the call that runs it). Rule
identities are not mapped: semgrep's rules and nodeward's cut the weaknesses differently, so
the figure is "does nodeward point at the line a security rule says is vulnerable".

Read it as a held-out measure only while nobody tunes nodeward on these files. Families
nodeward does not target (AWS CDK/Lambda infrastructure, React best practice) are kept in
the table so the total stays comparable, and listed per family so they can be read apart.
"""

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXTENSIONS = {".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx"}
# `// ruleid: a.b.c`, `/* ok: x */`, `{/* ruleid: x */}`, `<!-- ok: x -->`; the annotation
# is the whole comment, so a bounded, anchored pattern with no nested quantifier suffices.
ANNOTATION = re.compile(
    r"^\s*(?://|/\*|\{/\*|<!--)\s*(todoruleid|todook|ruleid|ok)\s*:\s*([\w.,\- ]+)"
)


@dataclass(frozen=True)
class Expectation:
    file: str  # path inside the checkout
    line: int  # 1-based line the annotation points at
    positive: bool  # ruleid (True) or ok (False)
    rules: str

    @property
    def family(self) -> str:
        parts = self.file.split("/")
        return "/".join(parts[:2])


def test_files(checkout: Path) -> list[Path]:
    found: list[Path] = []
    for language in ("javascript", "typescript"):
        base = checkout / language
        if base.is_dir():
            found.extend(
                path
                for path in sorted(base.rglob("*"))
                if path.suffix in EXTENSIONS
                and "security" in path.relative_to(checkout).parts
                and path.is_file()
                and not path.is_symlink()
            )
    return found


def expectations(checkout: Path, file: Path) -> list[Expectation]:
    rel = file.relative_to(checkout).as_posix()
    lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    result: list[Expectation] = []
    pending: list[tuple[str, str]] = []
    for number, text in enumerate(lines, start=1):
        match = ANNOTATION.match(text)
        if match:
            pending.append((match.group(1), match.group(2).strip()))
            continue
        for kind, rules in pending:
            if kind in ("ruleid", "ok"):
                result.append(Expectation(rel, number, kind == "ruleid", rules))
        pending = []
    return result


def scan(checkout: Path, files: list[Path]) -> tuple[list[dict[str, Any]], float]:
    with tempfile.TemporaryDirectory(prefix="nodeward-semgrep-tests-") as tmp:
        root = Path(tmp) / "tests"
        for file in files:
            target = root / file.relative_to(checkout)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "nodeward", "scan", str(root), "--format", "json"]
        command += ["-o", str(out), "--quiet", "--jobs", "1", "--offline", "--exit-zero"]
        started = time.perf_counter()
        subprocess.run(command, check=False)
        elapsed = time.perf_counter() - started
        report = json.loads(out.read_text(encoding="utf-8"))
    return report["findings"], elapsed


def spans(
    findings: list[dict[str, Any]], steps: bool = False
) -> dict[str, list[tuple[int, int, str]]]:
    """Per file, the line ranges findings point at: their own location, and with `steps`
    every step of their flow too (semgrep marks where request data enters a SQL string,
    nodeward reports the query call that runs it)."""
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for finding in findings:
        places = [finding["location"]]
        if steps:
            places += [step["location"] for step in finding.get("flow") or []]
        for location in places:
            first = location["line"]
            last = max(first, location.get("end_line") or first)
            by_file.setdefault(location["path"], []).append((first, last, finding["rule"]))
    return by_file


def hit_rules(
    expectation: Expectation, by_file: dict[str, list[tuple[int, int, str]]]
) -> list[str]:
    return sorted(
        {
            rule
            for first, last, rule in by_file.get(expectation.file, [])
            if first <= expectation.line <= last
        }
    )


def figures(
    all_expectations: list[Expectation], findings: list[dict[str, Any]], steps: bool = False
) -> dict[str, Any]:
    by_file = spans(findings, steps)
    per_family: dict[str, Counter[str]] = {}
    missed: list[str] = []
    flagged: list[str] = []
    for expectation in all_expectations:
        counts = per_family.setdefault(expectation.family, Counter())
        rules = hit_rules(expectation, by_file)
        if expectation.positive:
            counts["positives"] += 1
            counts["found"] += bool(rules)
            if not rules:
                missed.append(f"{expectation.file}:{expectation.line} ({expectation.rules})")
        else:
            counts["negatives"] += 1
            counts["flagged"] += bool(rules)
            if rules:
                where = f"{expectation.file}:{expectation.line}"
                flagged.append(f"{where} {','.join(rules)} (ok: {expectation.rules})")
    total: Counter[str] = Counter()
    for counts in per_family.values():
        total.update(counts)
    return {
        "positives": total["positives"],
        "found": total["found"],
        "negatives": total["negatives"],
        "flagged": total["flagged"],
        "families": {name: dict(counts) for name, counts in sorted(per_family.items())},
        "missed": missed,
        "flagged_lines": flagged,
    }


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="work tree of semgrep-rules")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--missed", action="store_true", help="list every missed ruleid line")
    parser.add_argument("--flagged", action="store_true", help="list every flagged ok line")
    parser.add_argument(
        "--steps", action="store_true", help="a flow step at the line counts too (lenient)"
    )
    args = parser.parse_args()
    files = test_files(args.checkout)
    if not files:
        print(f"no javascript/typescript security tests under {args.checkout}", file=sys.stderr)
        return 2
    all_expectations = [e for file in files for e in expectations(args.checkout, file)]
    findings, elapsed = scan(args.checkout, files)
    result = figures(all_expectations, findings, args.steps)
    result["files"] = len(files)
    result["seconds"] = round(elapsed, 2)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'family':34} {'ruleid found':>14} {'ok flagged':>12}")
    for name, counts in result["families"].items():
        found = f"{counts.get('found', 0)}/{counts.get('positives', 0)}"
        flagged = f"{counts.get('flagged', 0)}/{counts.get('negatives', 0)}"
        print(f"{name:34} {found:>14} {flagged:>12}")
    print(
        f"{'total':34} {result['found']}/{result['positives']} "
        f"({_percent(result['found'], result['positives'])}) "
        f"{result['flagged']}/{result['negatives']} "
        f"({_percent(result['flagged'], result['negatives'])})"
    )
    print(f"{len(files)} files, scan {elapsed:.1f} s wall")
    for line in result["missed"] if args.missed else []:
        print("missed", line)
    for line in result["flagged_lines"] if args.flagged else []:
        print("flagged", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
