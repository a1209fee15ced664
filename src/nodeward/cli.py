"""Command line: arguments -> Config -> run -> render -> exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nodeward import __version__
from nodeward.baseline import BaselineError
from nodeward.config import FORMATS, Config, ConfigError, build_config
from nodeward.deps.cli import add_db_command, add_scan_flags, counts_for_exit
from nodeward.findings import Report, Severity
from nodeward.init import InitError, write_default_config
from nodeward.output import write_output
from nodeward.report import cyclonedx, github, html, json_report, sarif, text
from nodeward.report.neutralize import terminal_line
from nodeward.repository import report_base
from nodeward.rules import all_rules, get_rule
from nodeward.scan import ScanError, run_scan
from nodeward.source.appmodel.command import add_routes_command as _add_routes
from nodeward.web.command import add_probe_command, add_probe_flags, probe_scan

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> list[str]:
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def _jobs(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected 0 or a positive number, not {value!r}")
    return int(value)


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_report_flags(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--format", "-f", choices=FORMATS, default=s, help="report format")
    parser.add_argument("--output", "-o", type=Path, default=s, help="write the report here")
    parser.add_argument(
        "--fail-on",
        type=_severity,
        default=s,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this severity: low, medium, high "
        "(default), critical",
    )
    parser.add_argument("--quiet", "-q", action="store_true", default=s, help="no progress")
    parser.add_argument("--strict", action="store_true", default=s, help="skips are fatal")
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        default=s,
        help="print hard-coded credentials in full (default: first and last characters only)",
    )


def _add_scan(sub: Any) -> None:
    s = argparse.SUPPRESS
    parser = sub.add_parser("scan", help="statically audit a Node.js project")
    parser.add_argument("path", type=Path, help="project folder or a single file")
    _add_report_flags(parser)
    parser.add_argument(
        "--select",
        type=_codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="only these rule codes or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--ignore",
        type=_codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="leave out these rule codes or prefixes",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=s,
        metavar="GLOB",
        help="gitignore-style pattern of paths to leave out",
    )
    parser.add_argument("--include-node-modules", action="store_true", default=s)
    parser.add_argument(
        "--include-tests",
        action="store_true",
        default=s,
        help="also analyse tests, fixtures and mocks (left out by default)",
    )
    parser.add_argument(
        "--no-default-excludes",
        dest="default_excludes",
        action="store_false",
        default=s,
        help="analyse everything: tests, build output, vendored and minified code, snippets",
    )
    parser.add_argument(
        "--follow-symlinks",
        action="store_true",
        default=s,
        help="follow symlinks that lead out of the scanned folder (default: skip them)",
    )
    parser.add_argument(
        "--max-file-size",
        type=int,
        default=s,
        metavar="BYTES",
        help="skip larger files (default 2000000)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=s,
        metavar="N",
        help="processes to use: 1 for one, 0 (default) for up to 2 on large projects",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=s,
        metavar="REPORT.json",
        help="report only findings absent from this earlier JSON report",
    )
    parser.add_argument("--config", type=Path, default=None, help="config file to use")
    parser.add_argument(
        "--root",
        type=Path,
        default=s,
        metavar="DIR",
        help="repository root that SARIF paths are relative to (default: the nearest folder "
        "above the scanned path with .git)",
    )
    add_scan_flags(parser)
    add_probe_flags(parser, with_url=True)
    parser.set_defaults(handler=_cmd_scan)


def _cmd_scan(args: argparse.Namespace) -> int:
    flags = {
        k: v
        for k, v in vars(args).items()
        if k not in ("command", "handler", "config", "path", "color")
    }
    for key in ("select", "ignore", "exclude"):
        if key in flags:
            flags[key] = tuple(flags[key])
    config = build_config(args.path, args.config, flags)
    report = run_scan(config)
    if config.url:
        report = probe_scan(report, config)
    return _emit(report, config, color=args.color)


def _emit(report: Report, config: Config, *, color: bool | None) -> int:
    shown = config.show_secrets
    match config.format:
        case "json":
            content = json_report.render(report, show_secrets=shown)
        case "sarif":
            base = report_base(report.root, config.root)
            content = sarif.render(report, show_secrets=shown, base=base)
        case "html":
            content = html.render(report, show_secrets=shown)
        case "github":
            content = github.render(report, base=Path.cwd(), show_secrets=shown)
        case "cyclonedx":
            content = cyclonedx.render(report)
        case _:
            use_color = sys.stdout.isatty() if color is None else color
            content = text.render(
                report, color=use_color and config.output is None, show_secrets=shown
            )
    write_output(content, config.output)
    skipped = [s for s in report.skips if not s.note]
    if config.strict and skipped:
        print(f"nodeward: {len(skipped)} skipped (--strict)", file=sys.stderr)
        return EXIT_ERROR
    failing = [
        f for f in report.findings if f.severity >= config.fail_on and counts_for_exit(f, config)
    ]
    return EXIT_FINDINGS if failing else EXIT_OK


def _add_rules(sub: Any) -> None:
    parser = sub.add_parser("rules", help="list every rule")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=_cmd_rules)


def _cmd_rules(args: argparse.Namespace) -> int:
    if args.format == "json":
        import json

        print(json.dumps([json_report.rule_dict(r) for r in all_rules()], indent=2))
        return EXIT_OK
    for rule in all_rules():
        cwe = ",".join(rule.cwe_labels)
        print(f"{rule.code}  {rule.name:<40} {rule.severity.label:<8} {cwe:<18} {rule.title}")
    return EXIT_OK


def _add_explain(sub: Any) -> None:
    parser = sub.add_parser("explain", help="print one rule's documentation")
    parser.add_argument("code")
    parser.set_defaults(handler=_cmd_explain)


def _cmd_explain(args: argparse.Namespace) -> int:
    rule = get_rule(args.code)
    if rule is None:
        print(f"nodeward: unknown rule {args.code!r}; `nodeward rules` lists them", file=sys.stderr)
        return EXIT_ERROR
    print(rule.markdown())
    return EXIT_OK


def _add_init(sub: Any) -> None:
    parser = sub.add_parser("init", help="write a commented .nodeward.toml with the defaults")
    parser.add_argument("path", type=Path, nargs="?", default=Path(), help="project folder")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(handler=_cmd_init)


def _cmd_init(args: argparse.Namespace) -> int:
    try:
        target = write_default_config(args.path, force=args.force)
    except InitError as error:
        print(f"nodeward: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"nodeward: wrote {target}", file=sys.stderr)
    return EXIT_OK


#: Subcommands, in help order. Each adds its parser and sets `handler`.
COMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_scan,
    _add_rules,
    _add_explain,
    _add_init,
    _add_routes,
    add_probe_command,
    add_db_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nodeward",
        description="Security auditor for Node.js web applications.",
    )
    parser.add_argument("--version", action="version", version=f"nodeward {__version__}")
    parser.add_argument(
        "--color",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="colour the text report (default: when stdout is a terminal)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except (ConfigError, ScanError, BaselineError) as error:
        print(f"nodeward: error: {terminal_line(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("nodeward: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
