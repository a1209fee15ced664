"""What a schema's parse result holds: declared fields only, each cleared by its type."""

from __future__ import annotations

from nodeward.findings import SourceLocation
from nodeward.source.taint.model import ALL_KINDS, SinkKind
from nodeward.source.taint.typed_fields import STRING_ONLY, TypedFields, restrict
from nodeward.source.taint.values import Source, Taint, Trace, members

BODY: Taint = frozenset({Trace(Source("req.body", SourceLocation("app.js", 3)))})


def _kinds(taint: Taint, field: str) -> list[frozenset[SinkKind]]:
    return [t.cleared for t in members(taint, field)]


def test_declared_fields_are_cleared_by_type_and_extra_keys_are_gone() -> None:
    shape = TypedFields({"email": STRING_ONLY, "age": ALL_KINDS, "tags": frozenset()}, True)
    parsed = restrict(BODY, shape)
    assert _kinds(parsed, "email") == [STRING_ONLY]
    assert members(parsed, "age") == frozenset()  # a number carries nothing
    assert _kinds(parsed, "tags") == [frozenset({SinkKind.PROTOTYPE, SinkKind.MASS_ASSIGNMENT})]
    assert members(parsed, "isAdmin") == frozenset()  # stripped


def test_a_schema_that_keeps_extra_keys_keeps_the_raw_value() -> None:
    parsed = restrict(BODY, TypedFields({"email": STRING_ONLY}, strips_extra=False))
    assert frozenset() in _kinds(parsed, "isAdmin")


def test_many_open_fields_collapse_to_what_every_field_rules_out() -> None:
    fields = {f"s{i}": STRING_ONLY for i in range(5)} | {"any": frozenset()}
    parsed = restrict(BODY, TypedFields(fields, strips_extra=True))
    assert _kinds(parsed, "s0") == [frozenset({SinkKind.PROTOTYPE, SinkKind.MASS_ASSIGNMENT})]
    assert len(parsed) == 1
