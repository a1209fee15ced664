"""The verifier: a fix is shown only when every file it patches still parses (no new
ERROR or MISSING nodes) and a re-scan of the patched tree no longer reports the findings it
claims and reports nothing new. The re-scan runs on a copy of the project in a temporary
folder; the user's files are never written."""

from __future__ import annotations

import difflib
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from nodeward.config import Config
from nodeward.findings import Finding, PackageLocation, SourceLocation
from nodeward.fix.edits import apply_edits, patch_files
from nodeward.fix.model import Dropped, Fix
from nodeward.source.parse import SourceText, parse, split_lines
from nodeward.source.syntax import walk

#: Folders the copy for the re-scan leaves out: never scanned by default, and large.
NOT_COPIED = ("node_modules", ".git")
SCRIPT_SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".cts", ".mts", ".tsx")
#: Re-scans before the verifier gives up on the fixes that are left.
MAX_ROUNDS = 6
#: Fixes the verifier re-scans one by one to find which brings a new finding in a file no
#: fix touched; with more, all of them are dropped.
MAX_ALONE = 8


def problems(rel: str, source: bytes) -> int:
    """ERROR and MISSING nodes in a script; 0 for files that are not scripts, -1 for a
    package.json that is not valid JSON any more."""
    if rel.endswith("package.json"):
        try:
            json.loads(source)
        except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
            return -1
        return 0
    if not rel.endswith(SCRIPT_SUFFIXES):
        return 0
    decoded = source.decode("utf-8", errors="replace")
    parsed = parse(SourceText(rel, source, split_lines(decoded)))
    if not parsed.root.has_error:
        return 0
    return sum(1 for node in walk(parsed.root) if node.is_error or node.is_missing) or 1


def parse_check(fix: Fix, sources: dict[str, bytes]) -> str | None:
    """Why `fix` alone breaks a file's syntax, or None."""
    for path in fix.paths:
        source = sources[path]
        after = apply_edits(source, [e for e in fix.edits if e.path == path])
        before_count, after_count = problems(path, source), problems(path, after)
        if after_count == -1 or after_count > before_count:
            return f"the patched {path} does not parse"
    return None


LineMap = dict[str, list[int | None]]


def line_maps(sources: dict[str, bytes], patched: dict[str, bytes]) -> LineMap:
    """For each patched file, the line of the original that each new line (1-based, index
    0 unused) stands for: unchanged lines and lines rewritten one for one map back, added
    lines map to None."""
    maps: LineMap = {}
    for path, after in patched.items():
        old, new = _split(sources[path]), _split(after)
        mapping: list[int | None] = [None] * (len(new) + 1)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                for k in range(j2 - j1):
                    mapping[j1 + k + 1] = i1 + k + 1
        maps[path] = mapping
    return maps


def _split(content: bytes) -> list[bytes]:
    return content.split(b"\n")


def finding_keys(
    finding: Finding, maps: LineMap | None = None
) -> tuple[str, tuple[str, str, int] | None]:
    """Two ways to recognise a finding after a patch moved lines: its fingerprint (rule,
    file, text of the line), and its rule, file and line (mapped back to the original's
    line through `maps` for a finding of the re-scan)."""
    location = finding.location
    if not isinstance(location, SourceLocation):
        return finding.fingerprint, None
    line: int | None = location.line
    mapping = (maps or {}).get(location.path)
    if mapping is not None:
        line = mapping[location.line] if location.line < len(mapping) else None
    if line is None:
        return finding.fingerprint, None
    return finding.fingerprint, (finding.rule, location.path, line)


def path_of(finding: Finding) -> str | None:
    location = finding.location
    if isinstance(location, SourceLocation):
        return location.path
    if isinstance(location, PackageLocation):
        return location.manifest
    return None


class Seen:
    """The findings of one scan, as a multiset of both keys."""

    def __init__(self, findings: Iterable[Finding], maps: LineMap | None = None) -> None:
        self.prints: Counter[str] = Counter()
        self.lines: Counter[tuple[str, str, int]] = Counter()
        for finding in findings:
            fingerprint, line = finding_keys(finding, maps)
            self.prints[fingerprint] += 1
            if line is not None:
                self.lines[line] += 1

    def has(self, finding: Finding) -> bool:
        """Whether this scan has `finding` (of the original tree) at its original place."""
        fingerprint, line = finding_keys(finding)
        return self.prints[fingerprint] > 0 or (line is not None and self.lines[line] > 0)

    def has_mapped(self, finding: Finding, maps: LineMap) -> bool:
        """Whether this scan (of the original tree) has `finding` of a re-scan."""
        fingerprint, line = finding_keys(finding, maps)
        return self.prints[fingerprint] > 0 or (line is not None and self.lines[line] > 0)


Scanner = Callable[[dict[str, bytes]], Sequence[Finding]]


