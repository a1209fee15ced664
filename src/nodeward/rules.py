"""The one explicit registry of rules and the checkers that implement them."""

from __future__ import annotations

from functools import cache

from nodeward.checks import Checker
from nodeward.deps import rules as deps_rules
from nodeward.findings import Confidence, Severity
from nodeward.manifests import compose, containers, kubernetes, node_env, npm_scripts
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source.rules import (
    access_control,
    auth_flows,
    brute_force,
    cookies,
    cors,
    csrf,
    dangerous_calls,
    diagnostics,
    dos,
    errors,
    exposure,
    flows,
    graphql_server,
    header_order,
    headers,
    jwt,
    logging_rules,
    passwords,
    sessions,
    tokens,
)
from nodeward.source.rules import secrets as secret_rules
from nodeward.web.rules import PROBE_ONLY_RULES

UNUSED_SUPPRESSION = RuleMeta(
    code="NW001",
    name="unused-suppression",
    title="A nodeward-ignore comment suppresses nothing",
    cwe=(1164,),
    owasp=Owasp.A05,
    practices=(),
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    what=(
        "Reports `nodeward-ignore` comments that no finding on their line or the next "
        "line matched, and comments naming unknown rule codes."
    ),
    why=(
        "A stale suppression hides the next real finding on that line and tells reviewers "
        "that a risk was accepted when there is none to accept."
    ),
    example="// nodeward-ignore NW801: legacy cookie name\nconst port = 3000;",
    use_instead="const port = 3000;",
    fix="Remove the comment, or move it next to the finding it is meant for",
    references=("Ruff RUF100 unused-noqa: https://docs.astral.sh/ruff/rules/unused-noqa/",),
)

#: Rules checked on the syntax tree and on manifests, in report order.
CHECKERS: tuple[Checker, ...] = (
    sessions.CHECKER,
    cookies.CHECKER,
    cors.CHECKER,
    headers.CHECKER,
    jwt.CHECKER,
    errors.CHECKER,
    dangerous_calls.CHECKER,
    containers.CHECKER,
    compose.CHECKER,
    kubernetes.CHECKER,
    npm_scripts.CHECKER,
    node_env.CHECKER,
    secret_rules.CHECKER,
    passwords.CHECKER,
    tokens.CHECKER,
    dos.CHECKER,
    exposure.CHECKER,
    graphql_server.CHECKER,
    logging_rules.CHECKER,
    csrf.CHECKER,
    brute_force.CHECKER,
    access_control.CHECKER,
    diagnostics.CHECKER,
    header_order.CHECKER,
    auth_flows.CHECKER,
    flows.CHECKER,
)

#: A low-confidence "non-literal argument" finding is dropped when a proven flow finding of
#: the superseding rule sits on the same file and line (scan.drop_superseded).
#: In browser code a proven flow into eval is DOM XSS (NW903).
SUPERSEDED_BY: dict[str, tuple[str, ...]] = {
    "NW150": ("NW104", "NW903"),
    "NW151": ("NW103",),
    "NW152": ("NW110",),
}

#: Rules whose findings come from other analyzers (dependency audit, live probe).
ANALYZER_RULES: tuple[RuleMeta, ...] = (*PROBE_ONLY_RULES, *deps_rules.RULES)

TOOL_RULES: tuple[RuleMeta, ...] = (UNUSED_SUPPRESSION,)


@cache
def all_rules() -> tuple[RuleMeta, ...]:
    rules = (
        *TOOL_RULES,
        *(rule for checker in CHECKERS for rule in checker.rules),
        *ANALYZER_RULES,
    )
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


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Ruff-style selection: a code is on when some select prefix matches it (or none is
    given) and no ignore prefix does; the longer matching prefix wins, ignore on a tie."""
    best_select = max((len(p) for p in select if code.startswith(p)), default=-1)
    best_ignore = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    if select and best_select < 0:
        return False
    return best_ignore < best_select if best_ignore >= 0 else True
