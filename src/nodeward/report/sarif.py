"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
from nodeward.report.common import coverage_dict, rules_in
from nodeward.rulemeta import RuleMeta
from nodeward.rules import all_rules
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


def _physical(path: str, line: int | None, location: SourceLocation | None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": line or 1}
    if location is not None:
        region["startColumn"] = location.column
        if location.end_line is not None:
            region["endLine"] = location.end_line
        if location.end_column is not None:
            region["endColumn"] = location.end_column
        if location.snippet:
            region["snippet"] = {"text": location.snippet}
    return {"artifactLocation": {"uri": path, "uriBaseId": ROOT_ID}, "region": region}


def _location(location: Location, message: str | None = None) -> dict[str, Any]:
    result: dict[str, Any]
    match location:
        case SourceLocation():
            result = {"physicalLocation": _physical(location.path, location.line, location)}
        case PackageLocation():
            result = {
                "physicalLocation": _physical(location.manifest, location.line, None),
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


def _code_flow(steps: tuple[FlowStep, ...]) -> dict[str, Any]:
    return {
        "threadFlows": [
            {
                "locations": [
                    {"location": _location(step.location, step.description)} for step in steps
                ]
            }
        ]
    }


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [_location(finding.location)],
        "partialFingerprints": {"nodeward/v1": finding.fingerprint},
        "properties": {
            "confidence": finding.confidence.label,
            "severity": finding.severity.label,
            "fix": finding.fix,
            "confirmed": finding.confirmed,
        },
    }
    if finding.flow:
        result["codeFlows"] = [_code_flow(finding.flow)]
    if finding.evidence:
        result["relatedLocations"] = [
            {"id": n, **_location(e.location, e.description)}
            for n, e in enumerate(finding.evidence, start=1)
        ]
    return result


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _notification(skip: Skip) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "warning",
        "message": {"text": f"Skipped {skip.target}: {skip.reason}"},
        "descriptor": {"id": "skip"},
    }
    if _is_url(skip.target):  # an absolute URI stands alone
        notification["locations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": skip.target}}}
        ]
    elif "://" not in skip.target and " " not in skip.target:
        artifact = {"uri": skip.target, "uriBaseId": ROOT_ID}
        notification["locations"] = [{"physicalLocation": {"artifactLocation": artifact}}]
    return notification


def _root_uri(root: str) -> str:
    """The scan root as a file URI, or the probed URL (the root of `probe URL`)."""
    if _is_url(root):
        return root.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[0] + "/"
    return Path(root).absolute().as_uri().rstrip("/") + "/"


def report_dict(report: Report) -> dict[str, Any]:
    rules = rules_in(report)
    index = {rule.code: n for n, rule in enumerate(rules)}
    root_uri = _root_uri(report.root)
    properties: dict[str, Any] = {
        "filesScanned": report.files_scanned,
        "suppressed": report.suppressed,
        "baselineMatched": report.baseline_matched,
        "scorecard": [row_dict(row) for row in scorecard(report, all_rules())],
    }
    if report.probe is not None:
        properties["probeCoverage"] = coverage_dict(report.probe)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nodeward",
                        "version": report.tool_version,
                        "semanticVersion": report.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {ROOT_ID: {"uri": root_uri}},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [_notification(s) for s in report.skips],
                    }
                ],
                "results": [_result(f, index) for f in report.findings],
                "columnKind": "unicodeCodePoints",
                "properties": properties,
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
