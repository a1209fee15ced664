"""Issue #4's "done when", checked against the fixtures rather than remembered: every taint
sink family has reported `ruleid` lines in JavaScript and in TypeScript, a flow that crosses
a module boundary or passes through a helper function in both dialects, and every library
the issue names has model rows (or engine code) and fixtures importing it in both dialects.

A family's dialect is the dialect of the file its reported flow starts in, so template rules
(NW902, whose `ruleid` lines sit in .ejs/.pug/... files) count by the script that renders."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from test_fixtures import CASES, RULE_FIXTURES, _case_expectations

from nodeward.findings import Finding, SourceLocation
from nodeward.scan import scan_path

_JS = (".js", ".mjs", ".cjs", ".jsx")
_TS = (".ts", ".mts", ".cts", ".tsx")

#: sink family -> its rule code, as listed in issue #4
FAMILIES: dict[str, str] = {
    "SQL injection": "NW101",
    "NoSQL injection": "NW102",
    "command injection": "NW103",
    "code injection": "NW104",
    "path traversal": "NW105",
    "SSRF": "NW106",
    "log injection": "NW107",
    "ReDoS": "NW108",
    "prototype pollution": "NW109",
    "insecure deserialization": "NW110",
    "XXE": "NW111",
    "response header injection": "NW112",
    "zip slip": "NW113",
    "open redirect": "NW540",
    "mass assignment": "NW541",
    "data leaks": "NW630",
    "reflected XSS (res.send/write/end)": "NW901",
    "reflected XSS (unescaped template output)": "NW902",
    "client-side XSS": "NW903",
}

#: sink family -> the npm packages the issue names for it
LIBRARIES: dict[str, tuple[str, ...]] = {
    "NW101": (
        "mysql",
        "mysql2",
        "pg",
        "sqlite3",
        "better-sqlite3",
        "mssql",
        "sequelize",
        "knex",
        "typeorm",
    ),
    "NW102": ("mongoose",),
    "NW103": ("child_process",),
    "NW104": ("vm",),
    "NW105": ("fs",),
    "NW106": ("http", "https", "axios", "got", "request", "needle", "node-fetch"),
    "NW110": ("node-serialize",),
    "NW111": ("libxmljs",),
    "NW113": ("adm-zip", "unzipper", "tar"),
    "NW901": ("escape-html", "validator", "xss-filters", "he", "dompurify"),
    "NW903": ("jquery", "dompurify"),
}

#: packages recognised by engine code rather than model rows: archive entries are sources
#: (expressions.archive_trace), jQuery's html()/append() are matched by method name
#: (sinks.dom_sinks), and the jQuery `$(...)` row is a global.
MODELED_IN_CODE = frozenset({"adm-zip", "unzipper", "tar", "jquery"})

#: the issue's sanitizers, each as text an `ok` fixture line uses
SANITIZERS = (
    "parseInt(",
    "Number(",
    "Boolean(",
    "escape(",
    "escapeLiteral(",
    "format(",
    "validator.escape(",
    "inHTMLData(",
    "escapeHtml(",
    "DOMPurify.sanitize(",
    "path.basename(",
    ".startsWith(",
    ".includes(",
)


@dataclass(frozen=True)
class Reported:
    """A flow finding on an annotated `ruleid` line."""

    case: str
    finding: Finding

    @property
    def dialect(self) -> str | None:
        first = self.finding.flow[0].location.path if self.finding.flow else ""
        return "js" if first.endswith(_JS) else "ts" if first.endswith(_TS) else None

    @property
    def crosses(self) -> bool:
        """The flow crosses a module boundary or passes through a helper function."""
        paths = {step.location.path for step in self.finding.flow}
        helper = any(step.description.startswith("passed to ") for step in self.finding.flow)
        return len(paths) > 1 or helper


@cache
def _reported() -> tuple[Reported, ...]:
    codes = set(FAMILIES.values())
    found: list[Reported] = []
    for case in CASES:
        wanted = {
            (e.code, e.path, e.line)
            for e in _case_expectations(case)
            if e.keyword == "ruleid" and e.code in codes
        }
        if not wanted:
            continue
        for finding in scan_path(case).findings:
            loc = finding.location
            if isinstance(loc, SourceLocation) and (finding.rule, loc.path, loc.line) in wanted:
                found.append(Reported(case.name, finding))
    return tuple(found)


@pytest.mark.parametrize("family", FAMILIES, ids=list(FAMILIES.values()))
def test_family_is_reported_in_js_and_ts(family: str) -> None:
    code = FAMILIES[family]
    dialects = {r.dialect for r in _reported() if r.finding.rule == code}
    assert {"js", "ts"} <= dialects, f"{family} ({code}) reported only in {dialects}"


@pytest.mark.parametrize("family", FAMILIES, ids=list(FAMILIES.values()))
def test_family_has_cross_module_or_helper_flow_in_js_and_ts(family: str) -> None:
    code = FAMILIES[family]
    dialects = {r.dialect for r in _reported() if r.finding.rule == code and r.crosses}
    assert {"js", "ts"} <= dialects, (
        f"{family} ({code}): a flow across modules or through a helper only in {dialects}"
    )


def _model_packages() -> set[str]:
    folder = resources.files("nodeward.source.taint") / "models"
    packages: set[str] = set()
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            for section in ("sinks", "sanitizers", "sources"):
                packages.update(row[0] for row in data.get(section, []))
    return packages


@pytest.mark.parametrize("package", sorted({p for ps in LIBRARIES.values() for p in ps}))
def test_library_has_model_rows(package: str) -> None:
    assert package in _model_packages() or package in MODELED_IN_CODE


def _script_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = defaultdict(list)
    for file in sorted(RULE_FIXTURES.rglob("*")):
        if file.suffix in _JS:
            texts["js"].append(file.read_text(encoding="utf-8"))
        elif file.suffix in _TS:
            texts["ts"].append(file.read_text(encoding="utf-8"))
    return texts


def _imports(package: str) -> re.Pattern[str]:
    quoted = rf"[\"']{re.escape(package)}[\"']"
    return re.compile(rf"require\(\s*{quoted}\s*\)|\bfrom\s+{quoted}|\bimport\s+{quoted}")


@pytest.mark.parametrize("family", LIBRARIES, ids=list(LIBRARIES))
def test_libraries_are_exercised_in_js_and_ts(family: str) -> None:
    texts = _script_texts()
    missing = [
        f"{package} ({dialect})"
        for package in LIBRARIES[family]
        for dialect in ("js", "ts")
        if not any(_imports(package).search(text) for text in texts[dialect])
    ]
    assert not missing, f"{family}: no fixture imports {missing}"


def test_sanitizers_appear_on_ok_lines_in_js_and_ts() -> None:
    ok_lines: dict[str, list[str]] = defaultdict(list)
    for case in CASES:
        base = case.parent if case.is_file() else case
        for e in _case_expectations(case):
            if e.keyword == "ok" and e.path.endswith(_JS + _TS):
                # the ok line and the three above it: a guard (`if (allowed.includes(x))`)
                # sits on its own line before the sink
                lines = (base / e.path).read_text(encoding="utf-8").splitlines()
                window = "\n".join(lines[max(0, e.line - 4) : e.line])
                ok_lines["js" if e.path.endswith(_JS) else "ts"].append(window)
    missing = [
        f"{sanitizer} ({dialect})"
        for sanitizer in SANITIZERS
        for dialect in ("js", "ts")
        if not any(sanitizer in line for line in ok_lines[dialect])
    ]
    assert not missing, f"sanitizers with no ok fixture line: {missing}"


#: unescaped template output the issue names, as written in each engine's templates
TEMPLATE_MARKERS = {
    "EJS": "<%-",
    "Handlebars": "{{{",
    "Pug !=": "!=",
    "Pug !{}": "!{",
    "Nunjucks": "| safe",
}


@pytest.mark.parametrize("engine", TEMPLATE_MARKERS)
def test_unescaped_template_output_is_reported_for_js_and_ts_apps(engine: str) -> None:
    marker = TEMPLATE_MARKERS[engine]
    dialects: set[str | None] = set()
    for r in _reported():
        if r.finding.rule != "NW902":
            continue
        case = RULE_FIXTURES / r.case
        loc = r.finding.location
        assert isinstance(loc, SourceLocation)
        line = (case / loc.path).read_text(encoding="utf-8").splitlines()[loc.line - 1]
        if marker in line:
            dialects.add(r.dialect)
    assert {"js", "ts"} <= dialects, f"{engine} ({marker}) reported only for {dialects}"


def test_reported_flows_point_into_the_fixture_case() -> None:
    """The checker itself: flows are read from real findings, with their steps' paths
    relative to the case (otherwise `crosses` would compare unrelated paths)."""
    reported = _reported()
    assert reported
    for r in reported:
        case = RULE_FIXTURES / r.case
        base = case if case.is_dir() else case.parent
        for step in r.finding.flow:
            assert (base / Path(step.location.path)).is_file(), (r.case, step.location.path)
