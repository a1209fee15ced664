"""The JSON report; its schema is report/schema/report.schema.json (docs/json-report.md)."""

from __future__ import annotations

from typing import Any

from nodeward.catalog import all_rules
from nodeward.findings import (
    Evidence,
    Finding,
    FlowStep,
    HttpLocation,
    Location,
    PackageLocation,
    Report,
    Route,
    SourceLocation,
)
from nodeward.report.common import (
    advisories_dict,
    coverage_dict,
    rules_in,
    severity_counts,
)
from nodeward.report.conceal import conceal
from nodeward.report.neutralize import json_dumps
from nodeward.rulemeta import RuleMeta
from nodeward.scorecard import row_dict, scorecard

SCHEMA_ID = "nodeward-report"
SCHEMA_VERSION = "1.1"  # 1.1: `advisories`


def location_dict(location: Location) -> dict[str, Any]:
    match location:
        case SourceLocation():
            return {
                "kind": "source",
                "path": location.path,
                "line": location.line,
                "column": location.column,
                "end_line": location.end_line,
                "end_column": location.end_column,
                "snippet": location.snippet,
            }
        case PackageLocation():
            return {
                "kind": "package",
                "manifest": location.manifest,
                "package": location.package,
                "version": location.version,
                "dependency_path": list(location.dependency_path),
                "line": location.line,
                "reachability": location.reachability.value if location.reachability else None,
            }
        case HttpLocation():
            return {
                "kind": "http",
                "url": location.url,
                "method": location.method,
                "parameter": location.parameter,
            }


def _step(step: FlowStep) -> dict[str, Any]:
    return {"location": location_dict(step.location), "description": step.description}


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "location": location_dict(evidence.location),
        "description": evidence.description,
        "request": evidence.request,
        "response": evidence.response,
    }


def _route(route: Route) -> dict[str, Any]:
    handler = route.handler_location
    return {
        "method": route.method,
        "path": route.path,
        "middleware": list(route.middleware),
        "chain_complete": route.complete,
        "handler": route.handler,
        "registered_at": location_dict(route.location),
        "handler_location": location_dict(handler) if handler is not None else None,
    }


def finding_dict(report: Report, finding: Finding) -> dict[str, Any]:
    rule = report.rule(finding.rule)
    return {
        "rule": finding.rule,
        "name": rule.name,
        "message": finding.message,
        "severity": finding.severity.label,
        "confidence": finding.confidence.label,
        "practices": [p.slug for p in rule.practices],
        "cwe": list(rule.cwe_labels),
        "owasp": rule.owasp.value,
        "fix": finding.fix,
        "fingerprint": finding.fingerprint,
        "confirmed": finding.confirmed,
        "location": location_dict(finding.location),
        "flow": [_step(s) for s in finding.flow],
        "evidence": [_evidence(e) for e in finding.evidence],
    }


def rule_dict(rule: RuleMeta) -> dict[str, Any]:
    """A rule's identity, as the JSON report and `nodeward rules --format json` list it."""
    return {
        "code": rule.code,
        "name": rule.name,
        "title": rule.title,
        "severity": rule.severity.label,
        "confidence": rule.confidence.label,
        "cwe": list(rule.cwe_labels),
        "owasp": rule.owasp.value,
        "practices": [p.slug for p in rule.practices],
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "nodeward", "version": report.tool_version},
        "root": report.root,
        "summary": {
            "files_scanned": report.files_scanned,
            "findings": len(report.findings),
            "by_severity": severity_counts(report),
            "suppressed": report.suppressed,
            "baseline_matched": report.baseline_matched,
            "ignored": report.ignored_count,
            "skipped": len(report.skips),
            "duration_seconds": report.duration_seconds,
        },
        "findings": [finding_dict(report, f) for f in report.findings],
        "skips": [{"target": s.target, "reason": s.reason} for s in report.skips],
        "rules": [rule_dict(r) for r in rules_in(report)],
        "scorecard": [row_dict(row) for row in scorecard(report, all_rules())],
        "routes": [_route(route) for route in report.routes],
        **({"probe": coverage_dict(report.probe)} if report.probe is not None else {}),
        **({"advisories": advisories_dict(report.advisories)} if report.advisories else {}),
    }


def render(report: Report, *, show_secrets: bool = False) -> str:
    """The document as JSON text with no raw control or bidi character (see
    `neutralize.json_dumps`); secrets are masked unless `show_secrets`."""
    return json_dumps(report_dict(report if show_secrets else conceal(report))) + "\n"
