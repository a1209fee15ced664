"""The HTML report: one self-contained page (inline CSS and JS, no external requests).

Everything from the scanned project (snippets, messages, paths, HTTP exchanges) reaches the
page only through Jinja2 with autoescaping on, after the environment's `finalize` (so no
`{{ }}` can forget it) has made line breaks, bidi overrides and other invisible characters
visible escapes; multi-line HTTP exchanges use the `block` filter, which keeps line breaks.
Secrets and live-probe credentials are masked first. A Content-Security-Policy with the
hashes of the inline style and script forbids every other load, so a mistake in escaping
still cannot run injected script or reach the network.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from nodeward.catalog import all_rules
from nodeward.findings import (
    Finding,
    HttpLocation,
    PackageLocation,
    Report,
    Route,
    Severity,
    SourceLocation,
)
from nodeward.practices import Practice
from nodeward.report.common import (
    coverage_summary,
    location_label,
    message_without_fix,
    primary_practice,
    severity_counts,
    shorten_snippet,
)
from nodeward.report.conceal import conceal
from nodeward.report.neutralize import html_text, terminal_line
from nodeward.scorecard import ScoreRow, scorecard

TEMPLATES = Path(__file__).parent / "templates"
OTHER = "other"
#: A page has more room than a terminal; a minified line is still cut around its column.
HTML_SNIPPET_WIDTH = 240


@dataclass(frozen=True)
class StepView:
    where: str
    description: str
    snippet: str


@dataclass(frozen=True)
class EvidenceView:
    where: str
    description: str
    request: str
    response: str


@dataclass(frozen=True)
class FindingView:
    code: str
    name: str
    severity: str
    practices: str  # space-separated slugs, for the practice filter
    where: str
    message: str
    snippet: str
    line: int | None
    flow: tuple[StepView, ...]
    evidence: tuple[EvidenceView, ...]
    fix: str
    confirmed: bool


@dataclass(frozen=True)
class SeverityGroup:
    severity: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class PracticeGroup:
    slug: str
    title: str
    count: int
    severities: tuple[SeverityGroup, ...]


@dataclass(frozen=True)
class DependencyRow:
    package: str
    version: str
    manifest: str
    path: str
    severity: str
    advisories: tuple[str, ...]
    fix: str


@dataclass(frozen=True)
class PracticeOption:
    slug: str
    title: str


def _finding_view(report: Report, finding: Finding) -> FindingView:
    rule = report.rule(finding.rule)
    loc = finding.location
    source = loc if isinstance(loc, SourceLocation) else None
    return FindingView(
        code=finding.rule,
        name=rule.name,
        severity=finding.severity.label,
        practices=" ".join(p.slug for p in rule.practices) or OTHER,
        where=location_label(loc),
        message=message_without_fix(finding),
        snippet=shorten_snippet(source.snippet, source.column, HTML_SNIPPET_WIDTH)
        if source is not None
        else "",
        line=source.line if source is not None else None,
        flow=tuple(
            StepView(location_label(s.location), s.description, s.location.snippet)
            for s in finding.flow
        ),
        evidence=tuple(
            EvidenceView(
                where=location_label(e.location),
                description=e.description,
                request=e.request or "",
                response=e.response or "",
            )
            for e in finding.evidence
        ),
        fix=finding.fix,
        confirmed=finding.confirmed,
    )


def _groups(report: Report) -> tuple[PracticeGroup, ...]:
    by_practice: dict[Practice | None, dict[Severity, list[FindingView]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for finding in report.findings:
        practice = primary_practice(report, finding)
        by_practice[practice][finding.severity].append(_finding_view(report, finding))
    groups = []
    for practice in (*Practice, None):
        severities = by_practice.get(practice)
        if not severities:
            continue
        groups.append(
            PracticeGroup(
                slug=practice.slug if practice is not None else OTHER,
                title=practice.title if practice is not None else "Other",
                count=sum(len(v) for v in severities.values()),
                severities=tuple(
                    SeverityGroup(s.label, tuple(severities[s]))
                    for s in sorted(severities, reverse=True)
                ),
            )
        )
    return tuple(groups)


def _dependencies(findings: tuple[Finding, ...]) -> tuple[DependencyRow, ...]:
    """One row per vulnerable package version, from the DEP findings."""
    rows: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        loc = finding.location
        if finding.rule.startswith("DEP") and isinstance(loc, PackageLocation):
            rows[(loc.manifest, loc.package, loc.version)].append(finding)
    result = []
    for (manifest, package, version), items in sorted(rows.items()):
        first = items[0].location
        chain = first.dependency_path if isinstance(first, PackageLocation) else ()
        fixes = sorted({f.fix for f in items})
        result.append(
            DependencyRow(
                package=package,
                version=version,
                manifest=manifest,
                path=" > ".join(chain),
                severity=max(f.severity for f in items).label,
                advisories=tuple(f.message for f in items),
                fix="; ".join(fixes),
            )
        )
    return tuple(result)


def _practice_options(report: Report) -> tuple[PracticeOption, ...]:
    present = {slug for f in report.findings for slug in _finding_view_practices(report, f)}
    options = [PracticeOption(p.slug, p.title) for p in Practice if p.slug in present]
    if OTHER in present:
        options.append(PracticeOption(OTHER, "Other"))
    return tuple(options)


def _finding_view_practices(report: Report, finding: Finding) -> tuple[str, ...]:
    return tuple(p.slug for p in report.rule(finding.rule).practices) or (OTHER,)


def advisory_header(report: Report) -> str | None:
    """The header line "Advisories: <source>, <date>" (the template adds "Advisories: "):
    None when the dependency audit looked no advisories up."""
    return report.advisories.line if report.advisories is not None else None


def _csp_hash(content: str) -> str:
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _finalize(value: object) -> object:
    """Applied to every `{{ }}` before autoescaping: one line, every invisible character
    shown. Markup (our inline style and script, and the output of `block`) passes as is."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return terminal_line(value)
    return value


def _block(value: str) -> Markup:
    """The `block` filter, for multi-line text in <pre> (HTTP exchanges): keeps its line
    breaks, shows every other invisible character, and escapes markup itself."""
    return escape(html_text(value))


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["block"] = _block
    return environment


@cache
def _asset(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def render(report: Report, *, show_secrets: bool = False) -> str:
    if not show_secrets:
        report = conceal(report)
    style, script = _asset("report.css"), _asset("report.js")
    rows: tuple[ScoreRow, ...] = scorecard(report, all_rules())
    routes: tuple[Route, ...] = report.routes
    evidence_count = sum(len(f.evidence) for f in report.findings)
    http_findings = sum(isinstance(f.location, HttpLocation) for f in report.findings)
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=report,
            style=style,
            script=script,
            csp=f"default-src 'none'; style-src {_csp_hash(style)}; "
            f"script-src {_csp_hash(script)}; img-src data:; base-uri 'none'; form-action 'none'",
            counts=severity_counts(report),
            scorecard=rows,
            groups=_groups(report),
            dependencies=_dependencies(report.findings),
            routes=routes,
            practices=_practice_options(report),
            live=evidence_count + http_findings,
            advisories=advisory_header(report),
            probe_summary=coverage_summary(report.probe) if report.probe else "",
        )
    )
