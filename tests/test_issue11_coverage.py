"""docs/issue11-coverage.md names, for every item of issue #11, a fixture line per language
and kind (`ruleid` / `ok`). Each cell must stay true as fixtures move: the line above the
cited one carries that annotation with that rule code, in a file of that language.
test_fixtures.py then proves the annotation itself (reported / not reported)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "issue11-coverage.md"
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
# `flows_scopes.js:9` (NW103): a path, a line number and the rule code annotated there.
CELL = re.compile(r"`?([\w./-]+):(\d+)`? \(([A-Z]+\d+)\)")
COLUMNS = (("js", "ruleid"), ("ts", "ruleid"), ("js", "ok"), ("ts", "ok"))


def _cells() -> list[tuple[str, str, str, str, int, str]]:
    cells = []
    for row in TABLE.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in row.split("|")[1:-1]]
        if len(parts) != 6 or not parts[2] or parts[0] == "Item" or set(parts[2]) <= {"-"}:
            continue
        for (language, kind), cell in zip(COLUMNS, parts[2:], strict=True):
            found = CELL.search(cell)
            if found is not None:
                path, line, code = found.group(1), int(found.group(2)), found.group(3)
                cells.append((parts[1][:60], language, kind, path, line, code))
    return cells


CELLS = _cells()


def _language(path: str) -> str:
    """A template counts for the app folder it belongs to (`..._js/` or `..._ts/`)."""
    if path.endswith((".ts", ".tsx")):
        return "ts"
    if path.endswith((".js", ".jsx", ".mjs", ".cjs")):
        return "js"
    folder = path.split("/", 1)[0]
    return "ts" if folder.endswith("_ts") else "js"


def test_the_table_cites_every_column_of_many_rows() -> None:
    assert len(CELLS) > 400  # 4 cells on ~140 rows, fewer where a column is n/a


@pytest.mark.parametrize(
    ("form", "language", "kind", "path", "line", "code"),
    CELLS,
    ids=[f"{c[3]}:{c[4]}" for c in CELLS],
)
def test_cell_names_an_annotated_fixture_line(
    form: str, language: str, kind: str, path: str, line: int, code: str
) -> None:
    lines = (FIXTURES / path).read_text(encoding="utf-8").splitlines()
    assert 2 <= line <= len(lines), f"{path}:{line} is outside the file ({form})"
    annotation = re.search(r"\b(ruleid|ok):\s*([A-Z0-9, ]+)", lines[line - 2])
    assert annotation is not None, f"no annotation above {path}:{line} ({form})"
    assert annotation.group(1) == kind, f"{path}:{line} is annotated {annotation.group(1)}"
    assert code in [c.strip() for c in annotation.group(2).split(",")]
    assert _language(path) == language, f"{path} is not {language} ({form})"
