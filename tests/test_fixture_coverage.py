"""Every rule of the catalogue is findable by its code in tests/fixtures/rules/INDEX.md:
either annotated fixtures hold a `ruleid` line for it, or it is one of the few rules no
annotation can express (fixture_index.TESTED_ELSEWHERE), and the test named there exists
and names the rule."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from fixture_index import INDEX, TESTED_ELSEWHERE

import nodeward.catalog
from nodeward.catalog import all_rules
from nodeward.rulemeta import RuleMeta

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (?P<code>[A-Z]+\d+) \| (?P<ruleid>[^|]*) \|", re.MULTILINE)


def _indexed_with_ruleid() -> set[str]:
    table = INDEX.read_text(encoding="utf-8").split("\n## ", 1)[0]
    return {m["code"] for m in ROW.finditer(table) if m["ruleid"].strip()}


def _constant_names(code: str) -> set[str]:
    """The catalogue constants (e.g. HSTS_MISSING) a test may name the rule by."""
    names = set()
    for info in pkgutil.iter_modules(nodeward.catalog.__path__, "nodeward.catalog."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, RuleMeta) and value.code == code:
                names.add(name)
    return names


def test_every_catalogue_rule_has_a_fixture_or_a_named_test() -> None:
    indexed = _indexed_with_ruleid()
    missing = sorted(r.code for r in all_rules() if r.code not in indexed | TESTED_ELSEWHERE.keys())
    assert not missing, (
        f"rules with no `ruleid` fixture in tests/fixtures/rules/INDEX.md: {missing}; add "
        "fixtures (then `python tests/fixture_index.py`), or, only when no annotation can "
        "express the rule, an entry in fixture_index.TESTED_ELSEWHERE"
    )


def test_rules_tested_elsewhere_are_real_rules_without_fixtures() -> None:
    """The allow-list does not outlive its reasons: a rule that gained annotated fixtures
    or left the catalogue leaves it too."""
    codes = {r.code for r in all_rules()}
    assert sorted(TESTED_ELSEWHERE.keys() - codes) == []
    assert sorted(TESTED_ELSEWHERE.keys() & _indexed_with_ruleid()) == []


def test_the_test_named_for_a_rule_exists_and_names_it() -> None:
    problems = []
    for code, (test, inputs) in sorted(TESTED_ELSEWHERE.items()):
        folders = [p for p in inputs.split(", ") if p.startswith("tests/")]
        problems += [f"{code}: {p} does not exist" for p in folders if not (ROOT / p).exists()]
        path = ROOT / test
        if not path.is_file():
            problems.append(f"{code}: {test} does not exist")
            continue
        text = path.read_text(encoding="utf-8")
        if not any(name in text for name in {code} | _constant_names(code)):
            problems.append(f"{code}: {test} never names the rule")
    assert not problems, "\n".join(problems)