@dataclass(frozen=True)
class Verdict:
    kept: tuple[Fix, ...]
    dropped: tuple[Dropped, ...]
    after: tuple[Finding, ...]
    maps: LineMap


def verify(
    fixes: Sequence[Fix],
    before: Sequence[Finding],
    sources: dict[str, bytes],
    bom: dict[str, bool],
    scan: Scanner,
) -> Verdict:
    """Re-scan with every fix applied; drop the fixes whose findings stay and those in the
    files where something new appears, and re-scan until what is left holds. Something
    new in a file no fix touched (a project-wide rule) is traced to the fixes that bring
    it alone, by a re-scan per fix, when there are at most MAX_ALONE of them."""
    known = Seen(before)
    kept = list(fixes)
    dropped: list[Dropped] = []
    for _ in range(MAX_ROUNDS):
        if not kept:
            return Verdict((), tuple(dropped), tuple(before), {})
        patched = patch_files(sources, kept, bom=bom)
        after = scan(patched)
        maps = line_maps(sources, patched)
        rejected, elsewhere = _rejected(kept, known, after, maps)
        if elsewhere:
            rejected += _bring_alone(kept, elsewhere, known, sources, bom, scan, rejected)
        if not rejected:
            return Verdict(tuple(kept), tuple(dropped), tuple(after), maps)
        dropped += rejected
        rejected_fixes = {id(d.fix) for d in rejected}
        kept = [f for f in kept if id(f) not in rejected_fixes]
    dropped += [Dropped(f, "could not be verified: the re-scans did not settle") for f in kept]
    return Verdict((), tuple(dropped), tuple(before), {})


def _new_reason(finding: Finding) -> str:
    return f"the re-scan reports something new: {finding.rule} {finding.message}"


def _rejected(
    kept: Sequence[Fix], known: Seen, after: Sequence[Finding], maps: LineMap
) -> tuple[list[Dropped], list[Finding]]:
    """The fixes to drop, and the new findings in files that no fix touched."""
    now = Seen(after, maps)
    rejected: dict[int, Dropped] = {}
    for fix in kept:
        still = [f for f in fix.resolves if now.has(f) and not fix.settles_after]
        if still:
            first = still[0]
            reason = f"the re-scan still reports {first.rule}: {first.message}"
            rejected[id(fix)] = Dropped(fix, reason)
    elsewhere = []
    for finding in (f for f in after if not known.has_mapped(f, maps)):
        path = path_of(finding)
        culprits = [f for f in kept if path is not None and path in f.paths]
        if not culprits:
            elsewhere.append(finding)
        for fix in culprits:
            rejected.setdefault(id(fix), Dropped(fix, _new_reason(finding)))
    return list(rejected.values()), elsewhere


def _bring_alone(
    kept: Sequence[Fix],
    elsewhere: Sequence[Finding],
    known: Seen,
    sources: dict[str, bytes],
    bom: dict[str, bool],
    scan: Scanner,
    rejected: Sequence[Dropped],
) -> list[Dropped]:
    """The fixes that bring one of `elsewhere` when applied alone; every fix when there are
    too many to try or none brings it alone (the fixes together do)."""
    suspects = [f for f in kept if id(f) not in {id(d.fix) for d in rejected}]
    if len(suspects) > MAX_ALONE:
        return [Dropped(f, _new_reason(elsewhere[0])) for f in suspects]
    wanted = Seen(elsewhere)
    found = []
    for fix in suspects:
        patched = patch_files(sources, [fix], bom=bom)
        maps = line_maps(sources, patched)
        brought = [f for f in scan(patched) if not known.has_mapped(f, maps) and wanted.has(f)]
        if brought:
            found.append(Dropped(fix, _new_reason(brought[0])))
    return found or [Dropped(f, _new_reason(elsewhere[0])) for f in suspects]


def _copy_regular(source: str, destination: str) -> None:
    """Copy regular files only: a FIFO or device in the scanned tree would block or fail
    the copy, and the scan leaves them out anyway."""
    if Path(source).is_file():
        shutil.copy2(source, destination)


def copy_scanner(config: Config, run: Callable[[Config], Sequence[Finding]]) -> Scanner:
    """A Scanner that copies the project (without node_modules and .git) to a temporary
    folder, writes the patched files there and scans the copy with `config`."""
    source_root = config.path if config.path.is_dir() else config.path.parent

    def scan(patched: dict[str, bytes]) -> Sequence[Finding]:
        with tempfile.TemporaryDirectory(prefix="nodeward-fix-") as temp:
            copy = Path(temp) / (source_root.resolve().name or "project")
            shutil.copytree(
                source_root,
                copy,
                symlinks=True,
                ignore=shutil.ignore_patterns(*NOT_COPIED),
                copy_function=_copy_regular,
            )
            for rel, content in patched.items():
                (copy / rel).write_bytes(content)
            target = copy if config.path.is_dir() else copy / config.path.name
            return run(replace(config, path=target, quiet=True, baseline=None))

    return scan
