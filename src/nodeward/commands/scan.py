"""`nodeward scan PATH`: the static audit, with the live probe merged in under --url."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nodeward.commands.common import CommandError
from nodeward.commands.emit import emit
from nodeward.commands.flags import add_scan_flags
from nodeward.commands.probe import add_probe_flags

if TYPE_CHECKING:
    from nodeward.changed import Changes
    from nodeward.config import Config


def register(sub: Any) -> None:
    parser = sub.add_parser("scan", help="statically audit a Node.js project")
    parser.add_argument("path", type=Path, help="project folder or a single file")
    add_scan_flags(parser)
    add_probe_flags(parser, with_url=True)
    # cli.main sets ends_process: the scan may then leave its heap to the exit
    parser.set_defaults(handler=run, ends_process=False)


def run(args: argparse.Namespace) -> int:
    # The analyzers load here, when a scan runs, not when the parser is built.
    from nodeward.config import build_config
    from nodeward.scan import ScanError, run_scan

    flags = {
        k: v
        for k, v in vars(args).items()
        if k not in ("command", "handler", "config", "path", "color", "ends_process")
    }
    for key in ("select", "ignore", "exclude", "extend_select", "extend_ignore", "only_files"):
        if key in flags:
            flags[key] = tuple(flags[key])
    config = build_config(args.path, args.config, flags)
    changes = _changes(config)  # before the scan: a bad revision is an error at once
    try:
        # with --url the probe runs as one of its analyzers
        report = run_scan(config, ends_process=args.ends_process)
    except ScanError as error:
        raise CommandError(str(error)) from None
    if changes is not None:
        report = replace(report, findings=tuple(f for f in report.findings if changes.keeps(f)))
    return emit(report, config, color=args.color)


def _changes(config: Config) -> Changes | None:
    """--only and --diff-base: which findings to keep (git loads only for them)."""
    if config.only_files:
        from nodeward.changed import whole_files

        return whole_files(config.only_files, config.path)
    if config.diff_base is not None:
        from nodeward.changed import ChangeError, since
        from nodeward.config import ConfigError

        try:
            return since(config.diff_base, config.path)
        except ChangeError as error:
            raise ConfigError(str(error)) from None
    return None
