"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

URIs are relative to the repository root (`base`), not to the scanned folder: GitHub ignores
`originalUriBaseIds` and resolves every URI against the top of the repository, so a scan of
`services/api/` must say `services/api/app.js`.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from nodeward.catalog import all_rules
from nodeward.findings import (
    Finding,
    FlowStep,
    HttpLocation,
    Location,
    PackageLocation,
    Report,
    Severity,
    Skip,
    SourceLocation,
)
from nodeward.report.common import advisories_dict, coverage_dict, rules_in
from nodeward.report.conceal import conceal
from nodeward.report.neutralize import json_dumps
from nodeward.rulemeta import RuleMeta
from nodeward.scorecard import row_dict, scorecard

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_ID = "%SRCROOT%"
INFORMATION_URI = "https://github.com/nodeward/nodeward"

#: GitHub reads `security-severity` as a CVSS-like score: >= 9 critical, >= 7 high, >= 4 medium.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
PRECISION = {3: "high", 2: "medium", 1: "low"}
#: The key baselines and earlier uploads know (the finding's own fingerprint), and a key that
#: is unique within a run: the same fingerprint plus its occurrence, `:1`, `:2`, ... in
#: report order, so that identical lines are not folded into one alert.
FINGERPRINT_KEY, UNIQUE_FINGERPRINT_KEY = "nodeward/v1", "nodeward/v2"
#: A skip target `file.js:12` names a line.
_TARGET_LINE = re.compile(r"^(?P<path>.+):(?P<line>[0-9]+)$")


@dataclass(frozen=True)
class _Uris:
    """Repository-relative URIs for paths relative to the scan root."""

    prefix: str  # the scan root relative to the repository root, POSIX; "" when the same

    def of(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.prefix, path)) if self.prefix else path


def scan_prefix(scan_root: Path, base: Path | None) -> str:
    """`scan_root` relative to `base` as a POSIX path ("" for the same folder or no base).
    Both are tried as given and then resolved, since the scan root may be a symlink."""
    if base is None:
        return ""
    for root, top in ((scan_root, base), (scan_root.resolve(), base.resolve())):
        if root.is_relative_to(top):
            relative = root.relative_to(top).as_posix()
            return "" if relative == "." else relative
    raise ValueError(f"{scan_root} is not inside {base}")


def level(severity: Severity) -> str:
    if severity >= Severity.HIGH:
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "note"


def _rule(rule: RuleMeta) -> dict[str, Any]:
    tags = ["security", *(f"external/cwe/cwe-{n}" for n in rule.cwe), rule.owasp.tag]
    tags += [f"practice/{p.slug}" for p in rule.practices]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.what},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules/{rule.code}.md",
        "help": {"text": rule.why + "\n\nFix: " + rule.fix, "markdown": rule.markdown()},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": PRECISION[int(rule.confidence)],
            "problem.severity": level(rule.severity).replace("note", "recommendation"),
        },
    }


