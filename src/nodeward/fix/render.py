"""What `nodeward fix` prints: the summary for stderr, and the JSON document."""

from __future__ import annotations

from typing import Any

from nodeward.findings import Finding, PackageLocation, SourceLocation
from nodeward.fix.diff import unified_diff
from nodeward.fix.edits import patch_files
from nodeward.fix.model import Fix, FixResult
from nodeward.fix.verify import path_of
from nodeward.report.neutralize import json_dumps, terminal_line


def where(finding: Finding) -> str:
    location = finding.location
    if isinstance(location, SourceLocation):
        return f"{location.path}:{location.line}"
    if isinstance(location, PackageLocation):
        return f"{location.manifest} {location.package}@{location.version}"
    return path_of(finding) or "-"


def summary(result: FixResult, *, applied: bool) -> str:
    """Human-readable lines: what is fixed, dropped, and left to a person."""
    lines = []
    for fix in result.fixes:
        lines += [f"  fixed   {f.rule} {where(f)}  {fix.title}" for f in fix.resolves]
        if fix.note:
            lines.append(f"          note: {fix.note}")
        if fix.settles_after:
            lines.append(f"          then run: {fix.settles_after}")
    lines += [f"  fixed   {f.rule} {where(f)}  (by the fixes above)" for f in result.also_resolved]
    lines += [
        f"  dropped {', '.join(d.fix.rules)} {d.fix.title}: {d.reason}" for d in result.dropped
    ]
    lines += [
        f"  needs a person  {n.finding.rule} {where(n.finding)}  {n.reason}"
        for n in result.needs_person
    ]
    fixed = sum(len(f.resolves) for f in result.fixes) + len(result.also_resolved)
    verb = "applied" if applied else "verified"
    head = (
        f"nodeward fix: {len(result.fixes)} fixes {verb} ({fixed} findings), "
        f"{len(result.dropped)} dropped, {len(result.needs_person)} need a person"
    )
    return "\n".join([head, *(terminal_line(line) for line in lines)]) + "\n"


def _finding(finding: Finding) -> dict[str, Any]:
    return {"rule": finding.rule, "where": where(finding), "message": finding.message}


def _fix(fix: Fix, result: FixResult) -> dict[str, Any]:
    own = patch_files({p: result.originals[p] for p in fix.paths}, [fix], bom=_boms(result))
    return {
        "title": fix.title,
        "rules": list(fix.rules),
        "resolves": [_finding(f) for f in fix.resolves],
        "files": list(fix.paths),
        "note": fix.note,
        "then_run": fix.settles_after,
        "diff": unified_diff(result.originals, own),
    }


def _boms(result: FixResult) -> dict[str, bool]:
    return {p: raw.startswith(b"\xef\xbb\xbf") for p, raw in result.originals.items()}


def render_json(result: FixResult, *, applied: bool) -> str:
    document = {
        "applied": applied,
        "fixes": [_fix(f, result) for f in result.fixes],
        "also_resolved": [_finding(f) for f in result.also_resolved],
        "dropped": [
            {"title": d.fix.title, "rules": list(d.fix.rules), "reason": d.reason}
            for d in result.dropped
        ],
        "needs_person": [{**_finding(n.finding), "reason": n.reason} for n in result.needs_person],
        "diff": unified_diff(result.originals, result.patched),
    }
    return json_dumps(document) + "\n"
