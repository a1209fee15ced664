"""What a scan leaves out of the server-code analysis by default, and how it says so.

Tests, fixtures and mocks hold deliberately bad code; build output and vendored or
minified libraries are not the app's source; snippet folders are not run. Analysing them as
server code buries the real findings (a vendored `html5shiv.js` reported as "attackers run
code on the server"). `examples/` is not excluded: in many repositories the example app is
the thing that gets deployed, and a user can --exclude it in one line.

Each pattern that matched is reported once, with a count, as a note (not a failure under
--strict): the report says what was not analysed without listing every file."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum

from nodeward.findings import Skip


class Treatment(Enum):
    #: test code: `--include-tests` analyses it again
    TEST = "tests"
    #: build output and vendored libraries: scripts are kept only for the dependency
    #: audit, which identifies served libraries by their content (DEP002)
    LIBRARY = "library"
    #: neither run nor served
    OTHER = "other"


@dataclass(frozen=True)
class Exclusion:
    pattern: str  # as reported: "test/", "*.spec.*"
    treatment: Treatment
    what: str  # "test code"
    folder: str  # the excluded folder ("lib/test"), or the pattern for a file pattern


#: The folders the app serves to browsers by convention (express.static adds its own).
BROWSER_FOLDERS = frozenset({"public", "static", "assets", "client", "frontend", "www"})

_TEST_FOLDERS = frozenset(
    {"test", "tests", "__tests__", "spec", "e2e", "cypress", "__fixtures__", "fixtures"}
)
_MOCK_FOLDERS = frozenset({"__mocks__", "mocks"})
_BUILD_FOLDERS = frozenset({"dist", "build", "out", ".next", "coverage"})
_SNIPPET_FOLDERS = frozenset({"snippets"})
_TEST_FILE_MARKERS = (".test.", ".spec.")


def _folder_exclusion(name: str, parent: str | None) -> tuple[Treatment, str] | None:
    if name in _TEST_FOLDERS:
        return Treatment.TEST, "test code and fixtures"
    if name in _MOCK_FOLDERS:
        return Treatment.TEST, "test mocks"
    if name in _BUILD_FOLDERS:
        return Treatment.LIBRARY, "build output"
    if name == "vendor" or (name == "lib" and parent in BROWSER_FOLDERS):
        return Treatment.LIBRARY, "vendored libraries"
    if name in _SNIPPET_FOLDERS:
        return Treatment.OTHER, "code snippets"
    return None


def exclusion_of(rel: str) -> Exclusion | None:
    """The default exclude that covers `rel` (a path relative to the scan root): its
    outermost excluded folder, else a file-name pattern."""
    parts = rel.split("/")
    for index, name in enumerate(parts[:-1]):
        parent = parts[index - 1] if index else None
        found = _folder_exclusion(name, parent)
        if found is not None:
            label = f"{parent}/{name}/" if name == "lib" else f"{name}/"
            return Exclusion(label, found[0], found[1], "/".join(parts[: index + 1]))
    name = parts[-1].lower()
    for marker in _TEST_FILE_MARKERS:
        if marker in name:
            pattern = f"*{marker}*"
            return Exclusion(pattern, Treatment.TEST, "test files", pattern)
    # No `*.min.js` here: a name alone never makes a file a library (server code named
    # app.min.js would escape the analysis); minified code is recognised by its content
    # (source/bundles.py).
    return None


@dataclass
class ExclusionLog:
    """Which files each default exclude left out."""

    excluded: dict[str, Exclusion] = field(default_factory=dict)

    def note(self, rel: str, exclusion: Exclusion) -> None:
        self.excluded[rel] = exclusion

    def forget(self, rel: str) -> None:
        """`rel` is analysed after all (an entry point)."""
        self.excluded.pop(rel, None)

    def skips(self, *, include_tests: bool) -> list[Skip]:
        """One note per pattern, with how many files it left out and where."""
        counts: dict[Exclusion, int] = defaultdict(int)
        for exclusion in self.excluded.values():
            counts[exclusion] += 1
        by_pattern: dict[str, list[tuple[Exclusion, int]]] = defaultdict(list)
        for exclusion, count in counts.items():
            by_pattern[exclusion.pattern].append((exclusion, count))
        return [
            _skip(pattern, found, include_tests) for pattern, found in sorted(by_pattern.items())
        ]


#: Folders named in one pattern's note; the rest are counted.
_FOLDERS_SHOWN = 5


def _skip(pattern: str, found: list[tuple[Exclusion, int]], include_tests: bool) -> Skip:
    first = found[0][0]
    files = sum(count for _exclusion, count in found)
    noun = "script" if files == 1 else "scripts"
    folders = sorted(e.folder for e, _count in found if e.folder != pattern)
    where = ""
    if folders:
        where = " in " + ", ".join(folders[:_FOLDERS_SHOWN])
        if len(folders) > _FOLDERS_SHOWN:
            where += f" and {len(folders) - _FOLDERS_SHOWN} more folders"
    if first.treatment is Treatment.LIBRARY:
        done = "kept only to identify served libraries (DEP002), not analysed as server code"
    else:
        done = "not analysed"
    back = "--no-default-excludes"
    if first.treatment is Treatment.TEST and not include_tests:
        back = "--include-tests or --no-default-excludes"
    reason = f"default exclude ({first.what}): {files} {noun}{where} {done}; {back} analyses them"
    return Skip(pattern, reason, note=True)
