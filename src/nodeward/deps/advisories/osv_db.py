"""The local OSV database: SQLite in the user cache folder, filled by `nodeward db import`
or `nodeward db update`, indexed by package name so a scan needs no network."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from nodeward.deps.advisories.archive import json_documents
from nodeward.deps.advisories.interface import Advisory, AdvisorySource, Query, SourceError
from nodeward.deps.advisories.osv import InvalidRecord, package_names, parse_record

STALE_AFTER_SECONDS = 7 * 24 * 3600
SCHEMA_VERSION = "1"
REBUILD_HINT = "rebuild it with `nodeward db import FILE.zip` or `nodeward db update`"


def cache_dir() -> Path:
    override = os.environ.get("NODEWARD_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("nodeward"))


def default_path() -> Path:
    return cache_dir() / "osv-npm.sqlite3"


@dataclass(frozen=True)
class Status:
    path: Path
    records: int
    packages: int
    imported_at: float
    source: str

    @property
    def age_days(self) -> float:
        return (time.time() - self.imported_at) / 86400

    @property
    def stale(self) -> bool:
        return time.time() - self.imported_at > STALE_AFTER_SECONDS


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, body TEXT NOT NULL);
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
        result = _build(building, source, label or str(source), etag)
        with building.open("rb") as stream:
            os.fsync(stream.fileno())
        building.replace(db_path)
    except BaseException:
        building.unlink(missing_ok=True)
        Path(f"{building}-journal").unlink(missing_ok=True)
        raise
    return result


def _build(target: Path, source: Path, label: str, etag: str) -> ImportResult:
    bodies: dict[str, str] = {}  # id -> record; a later copy of an id replaces the earlier
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
        bodies[advisory.id] = _text(data, record)
        names[advisory.id] = package_names(record)
    connection = sqlite3.connect(target)
    try:
        connection.executescript(_SCHEMA)
        connection.executemany("INSERT INTO records VALUES (?, ?)", bodies.items())
        connection.executemany(
            "INSERT INTO packages VALUES (?, ?)",
            ((name, vid) for vid, package_set in names.items() for name in sorted(package_set)),
        )
        meta = {
            "schema": SCHEMA_VERSION,
            "imported_at": str(time.time()),
            "source": label,
            "etag": etag,
        }
        connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        connection.commit()
    finally:
        connection.close()
    return ImportResult(len(bodies), invalid, not_npm, tuple(problems))


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
        raise SourceError(f"advisory database {db_path} has an old layout; {REBUILD_HINT}")
    return connection


def status(db_path: Path | None = None) -> Status:
    db_path = db_path or default_path()
    connection = _connect(db_path)
    try:
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        records = connection.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        packages = connection.execute("SELECT COUNT(DISTINCT name) FROM packages").fetchone()[0]
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
    return Status(db_path, records, packages, imported_at, str(meta.get("source", "unknown")))


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
            current = status(self.path)
        except SourceError:
            return []
        if current.stale:
            return [
                f"advisory database is {current.age_days:.0f} days old; "
                "refresh it with `nodeward db update`"
            ]
        return []


def _parse_rows(bodies: Iterable[str]) -> Iterable[Advisory]:
    for body in bodies:
        try:
            yield parse_record(json.loads(body))
        except (ValueError, RecursionError):  # InvalidRecord is a ValueError
            continue
