from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.checked_table import END, START, checked_table, with_table
from nodeward.practices import Practice

README = Path(__file__).parent.parent / "README.md"


def test_readme_table_in_sync_with_registry() -> None:
    text = README.read_text(encoding="utf-8")
    assert text == with_table(text), (
        "README's checked table is out of date; run `python -m nodeward.docs`"
    )


def test_table_has_a_row_per_practice() -> None:
    rows = checked_table().splitlines()[2:]
    assert len(rows) == len(Practice)
    assert all(row.startswith(f"| {p.title}") for row, p in zip(rows, Practice, strict=True))


def test_markers_are_required() -> None:
    with pytest.raises(ValueError, match="markers"):
        with_table("no table here")
    assert with_table(f"a\n{START}\nold\n{END}\nb").endswith(f"{END}\nb")