def _physical(uri: str, line: int | None, location: SourceLocation | None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": line or 1}
    if location is not None:
        region["startColumn"] = location.column
        if location.end_line is not None:
            region["endLine"] = location.end_line
        if location.end_column is not None:
            region["endColumn"] = location.end_column
        if location.snippet:
            region["snippet"] = {"text": location.snippet}
    return {"artifactLocation": {"uri": uri, "uriBaseId": ROOT_ID}, "region": region}


def _location(location: Location, uris: _Uris, message: str | None = None) -> dict[str, Any]:
    result: dict[str, Any]
    match location:
        case SourceLocation():
            physical = _physical(uris.of(location.path), location.line, location)
            result = {"physicalLocation": physical}
        case PackageLocation():
            result = {
                "physicalLocation": _physical(uris.of(location.manifest), location.line, None),
                "logicalLocations": [
                    {
                        "name": f"{location.package}@{location.version}",
                        "fullyQualifiedName": " > ".join(location.dependency_path)
                        or location.package,
                        "kind": "module",
                    }
                ],
            }
        case HttpLocation():
            result = {
                "physicalLocation": {"artifactLocation": {"uri": location.url}},
                "logicalLocations": [
                    {"name": f"{location.method} {location.url}", "kind": "resource"}
                ],
            }
    if message:
        result["message"] = {"text": message}
    return result


def _code_flow(steps: tuple[FlowStep, ...], uris: _Uris) -> dict[str, Any]:
    return {
        "threadFlows": [
            {
                "locations": [
                    {"location": _location(step.location, uris, step.description)} for step in steps
                ]
            }
        ]
    }


def _result(
    finding: Finding, index: dict[str, int], uris: _Uris, occurrence: int
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [_location(finding.location, uris)],
        "partialFingerprints": {
            FINGERPRINT_KEY: finding.fingerprint,
            UNIQUE_FINGERPRINT_KEY: f"{finding.fingerprint}:{occurrence}",
        },
        "properties": {
            "confidence": finding.confidence.label,
            "severity": finding.severity.label,
            "fix": finding.fix,
            "confirmed": finding.confirmed,
        },
    }
    if finding.flow:
        result["codeFlows"] = [_code_flow(finding.flow, uris)]
    if finding.evidence:
        result["relatedLocations"] = [
            {"id": n, **_location(e.location, uris, e.description)}
            for n, e in enumerate(finding.evidence, start=1)
        ]
    return result


def _skip_location(target: str, uris: _Uris) -> dict[str, Any] | None:
    """Where a skip points, when its target is a file or folder of the scan (`app.js`,
    `routes/x.js:12`). Other targets name a part of the run ("dependency audit",
    "--browser"), a URL or an outside file, and get no location: a URI under the repository
    would point at a file that does not exist. Those names are phrases, hence the space test."""
    if (
        not target
        or " " in target
        or target.startswith("-")
        or "://" in target
        or PurePath(target).is_absolute()
    ):
        return None
    physical: dict[str, Any] = {}
    line = _TARGET_LINE.match(target)
    if line is not None:
        target = line["path"]
        physical["region"] = {"startLine": max(int(line["line"]), 1)}
    physical["artifactLocation"] = {"uri": uris.of(target), "uriBaseId": ROOT_ID}
    return {"physicalLocation": physical}


def _notification(skip: Skip, uris: _Uris) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "warning",
        "message": {"text": f"Skipped {skip.target}: {skip.reason}"},
        "descriptor": {"id": "skip"},
    }
    location = _skip_location(skip.target, uris)
    if location is not None:
        notification["locations"] = [location]
    return notification


def _results(report: Report, index: dict[str, int], uris: _Uris) -> list[dict[str, Any]]:
    seen: Counter[str] = Counter()
    results = []
    for finding in report.findings:
        seen[finding.fingerprint] += 1
        results.append(_result(finding, index, uris, seen[finding.fingerprint]))
    return results


def _original_uri_base_ids(report: Report, base: Path | None) -> dict[str, Any] | None:
    """Where %SRCROOT% is on the scanning machine; none for a probe, whose root is a URL."""
    if "://" in report.root or not report.root:
        return None
    top = Path(report.root) if base is None else base
    return {ROOT_ID: {"uri": top.absolute().as_uri().rstrip("/") + "/"}}


def report_dict(report: Report, base: Path | None = None) -> dict[str, Any]:
    """The SARIF document; `base` is the repository root URIs are relative to (None: the
    scan root). The scan root must lie inside `base`."""
    rules = rules_in(report)
    index = {rule.code: n for n, rule in enumerate(rules)}
    uris = _Uris(scan_prefix(Path(report.root), base))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "nodeward",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }
        }
    }
    base_ids = _original_uri_base_ids(report, base)
    if base_ids is not None:
        run["originalUriBaseIds"] = base_ids
    run |= {
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_notification(s, uris) for s in report.skips],
            }
        ],
        "results": _results(report, index, uris),
        "columnKind": "unicodeCodePoints",
        "properties": {
            "filesScanned": report.files_scanned,
            "suppressed": report.suppressed,
            "baselineMatched": report.baseline_matched,
            "ignored": report.ignored_count,
            "scorecard": [row_dict(row) for row in scorecard(report, all_rules())],
        },
    }
    if report.probe is not None:
        run["properties"]["probeCoverage"] = coverage_dict(report.probe)
    if report.advisories is not None:
        run["properties"]["advisories"] = advisories_dict(report.advisories)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, show_secrets: bool = False, base: Path | None = None) -> str:
    """The document as JSON text with no raw control or bidi character (see
    `neutralize.json_dumps`); secrets are masked unless `show_secrets`. URIs are relative to
    `base`, the repository root (see `nodeward.repository`); None: to the scan root."""
    shown = report if show_secrets else conceal(report)
    return json_dumps(report_dict(shown, base)) + "\n"
