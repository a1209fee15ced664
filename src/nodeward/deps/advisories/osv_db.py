"""The local OSV database: SQLite in the user cache folder, filled by `nodeward db import`
or `nodeward db update`, indexed by package name so a scan needs no network."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nodeward.deps.advisories.archive import json_documents
from nodeward.deps.advisories.interface import Advisory, AdvisorySource, Query, SourceError
from nodeward.deps.advisories.osv import InvalidRecord, package_names, parse_record
from nodeward.deps.caches import cache_dir
from nodeward.findings import AdvisoryData

#: A database whose newest record is older than this is reported as stale: OSV's npm
#: feed changes every day, so a month without a new record means the data is not current.
STALE_AFTER_DAYS = 30
#: 2: each record's `modified` date and the source it came from (the report names them).
SCHEMA_VERSION = "2"
REBUILD_HINT = "rebuild it with `nodeward db import FILE.zip` or `nodeward db update`"


def default_path() -> Path:
    return cache_dir() / "osv-npm.sqlite3"


@dataclass(frozen=True)
class Status:
    path: Path
    records: int
    packages: int
    imported_at: float
    source: str
    newest_record: datetime | None  # the latest `modified` of a record; None: no record had one

    @property
    def newest_date(self) -> str:
        return self.newest_record.strftime("%Y-%m-%d") if self.newest_record else "unknown"

    @property
    def age_days(self) -> int | None:
        """Whole days since the newest record changed (not since the import: an old dump
        imported today is old data)."""
        if self.newest_record is None:
            return None
        return max(0, int((time.time() - self.newest_record.timestamp()) // 86400))

    @property
    def stale(self) -> bool:
        age = self.age_days
        return age is None or age > STALE_AFTER_DAYS

    def describe_age(self) -> str:
        """ "1,820 days old (newest record 2021-12-01)", or why the age is unknown."""
        if self.age_days is None:
            return "of unknown age (no record has a modified date)"
        return f"{self.age_days:,} days old (newest record {self.newest_date})"

    def provenance(self) -> AdvisoryData:
        return AdvisoryData(
            source=self.source,
            newest_record=self.newest_record.strftime("%Y-%m-%d") if self.newest_record else None,
            imported_at=datetime.fromtimestamp(self.imported_at, UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            records=self.records,
        )


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, body TEXT NOT NULL, modified TEXT, source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS packages (name TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS packages_by_name ON packages (name);
"""


#: How many skipped records an import names; the rest are only counted.
LISTED_PROBLEMS = 10


@dataclass(frozen=True)
class ImportResult:
    imported: int  # records with an npm package, now in the database
    invalid: int  # documents that are not valid OSV records (broken JSON included)
    not_npm: int  # valid records that name no npm package
    problems: tuple[str, ...]  # the first LISTED_PROBLEMS invalid ones: "name: reason"

    def summary(self) -> str:
        return f"imported {self.imported}, skipped {self.invalid} (invalid), {self.not_npm} not npm"


def import_records(
    source: Path, db_path: Path | None = None, *, label: str | None = None, etag: str = ""
) -> int:
    """`import_database`, answering only how many records were imported."""
    return import_database(source, db_path, label=label, etag=etag).imported


def import_database(
    source: Path, db_path: Path | None = None, *, label: str | None = None, etag: str = ""
) -> ImportResult:
    """Replace the database with the npm records of a zip or folder. The new database is
    built in a temporary file beside the old one, synced and renamed over it; on any failure
    (a corrupt archive, Ctrl-C) the temporary file is removed and the old database stays."""
    db_path = db_path or default_path()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.with_suffix(".building").unlink(missing_ok=True)  # left by earlier versions
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{db_path.name}.", suffix=".building", dir=db_path.parent
    )
    os.close(handle)
    building = Path(temp_name)
    try:
        result = _build(building, source, label or f"import of {source.name}", etag)
        with building.open("rb") as stream:
            os.fsync(stream.fileno())
        building.replace(db_path)
    except BaseException:
        building.unlink(missing_ok=True)
        Path(f"{building}-journal").unlink(missing_ok=True)
        raise
    return result


def _build(target: Path, source: Path, label: str, etag: str) -> ImportResult:
    bodies: dict[str, tuple[str, str | None]] = {}  # id -> (record, modified); last copy wins
    now = time.time()
    names: dict[str, set[str]] = {}
    invalid = not_npm = 0
    problems: list[str] = []
    for filename, data in json_documents(source):
        try:
            record = json.loads(data)
            advisory = parse_record(record)
        except (ValueError, RecursionError) as error:  # InvalidRecord is a ValueError
            invalid += 1
            if len(problems) < LISTED_PROBLEMS:
                problems.append(f"{filename}: {_reason(error)}")
            continue
        if not advisory.affected:
            not_npm += 1
            continue
        bodies[advisory.id] = (_text(data, record), _modified(record, now))
        names[advisory.id] = package_names(record)
    connection = sqlite3.connect(target)
    try:
        connection.executescript(_SCHEMA)
        connection.executemany(
            "INSERT INTO records VALUES (?, ?, ?, ?)",
            ((vid, body, modified, label) for vid, (body, modified) in bodies.items()),
        )
        connection.executemany(
            "INSERT INTO packages VALUES (?, ?)",
            ((name, vid) for vid, package_set in names.items() for name in sorted(package_set)),
        )
        meta = {
            "schema": SCHEMA_VERSION,
            "imported_at": str(now),
            "source": label,
            "etag": etag,
            # Kept here too so that reading the data's age scans no table.
            "newest_record": max((m for _body, m in bodies.values() if m), default=""),
        }
        connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        connection.commit()
    finally:
        connection.close()
    return ImportResult(len(bodies), invalid, not_npm, tuple(problems))


