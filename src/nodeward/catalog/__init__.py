"""The rule catalogue: every rule's identity and documentation (codes, CWEs, practices,
severities, docs), one module per family, importing no analyzer.

Reports, docs and `nodeward rules` / `explain` read the catalogue alone; the checkers that
implement the rules are registered apart (nodeward.rules.CHECKERS) and load only when a
scan runs. tests/test_catalog.py checks that the two agree."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from nodeward.catalog import (
    access,
    auth,
    cookies,
    dependencies,
    dos,
    errors,
    exposure,
    headers,
    injection,
    probe,
    runtime,
    tool,
    xss,
)
from nodeward.rulemeta import RuleMeta

#: The rules of each family, in code order; the probe's own rules come last.
FAMILIES: tuple[tuple[RuleMeta, ...], ...] = (
    tool.RULES,
    injection.RULES,
    auth.RULES,
    headers.RULES,
    errors.RULES,
    access.RULES,
    exposure.RULES,
    dos.RULES,
    cookies.RULES,
    xss.RULES,
    runtime.RULES,
    dependencies.RULES,
    probe.RULES,
)

#: Rules about nodeward's own input (unused suppressions).
TOOL_RULES: tuple[RuleMeta, ...] = tool.RULES
#: The dependency audit's rules.
DEPENDENCY_RULES: tuple[RuleMeta, ...] = dependencies.RULES
#: Rules only the live probe checks; a static scan lists them as not evaluated.
PROBE_ONLY_RULES: tuple[RuleMeta, ...] = probe.RULES

#: A low-confidence "non-literal argument" finding is dropped when a proven flow finding of
#: the superseding rule sits on the same file and line (scan.drop_superseded).
#: In browser code a proven flow into eval is DOM XSS (NW903).
SUPERSEDED_BY: dict[str, tuple[str, ...]] = {
    "NW150": ("NW104", "NW903"),
    "NW151": ("NW103",),
    "NW152": ("NW110",),
}


@cache
def all_rules() -> tuple[RuleMeta, ...]:
    """Every rule, in code order."""
    rules = [rule for family in FAMILIES for rule in family]
    codes = [r.code for r in rules]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate rule codes: {sorted(duplicates)}")
    return tuple(sorted(rules, key=lambda r: r.code))


@cache
def rules_by_code() -> dict[str, RuleMeta]:
    return {rule.code: rule for rule in all_rules()}


def get_rule(code: str) -> RuleMeta | None:
    return rules_by_code().get(code.upper())


def rules_for(codes: Iterable[str]) -> tuple[RuleMeta, ...]:
    """The rules with these codes, in code order; unknown codes are left out."""
    return tuple(rule for code in sorted(set(codes)) if (rule := get_rule(code)) is not None)


def static_rules() -> tuple[RuleMeta, ...]:
    """The rules of the static analysis of code and manifests (the scan's checkers)."""
    others = {r.code for r in (*TOOL_RULES, *DEPENDENCY_RULES, *PROBE_ONLY_RULES)}
    return tuple(rule for rule in all_rules() if rule.code not in others)


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Ruff-style selection: a code is on when some select prefix matches it (or none is
    given) and no ignore prefix does; the longer matching prefix wins, ignore on a tie."""
    best_select = max((len(p) for p in select if code.startswith(p)), default=-1)
    best_ignore = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    if select and best_select < 0:
        return False
    return best_ignore < best_select if best_ignore >= 0 else True
