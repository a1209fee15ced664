"""The finding model: pure, frozen data shared by every analyzer and report format."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nodeward.rulemeta import RuleMeta  # rulemeta builds findings: no import at run time


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


class Confidence(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A place in a scanned file; `path` is POSIX and relative to the scan root."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    snippet: str = ""


class Reachability(Enum):
    """Whether the application code loads a package (see deps/reachability.py)."""

    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PackageLocation:
    """A package found in a lockfile or manifest; `manifest` is relative to the scan root."""

    manifest: str
    package: str
    version: str
    dependency_path: tuple[str, ...] = ()
    line: int | None = None
    reachability: Reachability | None = None  # does the app import it (dependency audit)


@dataclass(frozen=True)
class HttpLocation:
    """A request the live probe made."""

    url: str
    method: str = "GET"
    parameter: str | None = None


Location = SourceLocation | PackageLocation | HttpLocation


@dataclass(frozen=True)
class FlowStep:
    """One step of a data flow, from source to sink."""

    location: SourceLocation
    description: str


@dataclass(frozen=True)
class Evidence:
    """A piece of proof beyond the primary location, e.g. a live HTTP exchange confirming a
    static finding, or the second place a weakness was seen."""

    location: Location
    description: str
    request: str | None = None
    response: str | None = None


@dataclass(frozen=True)
class Finding:
    """One weakness, complete when built. Use `RuleMeta.finding` to construct one."""

    rule: str
    message: str
    location: Location
    severity: Severity
    confidence: Confidence
    fix: str
    flow: tuple[FlowStep, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    confirmed: bool = False
    secrets: tuple[str, ...] = ()
    """Credentials the finding quotes (in its snippet or message), as written in the source,
    one piece per source line. Reports mask them unless the user asks to see secrets; the
    finding keeps them so that `--show-secrets` can."""
    fingerprint: str = field(default="")
    advisory_ids: tuple[tuple[str, ...], ...] = ()
    """A dependency finding's advisories, each as its id and aliases (GHSA, CVE, NSWG): what
    `--ignore GHSA-...` matches. The finding is left out when every advisory is ignored."""

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint_of(self.rule, self.location))

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        match loc:
            case SourceLocation():
                return (loc.path, loc.line, loc.column, self.rule)
            case PackageLocation():
                return (loc.manifest, loc.line or 0, 0, self.rule + loc.package)
            case HttpLocation():
                return ("~" + loc.url, 0, 0, self.rule + loc.method)


def fingerprint_of(rule: str, location: Location) -> str:
    """A fingerprint that does not change when unrelated lines move: it hashes the rule, the
    file and the whitespace-normalised text of the flagged line, never its line number."""
    match location:
        case SourceLocation():
            parts: tuple[str, ...]
            anchor = " ".join(location.snippet.split()) or str(location.line)
            parts = ("src", location.path, anchor)
        case PackageLocation():
            parts = ("pkg", location.manifest, location.package, location.version)
        case HttpLocation():
            parts = ("http", location.method, location.url, location.parameter or "")
    # surrogatepass: an undecodable file-name byte (os.fsdecode gives a lone surrogate) must
    # not crash the rule that reports on the file; other text encodes as plain UTF-8
    digest = hashlib.sha256("\x1f".join((rule, *parts)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Skip:
    """Something nodeward could not (fully) analyze, and why. A `note` was analysed all
    the same (a file with bytes that are not UTF-8): reports show it like any skip, and
    `--strict` does not fail on it."""

    target: str
    reason: str
    note: bool = False


@dataclass(frozen=True)
class Suppression:
    """An inline `nodeward-ignore` comment."""

    location: SourceLocation
    codes: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Unevaluated:
    """An enabled rule that had nothing to evaluate in this run (DEP rules without a
    lockfile, live-probe rules without a target URL); the scorecard reports it as not
    checked rather than passed."""

    rule: str
    reason: str


@dataclass(frozen=True)
class BaselinedRule:
    """How many findings of one rule `--baseline` left out of the report as already known
    (the scorecard shows a practice whose only findings were left out as "pass (N
    baselined)")."""

    rule: str
    count: int


@dataclass(frozen=True)
class Route:
    """One route of the app model, for the report's route table and the live probe.

    `location` is where the route is registered; `handler_location` spans the handler
    function (line to end_line) when it resolved, so live findings on the route can be
    tied to static findings inside it. `complete` is False when part of the middleware
    chain could not be resolved."""

    method: str
    path: str
    location: SourceLocation
    middleware: tuple[str, ...] = ()
    handler: str = ""
    handler_location: SourceLocation | None = None
    complete: bool = True


@dataclass(frozen=True)
class InstalledPackage:
    """One installed copy of a package, as the dependency audit read it from a lockfile
    (the SBOM format lists them)."""

    ref: str  # unique in a report: `<manifest>#<lockfile key>`
    name: str
    version: str
    manifest: str
    project: str  # the name of the project that manifest belongs to
    scope: str  # prod, optional, peer or dev (deps.lockfiles.interface.Scope)
    direct: bool  # the project (or one of its workspaces) depends on it itself
    source: str  # registry, workspace, link, file, git or other
    install_path: str | None = None  # npm layouts: node_modules/a/node_modules/b
    requires: tuple[str, ...] = ()  # refs of the packages it depends on


