"""One parametrized test over every annotated fixture under tests/fixtures/rules/.

Each entry there (a file, or a folder scanned as one project) is scanned on its own. For
every rule code named in its annotations, the lines reported with that code must be exactly
the `ruleid` lines (plus `todook` lines, known false positives) and none of the `ok` lines
(`todoruleid` lines are known misses)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from conftest import FIXTURES
from fixture_harness import Expectation, FixtureError, expectations
from fixture_index import INDEX, TESTED_ELSEWHERE, annotated_files
from fixture_index import render as render_index

from nodeward.catalog import all_rules
from nodeward.findings import SourceLocation
from nodeward.scan import scan_path

RULE_FIXTURES = FIXTURES / "rules"


def _case_expectations(case: Path) -> list[Expectation]:
    base = case.parent if case.is_file() else case
    found: list[Expectation] = []
    for file in annotated_files(case):
        found.extend(expectations(file, file.relative_to(base).as_posix()))
    return found


CASES = sorted(p for p in RULE_FIXTURES.iterdir() if p != INDEX) if RULE_FIXTURES.is_dir() else []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Path) -> None:
    expected = _case_expectations(case)
    assert expected, f"{case.name}: fixture has no annotations"
    known = {rule.code for rule in all_rules()}
    unknown = {e.code for e in expected} - known
    assert not unknown, f"{case.name}: annotations name unknown rules {sorted(unknown)}"

    report = scan_path(case)
    internal = [s for s in report.skips if "internal error" in s.reason]
    assert not internal, internal
    reported: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for finding in report.findings:
        if isinstance(finding.location, SourceLocation):
            loc = finding.location
            reported[finding.rule].add((loc.path, loc.line))

    problems = []
    for e in expected:
        hit = (e.path, e.line) in reported[e.code]
        if e.keyword == "ruleid" and not hit:
            problems.append(f"{e.path}:{e.line}: expected {e.code}, not reported")
        if e.keyword == "ok" and hit:
            problems.append(f"{e.path}:{e.line}: {e.code} reported on an ok line")
    allowed = {(e.code, e.path, e.line) for e in expected if e.keyword in ("ruleid", "todook")}
    for code in {e.code for e in expected}:
        for path, line in sorted(reported[code]):
            if (code, path, line) not in allowed:
                problems.append(f"{path}:{line}: {code} reported on an unannotated line")
    assert not problems, "\n".join(problems)


def test_every_rule_has_positive_and_negative_fixtures() -> None:
    keywords: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        for e in _case_expectations(case):
            keywords[e.code].add(e.keyword)
    # Rules no annotation can hold (the dependency audit, the live probe, package.json
    # only) are asserted by the tests fixture_index.TESTED_ELSEWHERE names.
    annotated = {r.code for r in all_rules()} - TESTED_ELSEWHERE.keys()
    missing = [code for code in sorted(annotated) if not {"ruleid", "ok"} <= keywords[code]]
    assert not missing, f"rules without a ruleid and an ok fixture: {missing}"


_JS = (".js", ".mjs", ".cjs", ".jsx")
_TS = (".ts", ".mts", ".cts", ".tsx")


def test_script_rules_have_fixtures_in_js_and_ts() -> None:
    """A rule annotated in any script fixture must be annotated in both dialects."""
    dialects: dict[str, set[str]] = defaultdict(set)
    for case in CASES:
        for e in _case_expectations(case):
            if e.path.endswith(_JS):
                dialects[e.code].add("js")
            elif e.path.endswith(_TS):
                dialects[e.code].add("ts")
    missing = sorted(code for code, seen in dialects.items() if seen != {"js", "ts"})
    assert not missing, f"rules with script fixtures in only one of JS and TS: {missing}"


def test_harness_rejects_unknown_keyword(tmp_path: Path) -> None:
    bad = tmp_path / "bad.js"
    bad.write_text("// ruleidd: NW801\nconst a = 1;\n")
    with pytest.raises(FixtureError, match="unknown annotation keyword"):
        list(expectations(bad, "bad.js"))


def test_harness_rejects_malformed_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.js"
    bad.write_text("// ruleid: NW80\nconst a = 1;\n")
    with pytest.raises(FixtureError, match="malformed rule code"):
        list(expectations(bad, "bad.js"))


def test_harness_points_at_the_next_code_line(tmp_path: Path) -> None:
    f = tmp_path / "a.js"
    f.write_text("// ruleid: NW801\n// a comment\n\nfoo();\n")
    assert [e.line for e in expectations(f, "a.js")] == [4]


def test_fixture_index_is_current() -> None:
    """tests/fixtures/rules/INDEX.md finds a rule's fixtures by its code."""
    assert INDEX.read_text(encoding="utf-8") == render_index(), (
        "run `python tests/fixture_index.py` and commit tests/fixtures/rules/INDEX.md"
    )
