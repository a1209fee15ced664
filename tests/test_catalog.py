"""The rule catalogue (identities and docs) and the checker registry (code) agree."""

from __future__ import annotations

import re

import pytest

from nodeward import catalog
from nodeward.catalog import (
    DEPENDENCY_RULES,
    PROBE_ONLY_RULES,
    TOOL_RULES,
    all_rules,
    get_rule,
    rules_for,
    selected,
    static_rules,
)
from nodeward.rules import CHECKERS, SHARED_RULES


def test_every_checker_rule_is_the_catalogue_rule() -> None:
    for checker in CHECKERS:
        for rule in checker.rules:
            assert get_rule(rule.code) is rule, rule.code


def test_static_rules_are_exactly_the_checkers_rules() -> None:
    implemented = [rule.code for checker in CHECKERS for rule in checker.rules]
    twice = {code for code in implemented if implemented.count(code) > 1}
    assert twice == SHARED_RULES, "a rule is implemented twice without being declared shared"
    assert set(implemented) == {r.code for r in static_rules()}


def test_every_rule_has_one_analyzer() -> None:
    groups = (static_rules(), TOOL_RULES, DEPENDENCY_RULES, PROBE_ONLY_RULES)
    codes = [rule.code for group in groups for rule in group]
    assert sorted(codes) == [r.code for r in all_rules()]


FAMILY_PREFIXES = {
    "tool": r"NW0\d\d",
    "injection": r"NW1\d\d",
    "auth": r"NW2\d\d",
    "headers": r"NW3\d\d",
    "errors": r"NW4\d\d",
    "access": r"NW5\d\d",
    "exposure": r"NW6\d\d",
    "dos": r"NW7\d\d",
    "cookies": r"NW8\d\d",
    "xss": r"NW9\d\d",
    "runtime": r"RUN0\d\d",
    "dependencies": r"DEP0\d\d",
    "probe": r"NW\d{3}",
}


@pytest.mark.parametrize("family", sorted(FAMILY_PREFIXES))
def test_family_modules_hold_their_codes(family: str) -> None:
    rules = getattr(catalog, family).RULES
    assert rules, family
    for rule in rules:
        assert re.fullmatch(FAMILY_PREFIXES[family], rule.code), (family, rule.code)
    assert [r.code for r in rules] == sorted(r.code for r in rules), family


def test_probe_only_rules_are_not_static() -> None:
    assert {r.code for r in PROBE_ONLY_RULES} == {
        "NW340", "NW341", "NW342", "NW343", "NW650", "NW740"
    }  # fmt: skip


def test_rules_for_is_in_code_order_and_skips_unknown_codes() -> None:
    rules = rules_for(["NW801", "DEP001", "NW101", "NW801", "XX999"])
    assert [r.code for r in rules] == ["DEP001", "NW101", "NW801"]


def test_get_rule_ignores_case() -> None:
    assert get_rule("nw801") is get_rule("NW801") is not None
    assert get_rule("NW000") is None


@pytest.mark.parametrize(
    ("code", "select", "ignore", "expected"),
    [
        ("NW801", (), (), True),
        ("NW801", ("NW8",), (), True),
        ("NW801", ("NW1",), (), False),
        ("NW801", (), ("NW8",), False),
        ("NW801", ("NW801",), ("NW8",), True),  # the longer prefix wins
        ("NW801", ("NW8",), ("NW8",), False),  # ignore on a tie
    ],
)
def test_selected(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...], expected: bool
) -> None:
    assert selected(code, select, ignore) is expected
