"""Writing a command's report in every format asked for, and the exit code it gives."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from nodeward.commands.common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, OutputError, one_line
from nodeward.findings import Finding, PackageLocation, Reachability, Report
from nodeward.output import write_output

if TYPE_CHECKING:
    from nodeward.config import Config

#: Report file suffixes and their format; the longest matching suffix wins.
SUFFIX_FORMATS = (
    (".cyclonedx.json", "cyclonedx"),
    (".cdx.json", "cyclonedx"),
    (".sarif.json", "sarif"),
    (".sarif", "sarif"),
    (".json", "json"),
    (".html", "html"),
    (".htm", "html"),
    (".txt", "text"),
)


def format_for(destination: Path) -> str | None:
    name = destination.name.lower()
    return next((fmt for suffix, fmt in SUFFIX_FORMATS if name.endswith(suffix)), None)


def emit(report: Report, config: Config, *, color: bool | None) -> int:
    """Write the report to every destination and return the exit code: 2 when the live
    target was unreachable or (--strict) something was skipped, 1 for findings at or above
    --fail-on, else 0."""
    if config.severity is not None:
        shown = [f for f in report.findings if f.severity >= config.severity]
        report = replace(report, findings=tuple(shown))
    destinations = [config.output, *config.extra_outputs]
    several = len(destinations) > 1
    for destination in destinations:
        chosen = format_for(destination) if destination is not None else None
        if not several and config.format != "text":
            chosen = config.format  # one report: an explicit --format wins over the name
        content = render(report, config, chosen or config.format, destination, color)
        _write_checked(content, destination)
    unreachable = _unreachable_target(report, config)
    if unreachable is not None:
        print(f"nodeward: error: {one_line(unreachable)}", file=sys.stderr)
        return EXIT_ERROR
    skipped = [s for s in report.skips if not s.note]
    if config.strict and skipped:
        print(f"nodeward: {len(skipped)} skipped (--strict)", file=sys.stderr)
        return EXIT_ERROR
    failing = [
        f for f in report.findings if f.severity >= config.fail_on and counts_for_exit(f, config)
    ]
    return EXIT_FINDINGS if failing and not config.exit_zero else EXIT_OK


def counts_for_exit(finding: Finding, config: Config) -> bool:
    """With --reachable-only, a dependency finding fails the run only when reachable."""
    location = finding.location
    if config.reachable_only and isinstance(location, PackageLocation):
        return location.reachability is Reachability.REACHABLE
    return True


def _unreachable_target(report: Report, config: Config) -> str | None:
    """The skip the probe gives when the target's first request failed (nodeward.web.probe:
    "cannot probe: ..."), as an error line: nothing was checked, so the run is not clean."""
    if config.url is None:
        return None
    return next(
        (
            f"{s.target}: {s.reason}"
            for s in report.skips
            if s.target == config.url and s.reason.startswith("cannot probe: ")
        ),
        None,
    )


def _write_checked(content: str, destination: Path | None) -> None:
    try:
        write_output(content, destination)
    except OSError as error:
        if destination is None:
            raise  # stdout: a closed pipe is handled by the command line's dispatch
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write the report to {destination}: {reason}") from None


def render(
    report: Report, config: Config, format_: str, destination: Path | None, color: bool | None
) -> str:
    """The report in one format. Each format loads only when asked for (rich for text,
    Jinja2 for html)."""
    shown = config.show_secrets
    match format_:
        case "json":
            from nodeward.report import json_report

            return json_report.render(report, show_secrets=shown)
        case "sarif":
            from nodeward.report import sarif
            from nodeward.repository import report_base

            base = report_base(report.root, config.root)
            return sarif.render(report, show_secrets=shown, base=base)
        case "html":
            from nodeward.report import html

            return html.render(report, show_secrets=shown)
        case "github":
            from nodeward.report import github

            return github.render(report, base=Path.cwd(), show_secrets=shown)
        case "cyclonedx":
            from nodeward.report import cyclonedx

            return cyclonedx.render(report)
        case _:
            from nodeward.report import text

            use_color = sys.stdout.isatty() if color is None else color
            return text.render(report, color=use_color and destination is None, show_secrets=shown)
