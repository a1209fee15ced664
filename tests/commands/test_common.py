"""The subcommands' shared pieces (nodeward.commands) agree with what they stand for."""

from __future__ import annotations

from pathlib import Path

import pytest

from nodeward.cli import build_parser
from nodeward.commands.emit import format_for
from nodeward.commands.flags import ADVISORY_SOURCES
from nodeward.deps.sources import CHOICES
from nodeward.report import FORMATS


def test_the_advisories_flag_offers_the_audit_sources() -> None:
    """The flag keeps its own copy so that building the parser loads no audit."""
    assert ADVISORY_SOURCES == CHOICES


def test_every_subcommand_is_registered_in_help_order() -> None:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]
    assert list(sub.choices) == [
        "scan", "pre-commit", "rules", "explain", "init", "routes", "probe", "db", "fix",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("r.sarif", "sarif"),
        ("r.SARIF.json", "sarif"),
        ("sbom.cdx.json", "cyclonedx"),
        ("r.json", "json"),
        ("r.htm", "html"),
        ("r.txt", "text"),
        ("r.xml", None),
    ],
)
def test_a_report_file_name_picks_its_format(name: str, expected: str | None) -> None:
    chosen = format_for(Path(name))
    assert chosen == expected
    assert chosen is None or chosen in FORMATS
