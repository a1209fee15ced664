"""`nodeward pre-commit [FILE ...]`: the pre-commit hook."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nodeward.commands import scan
from nodeward.commands.common import EXIT_OK
from nodeward.commands.flags import add_scan_flags


def register(sub: Any) -> None:
    """pre-commit runs the hook at the repository root with the staged file names last
    (after the hook's `args`), so they are positional here."""
    parser = sub.add_parser(
        "pre-commit",
        help="audit the project in the current folder offline, reporting only the files named",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="the staged files")
    add_scan_flags(parser)
    parser.set_defaults(handler=run, ends_process=False)  # set by cli.main, read by scan.run


def run(args: argparse.Namespace) -> int:
    files = vars(args).pop("files")
    if not files:
        return EXIT_OK  # nothing staged that the hook looks at
    args.path = Path()
    args.only_files = files
    args.quiet = True
    args.offline = True  # a commit must not wait for the network: the local advisory db only
    return scan.run(args)
