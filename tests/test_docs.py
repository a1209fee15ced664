from __future__ import annotations

from pathlib import Path

from nodeward.catalog import all_rules
from nodeward.docs import rule_pages

DOCS = Path(__file__).parent.parent / "docs" / "rules"


def test_docs_rules_in_sync_with_registry() -> None:
    pages = rule_pages()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in pages if on_disk.get(name) != pages[name])
    extra = sorted(set(on_disk) - set(pages))
    assert not stale and not extra, (
        f"docs/rules is out of date (stale {stale}, extra {extra}); run `python -m nodeward.docs`"
    )


def test_every_rule_doc_is_complete() -> None:
    for rule in all_rules():
        assert rule.code and rule.name == rule.name.lower() and " " not in rule.name, rule.code
        assert rule.cwe, rule.code
        for section in (rule.title, rule.what, rule.why, rule.example, rule.use_instead, rule.fix):
            assert section.strip(), rule.code
        assert rule.references, rule.code
        page = rule.markdown()
        for heading in (
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
            "## References",
        ):
            assert heading in page, (rule.code, heading)


def test_rule_codes_follow_families() -> None:
    import re

    for rule in all_rules():
        assert re.fullmatch(r"NW\d{3}|RUN0\d\d|DEP0\d\d", rule.code), rule.code
