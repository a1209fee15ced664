"""Which advisory data a run used: the database keeps each record's `modified` date and
its source, `db status` and every report name the source and the newest record's date, and
data whose newest record is over 30 days old is a note with its age (issue 13 item 2)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from nodeward.catalog import all_rules
from nodeward.cli import main
from nodeward.deps.advisories import osv_db
from nodeward.findings import Report
from nodeward.practices import Practice
from nodeward.report import html, json_report, sarif, text
from nodeward.scan import scan_path
from nodeward.scorecard import scorecard

FIXTURES = Path(__file__).parent.parent / "fixtures" / "deps"
LOCKS = FIXTURES / "lockfiles"
REPORT_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src/nodeward/report/schema/report.schema.json").read_text()
)
SARIF_SCHEMA = json.loads((FIXTURES.parent / "schemas" / "sarif-schema-2.1.0.json").read_text())

#: The newest `modified` date among the records of the NSWG test zip.
NSWG_NEWEST = "2020-07-13"
REBUILD = "rebuild it with `nodeward db import FILE.zip` or `nodeward db update`"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(folder))
    return folder


def _days_since(day: str) -> int:
    return int((time.time() - datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()) // 86400)


def _app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(LOCKS / "package.json", root / "package.json")
    shutil.copy(LOCKS / "package-lock.v3.json", root / "package-lock.json")
    return root


def _nswg_report(tmp_path: Path) -> Report:
    assert main(["db", "import", str(FIXTURES / "npm-nswg-osv.zip")]) == 0
    return scan_path(_app(tmp_path), select=("DEP001",))


def test_db_status_names_the_source_and_the_newest_record_not_the_import_age(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: an import of 2020 data said "0.0 days old" (age counted from the import)."""
    assert main(["db", "import", str(FIXTURES / "npm-nswg-osv.zip")]) == 0
    capsys.readouterr()
    assert main(["db", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        "467 advisories for 408 packages, from import of npm-nswg-osv.zip, "
        f"{_days_since(NSWG_NEWEST):,} days old (newest record {NSWG_NEWEST}) "
        "(stale: run `nodeward db update`)"
    )
    assert lines[2].startswith("imported at 20")
    assert "0.0 days old" not in "\n".join(lines)


def test_every_report_names_the_source_and_the_date(tmp_path: Path, cache: Path) -> None:
    report = _nswg_report(tmp_path)
    assert report.advisories is not None
    assert (report.advisories.source, report.advisories.newest_record) == (
        "import of npm-nswg-osv.zip",
        NSWG_NEWEST,
    )
    assert report.advisories.records == 467
    header = f"Advisories: import of npm-nswg-osv.zip, newest record {NSWG_NEWEST}"
    assert text.render(report).splitlines()[0] == header
    data = json.loads(json_report.render(report))
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["schema_version"] == "1.1"
    imported_at = data["advisories"].pop("imported_at")
    assert isinstance(imported_at, str) and imported_at.endswith("Z")
    assert data["advisories"] == {
        "source": "import of npm-nswg-osv.zip",
        "newest_record": NSWG_NEWEST,
        "records": 467,
        "queried_at": None,
    }
    document = json.loads(sarif.render(report))
    jsonschema.validate(document, SARIF_SCHEMA)
    properties = document["runs"][0]["properties"]["advisories"]
    assert (properties["source"], properties["newest_record"]) == (
        "import of npm-nswg-osv.zip",
        NSWG_NEWEST,
    )
    page = html.render(report)
    assert (
        '<p class="advisories muted">Advisories: import of npm-nswg-osv.zip, '
        f"newest record {NSWG_NEWEST}</p>"
    ) in page


def test_old_data_is_a_note_with_its_age_and_the_scorecard_names_the_date(
    tmp_path: Path, cache: Path
) -> None:
    report = _nswg_report(tmp_path)
    notes = [s for s in report.skips if s.target == "dependency audit"]
    assert [(s.reason, s.note) for s in notes] == [
        (
            f"advisory data is {_days_since(NSWG_NEWEST):,} days old (newest record "
            f"{NSWG_NEWEST}): run `nodeward db update`",
            True,
        )
    ]
    [row] = [
        r for r in scorecard(report, all_rules()) if r.practice is Practice.VULNERABLE_DEPENDENCIES
    ]
    assert row.why.endswith(f"; checked against data from {NSWG_NEWEST}")
    assert f"checked against data from {NSWG_NEWEST}" in text.render(report)


def test_no_lookup_no_advisories_line(tmp_path: Path, cache: Path) -> None:
    """A run that looked no advisory up names no data (DEP001 deselected)."""
    assert main(["db", "import", str(FIXTURES / "npm-nswg-osv.zip")]) == 0
    report = scan_path(_app(tmp_path), select=("NW",))
    assert report.advisories is None
    assert "advisories" not in json.loads(json_report.render(report))
    assert "Advisories:" not in text.render(report)
    assert 'class="advisories' not in html.render(report)


def _old_layout_database(path: Path) -> None:
    """A database as nodeward wrote it before records kept their date and source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE records (id TEXT PRIMARY KEY, body TEXT NOT NULL);
        CREATE TABLE packages (name TEXT NOT NULL, id TEXT NOT NULL);
        """
    )
    meta = {"schema": "1", "imported_at": str(time.time()), "source": "x.zip", "etag": ""}
    connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    connection.commit()
    connection.close()


