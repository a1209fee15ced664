"""`nodeward fix PATH`: the subcommand's arguments, run and exit code.

Exit codes (like `ruff check --diff`): 0 nothing to fix, or the fixes were written
(--apply); 1 verified fixes were printed and not written; 2 an error, or --apply refused
(uncommitted changes, no git repository)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from nodeward.config import build_config
from nodeward.fix.apply import ApplyError, check_writable, write_files
from nodeward.fix.diff import unified_diff
from nodeward.fix.model import FixResult
from nodeward.fix.plan import plan_fixes
from nodeward.fix.render import render_json, summary
from nodeward.fix.verify import copy_scanner
from nodeward.fix.workspace import Workspace
from nodeward.report.neutralize import error_line
from nodeward.rules import selected
from nodeward.scan import run_scan

EXIT_OK, EXIT_FIXES, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> list[str]:
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def add_fix_command(sub: Any) -> None:
    parser = sub.add_parser(
        "fix",
        help="print (or --apply) patches for findings, each verified by a re-scan",
    )
    parser.add_argument("path", type=Path, help="project folder")
    parser.add_argument(
        "--select",
        type=_codes,
        action="extend",
        default=[],
        metavar="CODES",
        help="only fix findings of these rule codes or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="write the fixes (only into files git has committed unchanged)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --apply: write even into files with uncommitted changes or outside git",
    )
    parser.add_argument("--format", choices=("diff", "json"), default="diff")
    parser.add_argument("--offline", action="store_true", help="no network for the audit")
    parser.add_argument("--config", type=Path, default=None, help="config file to use")
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr")
    parser.set_defaults(handler=run_fix)


def run_fix(args: argparse.Namespace) -> int:
    flags: dict[str, Any] = {"quiet": True}
    if args.offline:
        flags["offline"] = True
    config = build_config(args.path, args.config, flags)
    report = run_scan(config)
    chosen = tuple(args.select)
    findings = [f for f in report.findings if selected(f.rule, chosen, ())]
    scanner = copy_scanner(config, lambda c: run_scan(c).findings)
    result = plan_fixes(findings, Workspace(config.path), scanner, report.findings)
    applied = False
    if args.apply and result.patched:
        try:
            check_writable(config.path, result.patched, force=args.force)
        except ApplyError as error:
            print(f"nodeward: error: {error_line(str(error))}", file=sys.stderr)
            return EXIT_ERROR
        write_files(config.path, result.patched)
        applied = True
    _emit(result, args, applied=applied)
    if not result.patched or applied:
        return EXIT_OK
    return EXIT_FIXES


def _emit(result: FixResult, args: argparse.Namespace, *, applied: bool) -> None:
    if args.format == "json":
        sys.stdout.write(render_json(result, applied=applied))
    elif not applied:
        sys.stdout.write(unified_diff(result.originals, result.patched))
    if not args.quiet:
        sys.stderr.write(summary(result, applied=applied))
