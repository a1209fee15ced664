"""Barrier guards: which conditions constrain a value's content (guards.condition_tests)."""

from __future__ import annotations

import pytest

from nodeward.source.parse import SourceText, parse
from nodeward.source.taint.guards import condition_tests
from nodeward.source.taint.model import SinkKind


def _tests(condition: str, name: str, kind: SinkKind = SinkKind.SQL) -> bool:
    code = f"if ({condition}) {{}}"
    root = parse(SourceText("a.js", code.encode(), (code,))).root
    statement = root.named_children[0]
    return condition_tests(statement.child_by_field_name("condition"), {name}, kind)


@pytest.mark.parametrize(
    "condition",
    [
        "ALLOWED.includes(q)",
        "q === 'asc'",
        "q !== ADMIN_ROLE",
        "q in SORTS",
        "/^[a-z]+$/.test(q)",
        "q.startsWith('/')",
        "validator.isEmail(q)",
        "!isValidObjectId(q)",
        "url.hostname === 'example.com'",
    ],
)
def test_content_checks_clean(condition: str) -> None:
    name = "url" if condition.startswith("url") else "q"
    assert _tests(condition, name)


@pytest.mark.parametrize(
    "condition",
    [
        "typeof q !== 'undefined'",
        "Object.keys(q).length !== 0",
        "q === undefined",
        "q !== null && q !== ''",
        "!q",
        "q.length > 3",
        "Array.isArray(q)",
        "_.isEmpty(q)",
        "validator.isEmail(req.body.username)",  # another field than `req.body`
    ],
)
def test_presence_type_and_length_checks_do_not_clean(condition: str) -> None:
    name = "req.body" if "req.body" in condition else "q"
    assert not _tests(condition, name)
    assert not _tests(condition, name, SinkKind.NOSQL)


def test_a_string_type_check_rules_out_operator_injection_only() -> None:
    assert _tests("typeof q === 'string'", "q", SinkKind.NOSQL)
    assert not _tests("typeof q === 'string'", "q", SinkKind.SQL)
    assert not _tests("typeof q === 'object'", "q", SinkKind.NOSQL)


def test_a_derived_value_tested_as_written_is_checked() -> None:
    condition = "['jpg', 'png'].includes(url.split('.').pop())"
    assert _tests(condition, "url.split('.').pop()")
    assert not _tests(condition, "url")
