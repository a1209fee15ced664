"""parse_path() estimates a file's syntax nodes only when its size could exceed the bound:
the estimate counts at most one token a byte, so a shorter file never reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nodeward.findings import Skip
from nodeward.source import parse


@given(
    st.binary(max_size=400) | st.text(alphabet="ab _.;(){}\n\t\u00e9", max_size=400).map(str.encode)
)
def test_the_estimate_counts_at_most_one_token_a_byte(source: bytes) -> None:
    assert parse.estimated_nodes(source) <= len(source) * parse._NODES_PER_TOKEN


def test_a_large_dense_file_is_still_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parse, "MAX_SYNTAX_NODES", 1_000)
    path = tmp_path / "dense.js"
    path.write_bytes(b"a.b;" * 400)  # 1,600 bytes: over the bound / 1.6, ~1,900 nodes

    def no_parsing(text: parse.SourceText) -> parse.ParsedFile:
        raise AssertionError("parsed a file the estimate refuses")

    monkeypatch.setattr(parse, "parse", no_parsing)
    found = parse.parse_path(path, "dense.js")
    assert isinstance(found, Skip)
    assert "file too large" in found.reason