#: RFC 3339 as OSV writes it; fractional seconds are cut (OSV writes up to nanoseconds,
#: more than datetime reads).
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?")

#: Clock skew allowed for a `modified` date after the import.
_FUTURE_SLACK_SECONDS = 86400


def _modified(record: dict[str, object], now: float) -> str | None:
    """The record's `modified` as UTC "YYYY-MM-DDTHH:MM:SSZ" (text that sorts by time), or
    None when it has none, it does not parse, or it lies in the future: a record dated
    ahead must not make a database look fresh."""
    value = record.get("modified")
    found = _TIMESTAMP.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None:
        return None
    zone = found.group(2) or "Z"
    try:
        when = datetime.fromisoformat(found.group(1) + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None
    if when.timestamp() > now + _FUTURE_SLACK_SECONDS:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidRecord):
        return str(error)
    if isinstance(error, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {error}"


def _text(data: bytes, record: object) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # UTF-16 or -32 JSON: store it re-encoded
        return json.dumps(record)


def _connect(db_path: Path) -> sqlite3.Connection:
    if not db_path.is_file():
        raise SourceError(
            f"no advisory database at {db_path}; create it with `nodeward db import FILE.zip` "
            "or `nodeward db update`"
        )
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        schema = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError as error:
        raise SourceError(
            f"advisory database {db_path} is corrupt ({error}); {REBUILD_HINT}"
        ) from None
    if schema is None or schema[0] != SCHEMA_VERSION:
        connection.close()
        raise SourceError(
            f"advisory database {db_path} has an old layout (no record dates or sources); "
            f"{REBUILD_HINT}"
        )
    return connection


def status(db_path: Path | None = None) -> Status:
    db_path = db_path or default_path()
    connection = _connect(db_path)
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        records = connection.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        packages = connection.execute("SELECT COUNT(DISTINCT name) FROM packages").fetchone()[0]
        newest = meta.get("newest_record")
        if newest is None:  # a database built without it: from the records
            newest = connection.execute("SELECT MAX(modified) FROM records").fetchone()[0]
        sources = (
            []
            if meta.get("source")
            else connection.execute("SELECT DISTINCT source FROM records LIMIT 2").fetchall()
        )
    except sqlite3.DatabaseError as error:
        raise SourceError(
            f"advisory database {db_path} is corrupt ({error}); {REBUILD_HINT}"
        ) from None
    finally:
        connection.close()
    try:
        imported_at = float(meta.get("imported_at", ""))
    except ValueError:
        raise SourceError(
            f"advisory database {db_path} is corrupt (no import time); {REBUILD_HINT}"
        ) from None
    # The label in meta, else the one every record carries.
    fallback = str(sources[0][0]) if len(sources) == 1 else "unknown"
    source = str(meta.get("source") or fallback)
    return Status(db_path, records, packages, imported_at, source, _parse_stored(newest))


def _parse_stored(value: object) -> datetime | None:
    """A `modified` column value back as a datetime (None: no record had a date)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def stored_etag(db_path: Path | None = None) -> str:
    try:
        connection = _connect(db_path or default_path())
    except SourceError:
        return ""
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'etag'").fetchone()
    except sqlite3.DatabaseError:
        return ""
    finally:
        connection.close()
    return str(row[0]) if row else ""


class OsvDatabase(AdvisorySource):
    name = "osv-db"

    def __init__(self, db_path: Path | None = None) -> None:
        self.path = db_path or default_path()
        self._status: Status | None = None

    def _current(self) -> Status:
        """The database's status, read once for the warnings and the provenance."""
        if self._status is None:
            self._status = status(self.path)
        return self._status

    def exists(self) -> bool:
        return self.path.is_file()

    def advisories(self, query: Query) -> dict[str, list[Advisory]]:
        connection = _connect(self.path)
        found: dict[str, list[Advisory]] = {}
        try:
            for name in query:
                rows = connection.execute(
                    "SELECT r.body FROM packages p JOIN records r ON r.id = p.id WHERE p.name = ?",
                    (name,),
                ).fetchall()
                found[name] = list(_parse_rows(row[0] for row in rows))
        except sqlite3.DatabaseError as error:
            raise SourceError(
                f"advisory database {self.path} is corrupt ({error}); {REBUILD_HINT}"
            ) from None
        finally:
            connection.close()
        return found

    def warnings(self) -> list[str]:
        try:
            current = self._current()
        except SourceError:
            return []
        if current.stale:
            return [f"advisory data is {current.describe_age()}: run `nodeward db update`"]
        return []

    def provenance(self) -> AdvisoryData | None:
        try:
            return self._current().provenance()
        except SourceError:
            return None


def _parse_rows(bodies: Iterable[str]) -> Iterable[Advisory]:
    for body in bodies:
        try:
            yield parse_record(json.loads(body))
        except (ValueError, RecursionError):  # InvalidRecord is a ValueError
            continue
