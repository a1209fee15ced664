"""Fuzzing the JS/TS scan: real annotated fixtures, mutated (cuts, insertions, duplicated
spans, control characters, bracket runs, undecodable bytes), scanned end to end.

The property: the scan returns a Report; no rule crashes (the scan turns a rule's crash into
a skip so that the rest goes on, which still counts as a crash here); nothing runs for long
(a hang guard, not a speed assertion)."""

from __future__ import annotations

import pytest
from hang import hang_guard
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz_loaders import HANG_SECONDS, RULES, fuzz, mutated

from nodeward.findings import Report
from nodeward.scan import scan_path

SAMPLES = sorted(p for p in RULES.iterdir() if p.is_file() and p.suffix in (".js", ".ts"))
#: What hostile code adds to a real file: terminal escapes, bidi overrides, NUL bytes,
#: unterminated strings, templates and comments, and deep bracket runs.
HOSTILE_PIECES = (
    "\x1b]0;t\x07",
    "\u202e",
    "\x00",
    "'",
    '"',
    "`${",
    "/*",
    "(" * 300,
    "[" * 300,
    "{" * 300,
    "<div>" * 50,
    "req.query.a" * 20,
)
CRASHES = ("internal error", "expression nesting too deep")


@st.composite
def hostile_source(draw: st.DrawFn) -> bytes:
    sample = draw(st.sampled_from(SAMPLES))
    text = draw(mutated(sample.read_text(encoding="utf-8")))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(HOSTILE_PIECES)) + text[at:]
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\xff\xfe" + data[at:]  # not UTF-8: decoded with replacement
    return data


@settings(fuzz, max_examples=200)
@given(source=hostile_source(), suffix=st.sampled_from((".js", ".ts", ".tsx")))
def test_scan_of_mutated_real_files(
    tmp_path_factory: pytest.TempPathFactory, source: bytes, suffix: str
) -> None:
    root = tmp_path_factory.mktemp("fuzz-scan")
    (root / f"server{suffix}").write_bytes(source)
    with hang_guard(HANG_SECONDS):
        report = scan_path(root, jobs=1, offline=True)
    assert isinstance(report, Report)
    assert [s.reason for s in report.skips if any(c in s.reason for c in CRASHES)] == []
