"""GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` per finding,
shown as annotations on the pull request's diff.

Escaping follows the runner's own (actions/toolkit `command.ts`): in the message `%`, CR and
LF are percent-encoded; property values additionally encode `:` and `,`, which would
otherwise end the value.
"""

from __future__ import annotations

import os
from pathlib import Path

from nodeward.findings import (
    Finding,
    HttpLocation,
    PackageLocation,
    Report,
    Severity,
    Skip,
    SourceLocation,
)
from nodeward.report.common import coverage_summary, rule_of


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def level(severity: Severity) -> str:
    if severity >= Severity.HIGH:
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "notice"


def workspace_path(root: str, rel: str, base: Path | None) -> str:
    """GitHub wants paths relative to the repository (the workspace): when the scanned folder
    is inside `base`, prefix the folder; otherwise keep the path relative to the scan root."""
    if base is None:
        return rel
    try:
        inside = (Path(root) / rel).resolve().relative_to(base.resolve())
    except ValueError:
        return rel
    return inside.as_posix() if os.sep == "/" else str(inside).replace(os.sep, "/")


def _annotation(finding: Finding, root: str, base: Path | None) -> str:
    rule = rule_of(finding)
    title = f"{finding.rule} {rule.name}"
    message = f"{finding.message}\nFix: {finding.fix}"
    loc = finding.location
    match loc:
        case SourceLocation():
            return command(
                level(finding.severity),
                message,
                file=workspace_path(root, loc.path, base),
                line=loc.line,
                col=loc.column,
                endLine=loc.end_line,
                title=title,
            )
        case PackageLocation():
            return command(
                level(finding.severity),
                f"{loc.package}@{loc.version}: {message}",
                file=workspace_path(root, loc.manifest, base),
                line=loc.line,
                title=title,
            )
        case HttpLocation():
            return command(
                level(finding.severity), f"{loc.method} {loc.url}: {message}", title=title
            )


def _skip(skip: Skip, root: str, base: Path | None) -> str:
    if "://" in skip.target:  # a probed URL, not a file of the workspace
        return command("warning", f"{skip.target}: {skip.reason}", title="nodeward skipped")
    return command(
        "warning",
        skip.reason,
        file=workspace_path(root, skip.target, base),
        title="nodeward skipped a file",
    )


def render(report: Report, base: Path | None = None) -> str:
    """`base` is the repository root the paths should be relative to (the CLI passes the
    working directory, which is $GITHUB_WORKSPACE in a workflow)."""
    lines = [_annotation(f, report.root, base) for f in report.findings]
    lines += [_skip(skip, report.root, base) for skip in report.skips]
    if report.probe is not None:
        lines.append(command("notice", coverage_summary(report.probe), title="nodeward probe"))
    total = len(report.findings)
    lines.append(
        command(
            "notice",
            f"{total} finding{'s' if total != 1 else ''} in {report.files_scanned} files",
            title="nodeward",
        )
    )
    return "\n".join(lines) + "\n"
