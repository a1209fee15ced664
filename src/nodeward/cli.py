"""Command line: arguments -> Config -> run -> render -> exit code."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from nodeward import __version__, parallel
from nodeward.baseline import BaselineError
from nodeward.changed import ChangeError, Changes, since, whole_files
from nodeward.config import FORMATS, Config, ConfigError, build_config
from nodeward.deps.cli import add_db_command, add_scan_flags, counts_for_exit
from nodeward.findings import Report, Severity
from nodeward.fix.command import add_fix_command
from nodeward.init import InitError, write_default_config
from nodeward.output import write_output
from nodeward.report import github, json_report, sarif, text
from nodeward.report.neutralize import error_line
from nodeward.repository import report_base
from nodeward.rules import all_rules, get_rule
from nodeward.scan import ScanError, run_scan
from nodeward.source.appmodel.command import add_routes_command as _add_routes
from nodeward.stopping import Terminated
from nodeward.web.command import add_probe_command, add_probe_flags

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Stopped by a signal: the shell's convention, 128 + the signal number.
EXIT_INTERRUPTED = 128 + signal.SIGINT  # Ctrl-C: 130
EXIT_TERMINATED = 128 + signal.SIGTERM  # kill: 143
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # the reader of stdout went away: 141

REPORT_BUG = "please report this on the nodeward issue tracker with the --debug output"


class OutputError(Exception):
    """The report could not be written where the user asked."""


#: Failures of the user's input or environment, not of nodeward: one line, exit 2.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (ConfigError, ScanError, BaselineError, OutputError)


def _codes(value: str) -> list[str]:
    """A comma list of rule codes (upper-cased), advisory ids and package@version (kept as
    written: npm package names are case-sensitive)."""
    parts = (part.strip() for part in value.split(","))
    return [part if "@" in part else part.upper() for part in parts if part]


def _patterns(value: str) -> list[str]:
    """A comma list of exclude patterns (gitignore patterns have no comma syntax)."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _jobs(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected 0 or a positive number, not {value!r}")
    return int(value)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, not {value!r}")
    return int(value)


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_report_flags(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--format", "-f", choices=FORMATS, default=s, help="report format")
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        action="append",
        default=s,
        help="write the report here; repeat for several formats in one run, each taken from "
        "the file's extension (.sarif, .json, .html, .txt, .cdx.json)",
    )
    parser.add_argument(
        "--fail-on",
        type=_severity,
        default=s,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this severity: low, medium, high "
        "(default), critical",
    )
    parser.add_argument(
        "--exit-zero",
        action="store_true",
        default=s,
        help="exit 0 even when findings are at or above --fail-on (errors still exit 2)",
    )
    parser.add_argument(
        "--severity",
        type=_severity,
        default=s,
        metavar="SEVERITY",
        help="leave findings below this severity out of every report and the exit code",
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
    parser = sub.add_parser("scan", help="statically audit a Node.js project")
    parser.add_argument("path", type=Path, help="project folder or a single file")
    _add_scan_flags(parser)
    add_probe_flags(parser, with_url=True)
    parser.set_defaults(handler=_cmd_scan)


def _add_pre_commit(sub: Any) -> None:
    """The pre-commit hook: pre-commit runs it at the repository root with the staged file
    names last (after the hook's `args`), so they are positional here."""
    parser = sub.add_parser(
        "pre-commit",
        help="audit the project in the current folder offline, reporting only the files named",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="the staged files")
    _add_scan_flags(parser)
    parser.set_defaults(handler=_cmd_pre_commit)


def _cmd_pre_commit(args: argparse.Namespace) -> int:
    files = vars(args).pop("files")
    if not files:
        return EXIT_OK  # nothing staged that the hook looks at
    args.path = Path()
    args.only_files = files
    args.quiet = True
    args.offline = True  # a commit must not wait for the network: the local advisory db only
    return _cmd_scan(args)


def _add_scan_flags(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
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
        help="leave out these rule codes or prefixes, advisory ids (GHSA-..., CVE-..., "
        "NSWG-ECO-...) or package@version (name@* for every version); comma-separated",
    )
    parser.add_argument(
        "--extend-select",
        type=_codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="add to the selected codes (of the config file) instead of replacing them",
    )
    parser.add_argument(
        "--extend-ignore",
        type=_codes,
        action="extend",
        default=s,
        metavar="CODES",
        help="add to the ignored codes (of the config file) instead of replacing them",
    )
    parser.add_argument(
        "--diff-base",
        default=s,
        metavar="REF",
        help="only findings on lines changed between REF and HEAD (git); dependency "
        "findings only when a package.json or lockfile changed",
    )
    parser.add_argument(
        "--only",
        dest="only_files",
        nargs="+",
        default=s,
        metavar="FILE",
        help="only findings in these files (the whole project is still analysed); "
        "dependency findings only when a package.json or lockfile is among them",
    )
    parser.add_argument(
        "--exclude",
        type=_patterns,
        action="extend",
        default=s,
        metavar="GLOB",
        help="gitignore-style patterns of paths to leave out (comma-separated)",
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
        type=_positive,
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


def _cmd_scan(args: argparse.Namespace) -> int:
    flags = {
        k: v
        for k, v in vars(args).items()
        if k not in ("command", "handler", "config", "path", "color")
    }
    for key in ("select", "ignore", "exclude", "extend_select", "extend_ignore", "only_files"):
        if key in flags:
            flags[key] = tuple(flags[key])
    config = build_config(args.path, args.config, flags)
    changes = _changes(config)  # before the scan: a bad revision is an error at once
    report = run_scan(config)  # with --url the probe runs as one of its analyzers
    if changes is not None:
        report = replace(report, findings=tuple(f for f in report.findings if changes.keeps(f)))
    return _emit(report, config, color=args.color)


def _changes(config: Config) -> Changes | None:
    if config.only_files:
        return whole_files(config.only_files, config.path)
    if config.diff_base is not None:
        try:
            return since(config.diff_base, config.path)
        except ChangeError as error:
            raise ConfigError(str(error)) from None
    return None


def _emit(report: Report, config: Config, *, color: bool | None) -> int:
    if config.severity is not None:
        shown = [f for f in report.findings if f.severity >= config.severity]
        report = replace(report, findings=tuple(shown))
    destinations = [config.output, *config.extra_outputs]
    several = len(destinations) > 1
    for destination in destinations:
        chosen = format_for(destination) if destination is not None else None
        if not several and config.format != "text":
            chosen = config.format  # one report: an explicit --format wins over the name
        content = _render(report, config, chosen or config.format, destination, color)
        _write_checked(content, destination)
    unreachable = _unreachable_target(report, config)
    if unreachable is not None:
        print(f"nodeward: error: {_one_line(unreachable)}", file=sys.stderr)
        return EXIT_ERROR
    skipped = [s for s in report.skips if not s.note]
    if config.strict and skipped:
        print(f"nodeward: {len(skipped)} skipped (--strict)", file=sys.stderr)
        return EXIT_ERROR
    failing = [
        f for f in report.findings if f.severity >= config.fail_on and counts_for_exit(f, config)
    ]
    return EXIT_FINDINGS if failing and not config.exit_zero else EXIT_OK


def _unreachable_target(report: Report, config: Config) -> str | None:
    """The skip the probe gives when the target's first request failed (nodeward.web.probe:
    "cannot probe: ..."), as an error line: nothing was checked, so the run is not clean."""
    if config.url is None:
        return None
    return next(
        (
            f"{s.target}: {s.reason}"
            for s in report.skips
            if s.target == config.url and s.reason.startswith("cannot probe: ")
        ),
        None,
    )


#: Report file suffixes and their format; the longest matching suffix wins.
SUFFIX_FORMATS = (
    (".cyclonedx.json", "cyclonedx"),
    (".cdx.json", "cyclonedx"),
    (".sarif.json", "sarif"),
    (".sarif", "sarif"),
    (".json", "json"),
    (".html", "html"),
    (".htm", "html"),
    (".txt", "text"),
)


def format_for(destination: Path) -> str | None:
    name = destination.name.lower()
    return next((fmt for suffix, fmt in SUFFIX_FORMATS if name.endswith(suffix)), None)


def _write_checked(content: str, destination: Path | None) -> None:
    try:
        write_output(content, destination)
    except OSError as error:
        if destination is None:
            raise  # stdout: a closed pipe is handled in main()
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write the report to {destination}: {reason}") from None


def _render(
    report: Report, config: Config, format_: str, destination: Path | None, color: bool | None
) -> str:
    shown = config.show_secrets
    match format_:
        case "json":
            content = json_report.render(report, show_secrets=shown)
        case "sarif":
            base = report_base(report.root, config.root)
            content = sarif.render(report, show_secrets=shown, base=base)
        case "html":
            from nodeward.report import html  # Jinja2 loads only for this format

            content = html.render(report, show_secrets=shown)
        case "github":
            content = github.render(report, base=Path.cwd(), show_secrets=shown)
        case "cyclonedx":
            from nodeward.report import cyclonedx

            content = cyclonedx.render(report)
        case _:
            use_color = sys.stdout.isatty() if color is None else color
            content = text.render(
                report, color=use_color and destination is None, show_secrets=shown
            )
    return content


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
    _add_pre_commit,
    _add_rules,
    _add_explain,
    _add_init,
    _add_routes,
    add_probe_command,
    add_db_command,
    add_fix_command,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nodeward",
        description="Security auditor for Node.js web applications.",
    )
    parser.add_argument("--version", action="version", version=f"nodeward {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="print the traceback of an internal error"
    )
    parser.add_argument(
        "--color",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="colour the text report (default: when stdout is a terminal)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    _accept_debug_anywhere(sub)
    return parser


def _accept_debug_anywhere(sub: Any) -> None:
    """`--debug` also after a subcommand (`nodeward scan . --debug`)."""
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_debug_anywhere(action)


@dataclass
class _StopSignals:
    """SIGINT and SIGTERM while a command runs: the forked child is killed at once, then
    the handler raises so that cleanup runs. Python can swallow an exception raised by a
    handler (when it fires inside a finalizer), so the signal is also remembered and the
    command's result is replaced by the signal's exit code."""

    received: int | None = None

    def handle(self, signum: int, _frame: FrameType | None) -> NoReturn:
        parallel.kill_running()
        self.received = signum
        signal.signal(signum, signal.SIG_IGN)  # a second one must not cut the cleanup short
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signal handlers can only be set from the main thread
            return
        previous = {s: signal.signal(s, self.handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _one_line(text: str) -> str:
    return error_line(text) or "(no message)"


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush does
    not print a second error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 any error
    (usage, configuration, input/output, a corrupt database, a crash), 130 Ctrl-C, 143
    SIGTERM, 141 when the reader of stdout went away."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(vars(args).pop("debug", False))
    handler: Callable[[argparse.Namespace], int] = args.handler
    stop = _StopSignals()
    with stop.installed():
        code = _run(handler, args, debug=debug)
    if stop.received is not None and code not in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        return _stopped(stop.received)  # the handler's exception was swallowed somewhere
    return code


def _stopped(signum: int) -> int:
    if signum == signal.SIGINT:
        print("nodeward: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print("nodeward: terminated", file=sys.stderr)
    return EXIT_TERMINATED


def _run(
    handler: Callable[[argparse.Namespace], int], args: argparse.Namespace, *, debug: bool
) -> int:
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return code
    except EXPECTED_ERRORS as error:
        print(f"nodeward: error: {_one_line(str(error))}", file=sys.stderr)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as error:  # I/O the commands do not handle themselves
        print(f"nodeward: error: {_one_line(str(error))}", file=sys.stderr)
    except Terminated:  # before KeyboardInterrupt: it is one
        return _stopped(signal.SIGTERM)
    except KeyboardInterrupt:
        return _stopped(signal.SIGINT)
    except Exception as error:  # a bug: one line, the traceback only when asked for
        if debug:
            traceback.print_exc(file=sys.stderr)
        name = type(error).__name__
        print(
            f"nodeward: internal error: {name}: {_one_line(str(error))} ({REPORT_BUG})",
            file=sys.stderr,
        )
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