def test_old_layout_database_needs_a_rebuild(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = cache / "osv-npm.sqlite3"
    _old_layout_database(database)
    message = (
        f"advisory database {database} has an old layout (no record dates or sources); {REBUILD}"
    )
    assert main(["db", "status"]) == 2
    assert capsys.readouterr().err == f"nodeward: error: {message}\n"
    report = scan_path(_app(tmp_path), select=("DEP001",))
    assert report.findings == ()
    assert [(s.target, s.reason) for s in report.skips] == [("dependency audit", message)]
    assert report.advisories is None
    assert [(u.rule, u.reason) for u in report.unevaluated] == [
        ("DEP001", f"no advisory source: {message}")
    ]


def _record(vuln_id: str, modified: object) -> dict[str, object]:
    return {
        "id": vuln_id,
        "modified": modified,
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "qs"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1"}]}],
            }
        ],
    }


def test_newest_record_reads_osv_timestamps_and_ignores_future_dates(
    tmp_path: Path, cache: Path
) -> None:
    """A record dated ahead (or undatable) must not make a database look fresh."""
    folder = tmp_path / "records"
    folder.mkdir()
    records = [
        _record("GHSA-1", "2023-03-04T05:06:07.123456789Z"),  # nanoseconds, as OSV writes
        _record("GHSA-2", "2023-03-05T01:00:00+02:00"),  # 2023-03-04 23:00 UTC
        _record("GHSA-3", "2099-01-01T00:00:00Z"),
        _record("GHSA-4", "yesterday"),
    ]
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    osv_db.import_records(folder)
    current = osv_db.status()
    assert (current.source, current.newest_date) == ("import of records", "2023-03-04")
    assert current.newest_record == datetime(2023, 3, 4, 23, 0, tzinfo=UTC)


def test_undated_database_is_of_unknown_age(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    record = _record("GHSA-1", None)
    del record["modified"]
    (folder / "one.json").write_text(json.dumps(record))
    osv_db.import_records(folder)
    assert osv_db.OsvDatabase().warnings() == [
        "advisory data is of unknown age (no record has a modified date): run `nodeward db update`"
    ]


def test_db_update_offline_is_one_line_and_exit_2(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://127.0.0.1:9/npm/all.zip"  # the discard port: nothing listens
    assert main(["db", "update", "--url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nodeward: error: download of {url} failed: ")
    assert err.count("\n") == 1


def test_newest_record_from_the_records_when_meta_lacks_it(cache: Path) -> None:
    osv_db.import_records(FIXTURES / "npm-nswg-osv.zip")
    connection = sqlite3.connect(cache / "osv-npm.sqlite3")
    connection.execute("DELETE FROM meta WHERE key = 'newest_record'")
    connection.commit()
    connection.close()
    assert osv_db.status().newest_date == NSWG_NEWEST
