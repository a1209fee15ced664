"""The fix model: text edits, a fix (the edits that resolve some findings), and what could
not be fixed (a person must) or was dropped by the verifier."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.findings import Finding

if TYPE_CHECKING:
    from nodeward.fix.workspace import Workspace


@dataclass(frozen=True, order=True)
class Edit:
    """Replace bytes [start, end) of file `path` (relative to the scan root, as in
    findings) with `text`; start == end inserts. Offsets count the file's bytes after a
    UTF-8 byte order mark, as tree-sitter does."""

    path: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    """One reviewable change: the findings it claims to resolve and the edits that do it.
    `note` tells the user what the change needs from them (an environment variable, the
    lockfile command to run)."""

    title: str
    resolves: tuple[Finding, ...]
    edits: tuple[Edit, ...]
    note: str = ""
    settles_after: str = ""
    """A command the user runs to complete the fix (the lockfile update after a version
    bump in package.json): until then a re-scan still reports the findings, so the
    verifier checks only that nothing new appears."""

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(sorted({f.rule for f in self.resolves}))

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted({e.path for e in self.edits}))


@dataclass(frozen=True)
class NeedsPerson:
    """A finding with no safe mechanical fix, and why."""

    finding: Finding
    reason: str


@dataclass(frozen=True)
class Dropped:
    """A fix the verifier rejected, and why (it does not parse, the finding is still
    reported, or the re-scan reports something new)."""

    fix: Fix
    reason: str


@dataclass(frozen=True)
class FixResult:
    """What `nodeward fix` found: verified fixes, rejected ones, the findings left to a
    person, and the findings that the verified fixes removed without claiming them."""

    fixes: tuple[Fix, ...]
    dropped: tuple[Dropped, ...]
    needs_person: tuple[NeedsPerson, ...]
    also_resolved: tuple[Finding, ...]
    patched: dict[str, bytes]
    originals: dict[str, bytes]


#: What a fixer proposes for the findings of its rules: fixes, or the reason none fits.
Proposal = Fix | NeedsPerson


@dataclass(frozen=True)
class Fixer:
    """A family of fixes: the rules it handles and the function that proposes fixes for
    all of a scan's findings of those rules (a workspace.Workspace reads the files)."""

    name: str
    rules: frozenset[str]
    propose: Callable[[Sequence[Finding], Workspace], Iterable[Proposal]]
