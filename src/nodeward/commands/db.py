"""`nodeward db ACTION`: the local advisory database (OSV records, Retire.js repository)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nodeward.commands.common import EXIT_ERROR, EXIT_OK
from nodeward.report.neutralize import error_line, terminal_line

if TYPE_CHECKING:
    from nodeward.deps.advisories import osv_db


def register(sub: Any) -> None:
    parser = sub.add_parser("db", help="manage the local advisory database")
    commands = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    imp = commands.add_parser("import", help="load OSV records from an all.zip or a folder")
    imp.add_argument("source", type=Path)
    upd = commands.add_parser("update", help="download OSV's npm all.zip")
    upd.add_argument("--url", default=None, help=argparse.SUPPRESS)
    commands.add_parser("status", help="age and counts of the local database")
    ret = commands.add_parser("import-retire", help="load a Retire.js jsrepository (v5) file")
    ret.add_argument("source", type=Path)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nodeward.deps import retire
    from nodeward.deps.advisories import osv_db
    from nodeward.deps.advisories.archive import ArchiveError
    from nodeward.deps.advisories.download import DownloadError, update_database
    from nodeward.deps.advisories.interface import SourceError

    try:
        match args.db_command:
            case "import":
                result = osv_db.import_database(args.source)
                print(f"{result.summary()} into {osv_db.default_path()}")
                _print_problems(result)
            case "update":
                print(update_database(args.url), file=sys.stderr)
            case "status":
                current = osv_db.status()
                stale = " (stale: run `nodeward db update`)" if current.stale else ""
                print(
                    f"{current.path}\n{current.records} advisories for {current.packages} "
                    f"packages, from {terminal_line(current.source)}, "
                    f"{current.describe_age()}{stale}\n"
                    f"imported at {current.provenance().imported_at}"
                )
                retire_path = retire.repository_path()
                print(f"Retire.js repository: {retire_path if retire_path.is_file() else 'none'}")
            case "import-retire":
                count = retire.import_repository(args.source)
                print(f"imported {count} client-side libraries into {retire.repository_path()}")
            case other:
                raise AssertionError(other)
    except (SourceError, ArchiveError, DownloadError, retire.RepositoryError, OSError) as error:
        print(f"nodeward: error: {error_line(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _print_problems(result: osv_db.ImportResult) -> None:
    for problem in result.problems:
        print(f"nodeward: skipped {terminal_line(problem)}", file=sys.stderr)
    unlisted = result.invalid - len(result.problems)
    if unlisted > 0:
        print(f"nodeward: ... and {unlisted} more invalid records", file=sys.stderr)
