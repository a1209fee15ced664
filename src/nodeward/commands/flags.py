"""Flags shared by several subcommands: the report flags (scan, pre-commit, probe) and the
scan flags (scan, pre-commit), with their argument types."""

from __future__ import annotations

import argparse
from pathlib import Path

from nodeward.argtypes import AppendTuple
from nodeward.findings import Severity
from nodeward.report import FORMATS

#: `--advisories`: the dependency audit's sources (nodeward.deps.sources.CHOICES; a test
#: keeps the two equal, so building the parser does not load the audit).
ADVISORY_SOURCES = ("auto", "osv-db", "npm", "osv-api")


def codes(value: str) -> list[str]:
    """A comma list of rule codes (upper-cased), advisory ids and package@version (kept as
    written: npm package names are case-sensitive)."""
    parts = (part.strip() for part in value.split(","))
    return [part if "@" in part else part.upper() for part in parts if part]


def patterns(value: str) -> list[str]:
    """A comma list of exclude patterns (gitignore patterns have no comma syntax)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def jobs(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected 0 or a positive number, not {value!r}")
    return int(value)


def positive(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, not {value!r}")
    return int(value)


def severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_report_flags(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--format", "-f", choices=FORMATS, default=s, help="report format")
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        action="append",
        default=s,
        help="write the report here; repeat for several formats in one run, each taken from "
        "the file's extension (.sarif, .json, .html, .txt, .cdx.json)",
    )
    parser.add_argument(
        "--fail-on",
        type=severity,
        default=s,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this severity: low, medium, high "
        "(default), critical",
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        default=s,
        help="exit 0 even when findings are at or above --fail-on (errors still exit 2)",
    )
    parser.add_argument(
        "--severity",
        type=severity,
        default=s,
        metavar="SEVERITY",
        help="leave findings below this severity out of every report and the exit code",
    )
    parser.add_argument("--quiet", "-q", action="store_true", default=s, help="no progress")
    parser.add_argument("--strict", action="store_true", default=s, help="skips are fatal")
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        default=s,
        help="print hard-coded credentials in full (default: first and last characters only)",
    )


def add_scan_flags(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    add_report_flags(parser)
    parser.add_argument(
        "--select",
        type=codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="only these rule codes or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--ignore",
        type=codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="leave out these rule codes or prefixes, advisory ids (GHSA-..., CVE-..., "
        "NSWG-ECO-...) or package@version (name@* for every version); comma-separated",
    )
    parser.add_argument(
        "--extend-select",
        type=codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="add to the selected codes (of the config file) instead of replacing them",
    )
    parser.add_argument(
        "--extend-ignore",
        type=codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="add to the ignored codes (of the config file) instead of replacing them",
    )
    parser.add_argument(
        "--diff-base",
        default=s,
        metavar="REF",
        help="only findings on lines changed between REF and HEAD (git); dependency "
        "findings only when a package.json or lockfile changed",
    )
    parser.add_argument(
        "--only",
        dest="only_files",
        nargs="+",
        default=s,
        metavar="FILE",
        help="only findings in these files (the whole project is still analysed); "
        "dependency findings only when a package.json or lockfile is among them",
    )
    parser.add_argument(
        "--exclude",
        type=patterns,
        action="extend",
        default=s,
        metavar="GLOB",
        help="gitignore-style patterns of paths to leave out (comma-separated)",
    )
    parser.add_argument("--include-node-modules", action="store_true", default=s)
    parser.add_argument(
        "--include-tests",
        action="store_true",
        default=s,
        help="also analyse tests, fixtures and mocks (left out by default)",
    )
    parser.add_argument(
        "--no-default-excludes",
        dest="default_excludes",
        action="store_false",
        default=s,
        help="analyse everything: tests, build output, vendored and minified code, snippets",
    )
    parser.add_argument(
        "--follow-symlinks",
        action="store_true",
        default=s,
        help="follow symlinks that lead out of the scanned folder (default: skip them)",
    )
    parser.add_argument(
        "--max-file-size",
        type=positive,
        default=s,
        metavar="BYTES",
        help="skip larger files (default 2000000)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=jobs,
        default=s,
        metavar="N",
        help="processes to use: 1 for one, 0 (default) for up to 2 on large projects",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=s,
        metavar="REPORT.json",
        help="report only findings absent from this earlier JSON report",
    )
    parser.add_argument("--config", type=Path, default=None, help="config file to use")
    parser.add_argument(
        "--root",
        type=Path,
        default=s,
        metavar="DIR",
        help="repository root that SARIF paths are relative to (default: the nearest folder "
        "above the scanned path with .git)",
    )
    add_audit_flags(parser)


def add_audit_flags(parser: argparse.ArgumentParser) -> None:
    """The dependency audit's flags."""
    s = argparse.SUPPRESS
    parser.add_argument(
        "--advisories",
        choices=ADVISORY_SOURCES,
        default=s,
        help="advisory source for the dependency audit (default auto: local database, "
        "else the configured npm registry, else the OSV API)",
    )
    parser.add_argument("--offline", action="store_true", default=s, help="no network at all")
    parser.add_argument(
        "--omit",
        choices=("dev",),
        action=AppendTuple,
        default=s,
        help="leave dev dependencies out of the dependency audit",
    )
    parser.add_argument(
        "--resolve-ranges",
        action="store_true",
        default=s,
        help="without a lockfile, check the version each declared range resolves to "
        "today (from the registry) instead of reporting those dependencies as not checked",
    )
    parser.add_argument(
        "--reachable-only",
        action="store_true",
        default=s,
        help="only DEP findings the app reaches count toward the exit code",
    )