@dataclass(frozen=True)
class KnownVulnerability:
    """An advisory that affects installed packages, with the DEP001 finding it produced
    (`finding` is that finding's fingerprint, so a suppressed finding drops it too)."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity
    database: str  # the advisory source that answered (osv-db, npm, osv-api)
    affects: tuple[str, ...]  # InstalledPackage refs
    finding: str
    url: str = ""
    cvss_vector: str | None = None
    cwes: tuple[int, ...] = ()
    fixed: str | None = None
    reachability: Reachability | None = None


@dataclass(frozen=True)
class ProbedUrl:
    """One URL the live probe requested (query left out), and how."""

    url: str
    methods: tuple[str, ...]
    inputs: tuple[str, ...]
    """Query and body parameter names sent to it."""
    checks: tuple[str, ...]
    """The probe stages that requested it (crawl, injection, csrf, ...)."""
    requests: int
    with_session: int = 0
    """Requests that carried the login (session cookie, token, --header/--cookie)."""


@dataclass(frozen=True)
class NotSent:
    """A request the live probe refused to send, and why (state-changing, excluded)."""

    method: str
    url: str
    reason: str


@dataclass(frozen=True)
class ProbeCoverage:
    """What the live probe tried and what it left alone: the report's coverage table."""

    target: str
    mode: str
    requests: int
    seconds: float
    stopped: str | None
    """Why the probe ended early (time limit, degraded target, Ctrl-C), if it did."""
    checks: tuple[str, ...]
    urls: tuple[ProbedUrl, ...]
    not_sent: tuple[NotSent, ...]


@dataclass(frozen=True)
class AdvisoryData:
    """Which advisory data the dependency audit checked packages against: every report
    names it, so that a pass on old data is visible."""

    source: str  # "OSV npm (download)", "import of all.zip", "OSV API", "npm registry (...)"
    newest_record: str | None = None  # YYYY-MM-DD of the newest record in a local database
    imported_at: str | None = None  # ISO 8601 UTC, when a local database was built
    records: int | None = None  # how many records a local database holds
    queried_at: str | None = None  # ISO 8601 UTC, when a live source answered

    @property
    def as_of(self) -> str:
        """ "newest record 2021-12-01", or "live (queried at 2026-12-05T01:40:00Z)"."""
        if self.queried_at is not None:
            return f"live (queried at {self.queried_at})"
        return f"newest record {self.newest_record or 'unknown'}"

    @property
    def line(self) -> str:
        """The report header: source and date."""
        return f"{self.source}, {self.as_of}"

    @property
    def checked_against(self) -> str:
        """The scorecard's note on the vulnerable-dependencies row."""
        if self.queried_at is not None:
            return f"checked against live data (queried at {self.queried_at})"
        return f"checked against data from {self.newest_record or 'an unknown date'}"


@dataclass(frozen=True)
class Report:
    """The result of one run, as every report format sees it."""

    tool_version: str
    root: str
    findings: tuple[Finding, ...]
    skips: tuple[Skip, ...] = ()
    files_scanned: int = 0
    suppressed: int = 0
    baseline_matched: int = 0
    baselined: tuple[BaselinedRule, ...] = ()  # baseline_matched, per rule (code order)
    ignored: tuple[BaselinedRule, ...] = ()  # left out by an ignore entry, per rule
    rules_run: tuple[str, ...] = ()
    duration_seconds: float = 0.0
    unevaluated: tuple[Unevaluated, ...] = ()
    routes: tuple[Route, ...] = ()
    #: The dependency audit's inventory and matches, for the SBOM (`--format cyclonedx`).
    packages: tuple[InstalledPackage, ...] = ()
    vulnerabilities: tuple[KnownVulnerability, ...] = ()
    probe: ProbeCoverage | None = None
    """The live probe's coverage table, when a probe ran."""
    advisories: AdvisoryData | None = None
    """The advisory data the dependency audit used, when it looked advisories up."""
    rules: tuple[RuleMeta, ...] = ()
    """The rules that ran and those the findings belong to, in code order: what the report
    formats say about a rule comes from here, so they need no registry of checkers."""

    def rule(self, code: str) -> RuleMeta:
        """The rule of a finding in this report."""
        rule = self._rules_by_code.get(code)
        if rule is None:
            raise KeyError(f"{code} is not among the rules of this report (Report.rules)")
        return rule

    @cached_property
    def _rules_by_code(self) -> dict[str, RuleMeta]:
        return {rule.code: rule for rule in self.rules}

    @property
    def ignored_count(self) -> int:
        """Findings an ignore entry (`--ignore GHSA-...`, `[[ignore]]`) left out."""
        return sum(rule.count for rule in self.ignored)
