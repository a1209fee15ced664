"""`nodeward init [PATH]`: a commented .nodeward.toml with the defaults."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nodeward.commands.common import EXIT_ERROR, EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser("init", help="write a commented .nodeward.toml with the defaults")
    parser.add_argument("path", type=Path, nargs="?", default=Path(), help="project folder")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nodeward.init import InitError, write_default_config

    try:
        target = write_default_config(args.path, force=args.force)
    except InitError as error:
        print(f"nodeward: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"nodeward: wrote {target}", file=sys.stderr)
    return EXIT_OK
