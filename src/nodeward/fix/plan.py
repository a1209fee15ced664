"""From a scan's findings to verified fixes: every fixer proposes, overlapping fixes give
way to the first, the verifier checks what is left, and every other finding is listed as
needing a person."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from nodeward.findings import Finding
from nodeward.fix import (
    auth,
    commands,
    containers,
    cookies,
    dependencies,
    errors,
    hardening,
    limits,
    passwords,
    redirects,
    send_file,
    sessions,
    sql,
)
from nodeward.fix.edits import conflicts, patch_files
from nodeward.fix.model import Dropped, Fix, Fixer, FixResult, NeedsPerson
from nodeward.fix.verify import Scanner, Seen, parse_check, verify
from nodeward.fix.workspace import Workspace

#: Every fixer, in the order their fixes are applied where two touch the same spot.
FIXERS: tuple[Fixer, ...] = (
    *hardening.FIXERS,
    *errors.FIXERS,
    *sessions.FIXERS,
    *cookies.FIXERS,
    *limits.FIXERS,
    *auth.FIXERS,
    *passwords.FIXERS,
    *sql.FIXERS,
    *redirects.FIXERS,
    *send_file.FIXERS,
    *commands.FIXERS,
    *containers.FIXERS,
    *dependencies.FIXERS,
)
FIXABLE = frozenset(code for fixer in FIXERS for code in fixer.rules)


def plan_fixes(
    findings: Sequence[Finding],
    workspace: Workspace,
    scan: Scanner,
    everything: Sequence[Finding] | None = None,
) -> FixResult:
    """`findings` are the ones to fix (the selected ones); `scan` re-scans a patched tree
    and returns all of its findings, which are compared with `everything` the first scan
    found (`findings` when None)."""
    proposed: list[Fix] = []
    needs: list[NeedsPerson] = []
    for fixer in FIXERS:
        mine = [f for f in findings if f.rule in fixer.rules]
        if not mine:
            continue
        for proposal in fixer.propose(mine, workspace):
            (needs if isinstance(proposal, NeedsPerson) else proposed).append(proposal)  # type: ignore[arg-type]
    # NW803 has two fixers (session options, res.cookie): a finding one of them fixes is
    # not left to a person by the other.
    proposed_for = {id(f) for fix in proposed for f in fix.resolves}
    needs = [n for n in needs if id(n.finding) not in proposed_for]
    needs += [
        NeedsPerson(f, f"no mechanical fix: {f.fix}") for f in findings if f.rule not in FIXABLE
    ]
    sources, bom = _sources(workspace, proposed)
    accepted, dropped = _first_wins(proposed, sources)
    verdict = verify(accepted, everything or findings, sources, bom, scan)
    dropped += verdict.dropped
    for item in verdict.dropped:
        needs += [NeedsPerson(f, f"the fix was dropped: {item.reason}") for f in item.fix.resolves]
    after = Seen(verdict.after, verdict.maps)
    claimed = {id(f) for fix in verdict.kept for f in fix.resolves}
    also = tuple(f for f in findings if id(f) not in claimed and not after.has(f))
    also_ids = {id(f) for f in also}
    return FixResult(
        fixes=verdict.kept,
        dropped=tuple(dropped),
        needs_person=tuple(n for n in needs if id(n.finding) not in also_ids),
        also_resolved=also,
        patched=patch_files(sources, verdict.kept, bom=bom),
        originals={path: _raw(workspace, path) for path in sources},
    )


def _raw(workspace: Workspace, path: str) -> bytes:
    file = workspace.file(path)
    return file.raw if file is not None else b""  # read when the fix was proposed


def _sources(
    workspace: Workspace, fixes: Iterable[Fix]
) -> tuple[dict[str, bytes], dict[str, bool]]:
    sources: dict[str, bytes] = {}
    bom: dict[str, bool] = {}
    for fix in fixes:
        for path in fix.paths:
            file = workspace.file(path)  # the fixer read it: cached
            if file is not None:
                sources[path], bom[path] = file.raw, file.bom
    return sources, bom


def _first_wins(fixes: Sequence[Fix], sources: dict[str, bytes]) -> tuple[list[Fix], list[Dropped]]:
    """Fixes that break a file's syntax are dropped, and of two that edit the same bytes
    the first one stays."""
    accepted: list[Fix] = []
    dropped: list[Dropped] = []
    for fix in fixes:
        stripped = {p: s.removeprefix(b"\xef\xbb\xbf") for p, s in sources.items()}
        broken = parse_check(fix, stripped)
        if broken is not None:
            dropped.append(Dropped(fix, broken))
        elif conflicts(fix, accepted):
            dropped.append(Dropped(fix, "it edits the same code as an earlier fix"))
        else:
            accepted.append(fix)
    return accepted, dropped
