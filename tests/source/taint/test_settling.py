"""settling.py: a binding pass whose reads all saw the bindings it ended with is final.
The scans that need the further pass are in tests/fixtures/rules/flows_late_reads_*."""

from __future__ import annotations

from nodeward.findings import SourceLocation
from nodeward.source.taint.settling import PassReads
from nodeward.source.taint.values import CLEAN, Source, Trace

_AT = SourceLocation(path="app.js", line=3, column=1)
_QUERY = frozenset({Trace(origin=Source("req.query.q", _AT))})
_HASH = frozenset({Trace(origin=Source("location.hash", _AT))})
_BOX = ("box", 10)
_OUT = ("out", 10)


def test_a_variable_changed_after_it_was_read_needs_another_pass() -> None:
    reads = PassReads()
    reads.read(_BOX)
    reads.changed(_BOX)
    assert not reads.settled({})


def test_a_variable_changed_before_it_was_read_does_not() -> None:
    reads = PassReads()
    reads.changed(_BOX)  # written first: every read of this pass sees the new value
    reads.read(_BOX)
    reads.changed(_OUT)  # never read in this pass
    assert reads.settled({})


def test_a_module_variable_that_ends_as_first_read_is_settled() -> None:
    reads = PassReads()
    reads.read_module("last", _HASH)
    reads.read_module("last", _HASH)
    assert reads.settled({"last": _HASH})


def test_a_module_variable_another_unit_wrote_after_the_read_is_not() -> None:
    reads = PassReads()
    reads.read_module("last", CLEAN)
    assert not reads.settled({"last": _HASH})


def test_a_module_variable_that_changed_between_reads_is_not_even_if_it_changed_back() -> None:
    """A variable's traces are bounded (values.MAX_TRACES): a later binding can replace
    some, so a value can come back to what a first read saw after a second read saw
    another."""
    reads = PassReads()
    reads.read_module("last", _HASH)
    reads.read_module("last", _QUERY)
    assert not reads.settled({"last": _HASH})
