"""The golden-report test: a refactor keeps every finding, line, message, skip, route and
scorecard row of the fixture apps. After an intended change, rewrite the golden files with
`NODEWARD_UPDATE_GOLDEN=1 pytest tests/test_golden_reports.py` and say in the change's note
every difference and why."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from golden_reports import APPS, GOLDEN, scan_json


@pytest.mark.parametrize("name", sorted(APPS))
def test_report_matches_golden(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The "no advisory database at PATH" reason quotes the cache folder: keep it fixed.
    monkeypatch.setenv("NODEWARD_CACHE_DIR", "/nonexistent/nodeward-golden-cache")
    report = scan_json(APPS[name], tmp_path / "report.json")
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("NODEWARD_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for key in sorted(set(expected) | set(report)):
        assert report.get(key) == expected.get(key), f"{name}: '{key}' differs from {golden}"
