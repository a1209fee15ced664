"""CVSS v2, v3.0, v3.1 and v4.0 vectors with the scores FIRST's and NVD's calculators give,
and the severities nodeward derives from them."""

from __future__ import annotations

import pytest

from nodeward.deps.advisories.cvss import base_score, severity_of_score
from nodeward.deps.advisories.osv import parse_record
from nodeward.findings import Severity


@pytest.mark.parametrize(
    ("vector", "score", "severity"),
    [
        # v2 (NVD): the classic remote code execution vector, and reflected XSS
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, Severity.HIGH),
        ("AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3, Severity.MEDIUM),
        # v3.0 and v3.1 (FIRST's specification examples and calculator)
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Severity.CRITICAL),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Severity.MEDIUM),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, Severity.HIGH),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, Severity.INFO),
        # v4.0 (FIRST's calculator): full compromise, and a stored XSS as GitHub scores it
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, Severity.CRITICAL),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1, Severity.MEDIUM),
    ],
)
def test_official_scores(vector: str, score: float, severity: Severity) -> None:
    assert base_score(vector) == score
    assert severity_of_score(score) is severity


@pytest.mark.parametrize(
    "vector",
    [
        "",
        "not a vector",
        "CVSS:3.1/AV:N/AC:L",  # mandatory metrics missing
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q",  # unknown value
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",  # SA missing
        "CVSS:9.9/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # unknown version
        "AV:N/AC:L/Au:N/C:P/I:P",  # v2 without A
    ],
)
def test_malformed_vector_has_no_score(vector: str) -> None:
    assert base_score(vector) is None


def _record(severity: list[dict[str, str]], label: str | None = None) -> dict[str, object]:
    return {
        "id": "GHSA-aaaa-bbbb-cccc",
        "summary": "test advisory",
        "severity": severity,
        "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}}],
        "database_specific": {"severity": label} if label else {},
    }


def test_osv_record_with_only_a_v4_score_is_rated_from_it() -> None:
    # Before the v4 calculator, such a record fell back to the label (here none: medium).
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    advisory = parse_record(_record([{"type": "CVSS_V4", "score": vector}]))
    assert advisory.severity is Severity.CRITICAL
    assert advisory.cvss_vector == vector


def test_osv_record_prefers_its_v3_score_over_v4() -> None:
    advisory = parse_record(
        _record(
            [
                {
                    "type": "CVSS_V4",
                    "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                },
                {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"},
            ]
        )
    )
    assert advisory.severity is Severity.HIGH
    assert advisory.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"


def test_osv_record_with_a_v2_score_only() -> None:
    advisory = parse_record(_record([{"type": "CVSS_V2", "score": "AV:N/AC:M/Au:N/C:N/I:P/A:N"}]))
    assert advisory.severity is Severity.MEDIUM


def test_malformed_vector_falls_back_to_the_label() -> None:
    advisory = parse_record(_record([{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:"}], "LOW"))
    assert advisory.severity is Severity.LOW
