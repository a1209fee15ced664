"""`nodeward db import`: every record validated, bad ones counted and named but not fatal,
the database replaced atomically, nothing left behind on failure; and advisories of two
databases that describe one bug reported once."""

from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from advisory_ids import advisory_ids

from nodeward.cli import main
from nodeward.deps.advisories import osv, osv_db
from nodeward.scan import scan_path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "deps"
LOCKS = FIXTURES / "lockfiles"
QS_RANGE = [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "6.3.2"}]}]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(folder))
    return folder


def _record(vid: str, name: str = "qs", **fields: Any) -> dict[str, Any]:
    return {
        "id": vid,
        "summary": f"{vid} summary",
        "affected": [{"package": {"ecosystem": "npm", "name": name}, "ranges": QS_RANGE}],
        **fields,
    }


def _folder(root: Path, documents: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        text = document if isinstance(document, str) else json.dumps(document)
        (root / name).write_text(text)
    return root


def _stored_zip(path: Path, documents: dict[str, Any]) -> Path:
    """A zip whose entries are stored uncompressed, so a flipped byte is a bad CRC."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, document in documents.items():
            archive.writestr(name, json.dumps(document))
    path.write_bytes(buffer.getvalue())
    return path


def test_invalid_records_are_counted_and_named_not_fatal(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _folder(
        tmp_path / "records",
        {
            "A-1.json": {"id": "A-1", "affected": [{"package": "qs"}]},
            "A-2.json": _record("A-2", aliases=5),
            "A-3.json": '{"id": "A-3", ',
            "A-4.json": _record("A-4"),
            "A-5.json": {
                "id": "A-5",
                "affected": [{"package": {"ecosystem": "PyPI", "name": "qs"}}],
            },
            "A-6.json": _record("A-6", modified=20200101),
        },
    )
    assert main(["db", "import", str(source)]) == 0
    out, err = capsys.readouterr()
    assert out == f"imported 1, skipped 4 (invalid), 1 not npm into {cache / 'osv-npm.sqlite3'}\n"
    assert err == (
        "nodeward: skipped A-1.json: affected[0].package: expected an object, not a string\n"
        "nodeward: skipped A-2.json: aliases: expected a list, not a number\n"
        "nodeward: skipped A-3.json: invalid JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 15 (char 14)\n"
        "nodeward: skipped A-6.json: modified: expected a string, not a number\n"
    )
    assert sorted(p.name for p in cache.iterdir()) == ["osv-npm.sqlite3"]
    assert osv_db.status().records == 1


def test_only_the_first_problems_are_listed(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = {f"B-{n:02}.json": {"id": f"B-{n}", "aliases": [n]} for n in range(13)}
    assert main(["db", "import", str(_folder(tmp_path / "records", documents))]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("imported 0, skipped 13 (invalid), 0 not npm into ")
    lines = err.splitlines()
    assert len(lines) == osv_db.LISTED_PROBLEMS + 1
    assert lines[0] == "nodeward: skipped B-00.json: aliases[0]: expected a string, not a number"
    assert lines[-1] == "nodeward: ... and 3 more invalid records"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (
            {"id": "X", "affected": [{"package": {"ecosystem": "npm"}}]},
            "package.name: expected a string, not null",
        ),
        (
            {"id": "X", "affected": [{"package": {"ecosystem": 1, "name": "a"}}]},
            "package.ecosystem",
        ),
        ({"id": "X", "affected": {"package": {}}}, "affected: expected a list, not an object"),
        ({"id": "X", "affected": ["qs"]}, "affected[0]: expected an object, not a string"),
        ({"id": "X", "affected": [{"ranges": [{"type": 1}]}]}, "affected[0].ranges[0].type"),
        (
            {"id": "X", "affected": [{"ranges": [{"type": "SEMVER", "events": [{"fixed": 2}]}]}]},
            "events[0].fixed: expected a string, not a number",
        ),
        ({"id": "X", "affected": [{"versions": "1.0.0"}]}, "affected[0].versions: expected a list"),
        ({"id": "X", "withdrawn": True}, "withdrawn: expected a string, not a boolean"),
        ({"id": "X", "published": []}, "published: expected a string, not a list"),
        ({"id": "X", "severity": [{"type": "CVSS_V3", "score": 9.8}]}, "severity[0].score"),
        ({"id": "X", "references": [{"url": None, "type": {}}]}, "references[0].type"),
        ({"id": "X", "database_specific": "high"}, "database_specific: expected an object"),
        ({"id": 5}, "not an OSV record (no id)"),
        ([], "record: expected an object, not a list"),
    ],
)
def test_record_validation_names_the_field(record: Any, reason: str) -> None:
    with pytest.raises(osv.InvalidRecord) as caught:
        osv.parse_record(record)
    assert reason in str(caught.value)


def test_corrupt_zip_exits_2_and_leaves_the_database_untouched(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "import", str(FIXTURES / "npm-nswg-osv.zip")]) == 0
    database = cache / "osv-npm.sqlite3"
    before = database.read_bytes()
    archive = _stored_zip(tmp_path / "all.zip", {"GHSA-1.json": _record("GHSA-1")})
    data = bytearray(archive.read_bytes())
    data[data.index(b"GHSA-1 summary")] ^= 0x20  # one corrupted byte
    archive.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["db", "import", str(archive)]) == 2
    assert capsys.readouterr().err == (
        f"nodeward: error: {archive}: entry 'GHSA-1.json' is corrupt: "
        "Bad CRC-32 for file 'GHSA-1.json'\n"
    )
    assert database.read_bytes() == before
    assert sorted(p.name for p in cache.iterdir()) == ["osv-npm.sqlite3"]


def test_not_a_zip_exits_2_and_writes_nothing(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "all.zip"
    archive.write_bytes(b"PK\x03\x04 truncated")
    assert main(["db", "import", str(archive)]) == 2
    assert capsys.readouterr().err == (
        f"nodeward: error: {archive}: not a readable zip archive: File is not a zip file\n"
    )
    assert list(cache.iterdir()) == []


def test_interrupted_import_leaves_nothing_behind(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    osv_db.import_records(FIXTURES / "npm-nswg-osv.zip")
    before = (cache / "osv-npm.sqlite3").read_bytes()
    calls = []

    def interrupted(record: Any) -> Any:
        calls.append(record)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(record)

    real = osv_db.parse_record
    monkeypatch.setattr(osv_db, "parse_record", interrupted)
    with pytest.raises(KeyboardInterrupt):
        osv_db.import_records(FIXTURES / "npm-nswg-osv.zip")
    assert (cache / "osv-npm.sqlite3").read_bytes() == before
    assert sorted(p.name for p in cache.iterdir()) == ["osv-npm.sqlite3"]


def test_failure_while_writing_the_database_removes_the_temporary_file(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _folder(tmp_path / "records", {"A.json": _record("GHSA-a")})

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(osv_db.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        osv_db.import_records(source)
    assert not cache.exists() or list(cache.iterdir()) == []


def _scan_qs(tmp_path: Path, records: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """How many advisories qs's one DEP001 finding lists (merged ones count once), and the
    ids it names."""
    osv_db.import_records(_folder(tmp_path / "records", {f"{r['id']}.json": r for r in records}))
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(LOCKS / "package.json", root / "package.json")
    shutil.copy(LOCKS / "package-lock.v3.json", root / "package-lock.json")
    report = scan_path(root, select=("DEP001",))
    (finding,) = [f for f in report.findings if f.location.package == "qs"]  # type: ignore[union-attr]
    counted = re.match(r"(\d+) advisories ", finding.message.split(" is affected by ", 1)[1])
    # Each id once: the records here quote their own id in their summary and URL.
    return (int(counted[1]) if counted else 1), list(dict.fromkeys(advisory_ids(finding)))


def test_two_databases_with_identical_ranges_are_one_finding(tmp_path: Path, cache: Path) -> None:
    """Issue 14: NSWG and GHSA describing one bug without a shared alias; the finding names
    both ids, GitHub's first."""
    found = _scan_qs(tmp_path, [_record("NSWG-ECO-9"), _record("GHSA-xxxx-yyyy-zzzz")])
    assert found == (1, ["GHSA-xxxx-yyyy-zzzz", "NSWG-ECO-9"])


def test_one_database_with_identical_ranges_is_two_findings(tmp_path: Path, cache: Path) -> None:
    """Two GitHub advisories fixed in the same release are two bugs."""
    found = _scan_qs(tmp_path, [_record("GHSA-aaaa-aaaa-aaaa"), _record("GHSA-bbbb-bbbb-bbbb")])
    assert found == (2, ["GHSA-aaaa-aaaa-aaaa", "GHSA-bbbb-bbbb-bbbb"])


def test_two_databases_with_different_ranges_are_two_findings(tmp_path: Path, cache: Path) -> None:
    other = _record("NSWG-ECO-9")
    other["affected"][0]["ranges"] = [
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "6.4.0"}]}
    ]
    found = _scan_qs(tmp_path, [other, _record("GHSA-xxxx-yyyy-zzzz")])
    assert (found[0], sorted(found[1])) == (2, ["GHSA-xxxx-yyyy-zzzz", "NSWG-ECO-9"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("UPDATE meta SET value = 'abc' WHERE key = 'imported_at'", "corrupt (no import time)"),
        ("DELETE FROM meta WHERE key = 'imported_at'", "corrupt (no import time)"),
        ("DROP TABLE packages", "corrupt (no such table: packages)"),
    ],
)
def test_damaged_database_is_one_line_for_status_and_a_skip_for_scan(
    tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str], change: str, message: str
) -> None:
    osv_db.import_records(FIXTURES / "npm-nswg-osv.zip")
    database = cache / "osv-npm.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute(change)
    connection.commit()
    connection.close()
    assert main(["db", "status"]) == 2
    assert capsys.readouterr().err == (
        f"nodeward: error: advisory database {database} is {message}; rebuild it with "
        "`nodeward db import FILE.zip` or `nodeward db update`\n"
    )
    root = tmp_path / "app"
    root.mkdir()
    shutil.copy(LOCKS / "package.json", root / "package.json")
    shutil.copy(LOCKS / "package-lock.v3.json", root / "package-lock.json")
    report = scan_path(root, select=("DEP001",))
    corrupt = [s.reason for s in report.skips if "corrupt" in s.reason]
    if "no such table" in message:  # nothing can be looked up: a skip that says why
        assert report.findings == ()
        assert corrupt == [
            f"advisory database {database} is {message}; rebuild it with "
            "`nodeward db import FILE.zip` or `nodeward db update`"
        ]
    else:  # only the age is unknown: the advisories are still used
        assert corrupt == []
        assert {f.location.package for f in report.findings} == {"lodash"}  # type: ignore[union-attr]


