"""What the golden-report test compares: the JSON report of a scan without the fields that
change from run to run or machine to machine (time, version, absolute root)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nodeward.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"

#: The fixture apps every refactor must keep reporting the same way. Each is scanned as a
#: project of its own; the rule fixtures are one project so cross-file rules see them all.
APPS = {
    "vulnerable-app": ROOT / "examples" / "vulnerable-app",
    "probe-apps": ROOT / "tests" / "apps",
    "rule-fixtures": ROOT / "tests" / "fixtures" / "rules",
    "small-app": ROOT / "tests" / "fixtures" / "apps" / "small",
}


def stable(report: dict[str, Any]) -> dict[str, Any]:
    report = dict(report)
    report.pop("root", None)
    report["tool"] = {k: v for k, v in report["tool"].items() if k != "version"}
    report["summary"] = {
        k: v for k, v in report["summary"].items() if k not in {"duration_seconds"}
    }
    return report


def scan_json(path: Path, out: Path) -> dict[str, Any]:
    code = main(["scan", str(path), "--format", "json", "-o", str(out), "--quiet", "--jobs", "1"])
    assert code in (0, 1), code
    return stable(json.loads(out.read_text(encoding="utf-8")))
