"""GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` per finding,
shown as annotations on the pull request's diff, worst first (GitHub shows only the first
few annotations of a step, so the criticals must lead). A skip of a file that exists is a
`::warning` on that file; every other skip (the dependency audit, a URL, the project) is a
line of one summary `::notice`, since an annotation needs a real file to sit on.

Escaping follows the runner's own (actions/toolkit `command.ts`): in the message `%`, CR and
LF are percent-encoded; property values additionally encode `:` and `,`, which would
otherwise end the value. Before that, every control or bidi character from the scanned
project becomes a visible escape (`neutralize.github_message` / `github_property`), so a
file name cannot carry ESC or BEL into the log, nor a newline into the `file=` property.
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
    SourceLocation,
)
from nodeward.report.common import (
    coverage_summary,
    message_without_fix,
    severity_order,
)
from nodeward.report.conceal import conceal
from nodeward.report.neutralize import github_message, github_property


def command(name: str, message: str, **properties: str | int | None) -> str:
    props = ",".join(
        f"{key}={github_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{github_message(message)}"


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


def _annotation(report: Report, finding: Finding, base: Path | None) -> str:
    rule = report.rule(finding.rule)
    title = f"{finding.rule} {rule.name}"
    message = f"{message_without_fix(finding)}\nFix: {finding.fix}"
    loc = finding.location
    match loc:
        case SourceLocation():
            return command(
                level(finding.severity),
                message,
                file=workspace_path(report.root, loc.path, base),
                line=loc.line,
                col=loc.column,
                endLine=loc.end_line,
                title=title,
            )
        case PackageLocation():
            return command(
                level(finding.severity),
                f"{loc.package}@{loc.version}: {message}",
                file=workspace_path(report.root, loc.manifest, base),
                line=loc.line,
                title=title,
            )
        case HttpLocation():
            return command(
                level(finding.severity), f"{loc.method} {loc.url}: {message}", title=title
            )


def _is_file(root: str, target: str) -> bool:
    """Whether a skip's target is a file of the project (not ".", a URL or a phase name)."""
    if target in ("", ".") or "://" in target:
        return False
    try:
        return (Path(root) / target).is_file()
    except (OSError, ValueError):  # a name the file system cannot hold
        return False


def render(report: Report, base: Path | None = None, *, show_secrets: bool = False) -> str:
    """`base` is the repository root the paths should be relative to (the CLI passes the
    working directory, which is $GITHUB_WORKSPACE in a workflow)."""
    if not show_secrets:
        report = conceal(report)
    lines = [_annotation(report, f, base) for f in sorted(report.findings, key=severity_order)]
    on_files = [s for s in report.skips if _is_file(report.root, s.target)]
    lines += [
        command(
            "warning",
            skip.reason,
            file=workspace_path(report.root, skip.target, base),
            title="nodeward skipped a file",
        )
        for skip in on_files
    ]
    others = [s for s in report.skips if s not in on_files]
    if others:
        noun = "item" if len(others) == 1 else "items"
        lines.append(
            command(
                "notice",
                "\n".join(f"{skip.target}: {skip.reason}" for skip in others),
                title=f"nodeward skipped {len(others)} {noun}",
            )
        )
    if report.probe is not None:
        summary = coverage_summary(report.probe)
        lines.append(command("notice", github_message(summary), title="nodeward probe"))
    total = len(report.findings)
    lines.append(
        command(
            "notice",
            f"{total} finding{'s' if total != 1 else ''} in {report.files_scanned} files",
            title="nodeward",
        )
    )
    return "\n".join(lines) + "\n"