def test_database_without_its_source_label_still_reports_status(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osv_db.import_records(FIXTURES / "npm-nswg-osv.zip")
    connection = sqlite3.connect(cache / "osv-npm.sqlite3")
    connection.execute("DELETE FROM meta WHERE key = 'source'")
    connection.commit()
    connection.close()
    assert main(["db", "status"]) == 0
    # Every record keeps the label it was imported under, so the source is still known.
    assert "467 advisories for 408 packages, from import of npm-nswg-osv.zip" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("repository", "code", "out", "err"),
    [
        (
            {"jquery": {"extractors": 5}},
            2,
            "",
            "not a Retire.js repository (no library has extractors)",
        ),
        ({"jquery": {"extractors": {"uri": True}, "vulnerabilities": 5}}, 0, "imported 1", ""),
        (
            {
                "jquery": {
                    "extractors": {"hashes": [1]},
                    "vulnerabilities": [1, {"cwe": 7, "identifiers": []}],
                }
            },
            0,
            "imported 1",
            "",
        ),
    ],
)
def test_retire_repository_of_the_wrong_shape(
    tmp_path: Path,
    cache: Path,
    capsys: pytest.CaptureFixture[str],
    repository: Any,
    code: int,
    out: str,
    err: str,
) -> None:
    source = tmp_path / "jsrepository.json"
    source.write_text(json.dumps(repository))
    assert main(["db", "import-retire", str(source)]) == code
    captured = capsys.readouterr()
    assert captured.out.startswith(out)
    assert captured.err == (f"nodeward: error: {source}: {err}\n" if err else "")
