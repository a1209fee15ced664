"""`nodeward explain CODE`: one rule's documentation."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nodeward.commands.common import EXIT_ERROR, EXIT_OK


def register(sub: Any) -> None:
    parser = sub.add_parser("explain", help="print one rule's documentation")
    parser.add_argument("code")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nodeward.catalog import get_rule

    rule = get_rule(args.code)
    if rule is None:
        print(f"nodeward: unknown rule {args.code!r}; `nodeward rules` lists them", file=sys.stderr)
        return EXIT_ERROR
    print(rule.markdown())
    return EXIT_OK
