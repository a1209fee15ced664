"""Detection accuracy on the labelled corpus (benchmarks/corpus/): recall and precision per app
and per weakness class.

Usage: python benchmarks/bench_accuracy.py [--corpus DIR] [--checkout DIR] [--json] [--window N]
       [--sample N] [APP ...]

Each app of corpus/manifest.toml found under --corpus (see corpus/fetch.py) is scanned by a
fresh `nodeward scan --jobs 1 --offline --format json` process of this checkout (or of
--checkout, e.g. an older commit's `git archive` for a before/after table). Findings are mapped to
weakness classes by CLASSES (rule code -> classes) and matched to the labels of
corpus/labels.csv: same file, a class of the finding equals the label's class, and the
finding's line within --window lines of the label's line (a label without a line matches
anywhere in its file: absence findings such as "no CSRF protection" point at the app set-up).

- recall: labels matched by at least one finding / labels of the apps scanned.
- precision: findings judged real / findings judged. A finding is judged real when it matches
  a label or corpus/triage.csv says "tp" for its app, file, line and rule; false when triage
  says "fp". Unjudged findings are counted apart ("open"); `precision >=` is the lower bound
  that counts every open finding as false.
- sample (--sample N): the N unlabelled findings (matching no label) whose SHA-256 of
  "app:file:line:rule" is smallest: a sample nobody picks by hand, stable across runs, in
  which a finding stays as long as it is reported. Each is listed with its triage verdict;
  the sample's precision is real / judged.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
CHECKOUT = HERE.parent

# Rule code -> the weakness classes of labels.csv that its findings stand for.
CLASSES: dict[str, tuple[str, ...]] = {
    "NW101": ("sqli",),
    "NW102": ("nosqli",),
    "NW103": ("cmdi",),
    "NW104": ("code-injection",),
    "NW105": ("path-traversal",),
    "NW106": ("ssrf",),
    "NW107": ("log-injection",),
    "NW108": ("redos",),
    "NW109": ("prototype-pollution",),
    "NW110": ("deserialization",),
    "NW111": ("xxe",),
    "NW112": ("header-injection",),
    "NW113": ("zip-slip", "path-traversal"),
    "NW114": ("xpath-injection",),
    "NW150": ("code-injection",),
    "NW151": ("cmdi",),
    "NW152": ("deserialization",),
    "NW201": ("jwt",),
    "NW202": ("jwt",),
    "NW203": ("jwt",),
    "NW210": ("weak-crypto",),
    "NW211": ("plaintext-password",),
    "NW212": ("weak-crypto",),
    "NW213": ("weak-crypto",),
    "NW214": ("weak-crypto",),
    "NW215": ("weak-crypto",),
    "NW220": ("session",),
    "NW221": ("user-enumeration",),
    "NW222": ("weak-password-policy",),
    "NW223": ("logging",),
    "NW224": ("mfa",),
    "NW301": ("missing-headers",),
    "NW302": ("missing-headers",),
    "NW303": ("missing-headers",),
    "NW304": ("cors",),
    "NW320": ("missing-headers",),
    "NW340": ("missing-headers",),
    "NW341": ("missing-headers",),
    "NW342": ("sensitive-data",),
    "NW343": ("insecure-cookie",),
    "NW401": ("error-leak",),
    "NW402": ("dos",),
    "NW410": ("error-leak",),
    "NW501": ("csrf",),
    "NW502": ("missing-auth",),
    "NW503": ("missing-auth",),
    "NW504": ("idor",),
    "NW505": ("sensitive-data",),
    "NW540": ("open-redirect",),
    "NW541": ("mass-assignment",),
    "NW601": ("hardcoded-secret",),
    "NW602": ("hardcoded-secret",),
    "NW603": ("hardcoded-secret",),
    "NW610": ("directory-listing",),
    "NW611": ("sensitive-data",),
    "NW612": ("graphql-introspection",),
    "NW630": ("sensitive-data",),
    "NW631": ("sensitive-data",),
    "NW650": ("sensitive-data",),
    "NW701": ("dos",),
    "NW702": ("rate-limit",),
    "NW703": ("dos",),
    "NW720": ("rate-limit",),
    "NW740": ("dos",),
    "NW741": ("rate-limit",),
    "NW801": ("insecure-cookie",),
    "NW802": ("insecure-cookie",),
    "NW803": ("insecure-cookie",),
    "NW804": ("insecure-cookie",),
    "NW805": ("insecure-cookie", "hardcoded-secret"),
    "NW806": ("insecure-cookie",),
    "NW901": ("xss",),
    "NW902": ("xss",),
    "NW903": ("xss",),
    "NW904": ("xss",),
    "NW905": ("xss",),
}


@dataclass(frozen=True)
class Label:
    app: str
    file: str
    line: int | None
    klass: str
    source: str


@dataclass(frozen=True)
class Hit:
    app: str
    rule: str
    file: str
    line: int
    classes: tuple[str, ...]
    # (file, first line, last line): the flow steps, and for a finding at a route's
    # registration the route's handler, where the label may sit instead of the sink
    spans: tuple[tuple[str, int, int], ...] = ()


@dataclass
class Tally:
    labels: int = 0
    found: int = 0
    real: int = 0
    false: int = 0
    open: int = 0
    missed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        judged = self.real + self.false
        total = judged + self.open
        return {
            "labels": self.labels,
            "found": self.found,
            "recall": round(self.found / self.labels, 3) if self.labels else None,
            "findings": total,
            "real": self.real,
            "false": self.false,
            "open": self.open,
            "precision": round(self.real / judged, 3) if judged else None,
            "precision_lower_bound": round(self.real / total, 3) if total else None,
            "missed": self.missed,
        }


def load_apps(corpus: Path, only: list[str]) -> list[tuple[str, str, Path]]:
    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
    apps = []
    for app in manifest["app"]:
        if only and app["name"] not in only:
            continue
        folder = corpus / app["name"]
        if not folder.is_dir():
            print(f"{app['name']}: not under {corpus} (run corpus/fetch.py)", file=sys.stderr)
            continue
        apps.append((app["name"], app["kind"], folder))
    return apps


def load_labels() -> list[Label]:
    with (CORPUS / "labels.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Label(r["app"], r["file"], int(r["line"]) if r["line"] else None, r["class"], r["source"])
        for r in rows
    ]


def load_triage() -> dict[tuple[str, str, int, str], str]:
    path = CORPUS / "triage.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            (r["app"], r["file"], int(r["line"]), r["rule"]): r["verdict"]
            for r in csv.DictReader(handle)
        }


def scan(app: str, folder: Path, checkout: Path) -> list[Hit]:
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "nodeward", "scan", str(folder), "--format", "json"]
        command += ["-o", str(out), "--quiet", "--jobs", "1", "--offline", "--exit-zero"]
        subprocess.run(command, env=env, check=False)
        report = json.loads(out.read_text(encoding="utf-8"))
    handlers: dict[tuple[str, int], list[tuple[str, int, int]]] = defaultdict(list)
    for route in report.get("routes", []):
        registered, handler = route.get("registered_at"), route.get("handler_location")
        if registered and handler and handler.get("kind") == "source":
            span = (handler["path"], handler["line"], handler.get("end_line", handler["line"]))
            handlers[registered["path"], registered["line"]].append(span)
    hits = []
    for finding in report["findings"]:
        location = finding["location"]
        if location.get("kind") != "source":
            continue
        rule, path, line = finding["rule"], location["path"], location["line"]
        spans = list(handlers.get((path, line), ()))
        for step in finding.get("flow", []):
            where = step.get("location", {})
            if where.get("kind") == "source":
                spans.append((where["path"], where["line"], where["line"]))
        hits.append(Hit(app, rule, path, line, CLASSES.get(rule, ()), tuple(spans)))
    return hits


def matches(hit: Hit, label: Label, window: int) -> bool:
    """Same class, and the label's line near the finding, one of its flow steps or inside
    the handler of the route it points at. A label without a line is an app-level weakness
    ("no CSRF protection"): any finding of its class in the app matches, wherever the
    scanner reports it (absence findings point at the app's creation)."""
    if label.klass not in hit.classes:
        return False
    if label.line is None:
        return True
    if hit.file == label.file and abs(hit.line - label.line) <= window:
        return True
    return any(
        path == label.file and first - window <= label.line <= last + window
        for path, first, last in hit.spans
    )


def sample_key(hit: Hit) -> str:
    return hashlib.sha256(f"{hit.app}:{hit.file}:{hit.line}:{hit.rule}".encode()).hexdigest()


def evaluate(
    corpus: Path, only: list[str], window: int, checkout: Path, sample: int = 0
) -> dict[str, Any]:
    labels = load_labels()
    triage = load_triage()
    per_app: dict[str, Tally] = defaultdict(Tally)
    per_class: dict[str, Tally] = defaultdict(Tally)
    overall = Tally()
    rules: Counter[str] = Counter()
    unlabelled: list[Hit] = []
    for app, _kind, folder in load_apps(corpus, only):
        hits = scan(app, folder, checkout)
        app_labels = [label for label in labels if label.app == app]
        for label in app_labels:
            found = any(matches(hit, label, window) for hit in hits)
            for tally in (per_app[app], per_class[label.klass], overall):
                tally.labels += 1
                tally.found += found
                if not found:
                    tally.missed.append(f"{app}:{label.file}:{label.line or ''} {label.klass}")
        for hit in hits:
            rules[hit.rule] += 1
            verdict = triage.get((app, hit.file, hit.line, hit.rule))
            labelled = any(matches(hit, label, window) for label in app_labels)
            if not labelled:
                unlabelled.append(hit)
            if labelled or verdict == "tp":
                outcome = "real"
            elif verdict == "fp":
                outcome = "false"
            else:
                outcome = "open"
            for klass in hit.classes or ("unmapped",):
                setattr(per_class[klass], outcome, getattr(per_class[klass], outcome) + 1)
            for tally in (per_app[app], overall):
                setattr(tally, outcome, getattr(tally, outcome) + 1)
    chosen = sorted(unlabelled, key=sample_key)[:sample]
    return {
        "window": window,
        "sample": [
            {
                "app": h.app,
                "file": h.file,
                "line": h.line,
                "rule": h.rule,
                "verdict": triage.get((h.app, h.file, h.line, h.rule), "open"),
            }
            for h in chosen
        ],
        "apps": {name: tally.as_dict() for name, tally in per_app.items()},
        "classes": {name: per_class[name].as_dict() for name in sorted(per_class)},
        "overall": overall.as_dict(),
        "rules": dict(rules.most_common()),
    }


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def render(result: dict[str, Any]) -> str:
    head = f"{'':38} {'labels':>6} {'found':>5} {'recall':>6} {'findings':>8} {'real':>5}"
    head += f" {'false':>5} {'open':>5} {'prec':>5} {'prec>=':>6}"
    lines = []
    for title in ("apps", "classes"):
        lines += ["", title, head]
        for name, row in result[title].items():
            lines.append(
                f"{name[:38]:38} {row['labels']:>6} {row['found']:>5} {percent(row['recall']):>6}"
                f" {row['findings']:>8} {row['real']:>5} {row['false']:>5} {row['open']:>5}"
                f" {percent(row['precision']):>5} {percent(row['precision_lower_bound']):>6}"
            )
    overall = result["overall"]
    lines += [
        "",
        f"overall recall {percent(overall['recall'])} ({overall['found']}/{overall['labels']}),"
        f" precision {percent(overall['precision'])} of judged, >= "
        f"{percent(overall['precision_lower_bound'])} of all {overall['findings']} findings",
        "",
        "missed:",
        *(f"  {miss}" for miss in overall["missed"]),
    ]
    chosen = result["sample"]
    if chosen:
        verdicts = Counter(row["verdict"] for row in chosen)
        lines += [
            "",
            f"sample of {len(chosen)} unlabelled findings: {verdicts['tp']} real, "
            f"{verdicts['fp']} false, {verdicts['open']} not judged",
            *(
                f"  {row['verdict']:4} {row['rule']} {row['app']}:{row['file']}:{row['line']}"
                for row in chosen
            ),
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/corpus"))
    parser.add_argument("--checkout", type=Path, default=CHECKOUT, help="nodeward to run")
    parser.add_argument("--window", type=int, default=5, help="line distance that still matches")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--sample", type=int, default=0, help="list N unlabelled findings chosen by hash"
    )
    parser.add_argument("apps", nargs="*", help="only these apps (default: all)")
    args = parser.parse_args()
    result = evaluate(args.corpus, args.apps, args.window, args.checkout, args.sample)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
