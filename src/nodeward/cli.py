"""Command line: builds the parser from the subcommands (nodeward.commands) and runs the
one asked for, turning what it raises into an exit code. Nothing imports this module."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from nodeward import __version__
from nodeward.commands import db, explain, fix, init, pre_commit, probe, routes, rules, scan
from nodeward.commands.common import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    REPORT_BUG,
    CommandError,
    StopSignals,
    one_line,
    stopped,
)
from nodeward.stopping import Terminated

#: Subcommands, in help order. Each adds its parser and sets `handler`.
COMMANDS: tuple[Callable[[Any], None], ...] = (
    scan.register,
    pre_commit.register,
    rules.register,
    explain.register,
    init.register,
    routes.register,
    probe.register,
    db.register,
    fix.register,
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


def _expected_errors() -> tuple[type[Exception], ...]:
    """Failures of the user's input or environment, not of nodeward: one line, exit 2.
    Imported when a command failed: their modules are already loaded if it raised one."""
    from nodeward.baseline import BaselineError
    from nodeward.config import ConfigError

    return (CommandError, ConfigError, BaselineError)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush does
    not print a second error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None, *, ends_process: bool = False) -> int:
    """Run one command. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 any error
    (usage, configuration, input/output, a corrupt database, a crash), 130 Ctrl-C, 143
    SIGTERM, 141 when the reader of stdout went away. `ends_process`: the interpreter exits
    after the command (entry()), which a command that declares `ends_process` may rely on."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "ends_process"):
        args.ends_process = ends_process
    debug = bool(vars(args).pop("debug", False))
    handler: Callable[[argparse.Namespace], int] = args.handler
    stop = StopSignals()
    with stop.installed():
        code = _run(handler, args, debug=debug)
    if stop.received is not None and code not in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        return stopped(stop.received)  # the handler's exception was swallowed somewhere
    return code


def _run(
    handler: Callable[[argparse.Namespace], int], args: argparse.Namespace, *, debug: bool
) -> int:
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Terminated:  # before KeyboardInterrupt: it is one
        return stopped(signal.SIGTERM)
    except KeyboardInterrupt:
        return stopped(signal.SIGINT)
    except Exception as error:
        if isinstance(error, (*_expected_errors(), OSError)):  # I/O a command did not handle
            print(f"nodeward: error: {one_line(str(error))}", file=sys.stderr)
            return EXIT_ERROR
        if debug:  # a bug: one line, the traceback only when asked for
            traceback.print_exc(file=sys.stderr)
        name = type(error).__name__
        print(
            f"nodeward: internal error: {name}: {one_line(str(error))} ({REPORT_BUG})",
            file=sys.stderr,
        )
    return EXIT_ERROR


def entry() -> NoReturn:
    """The console script and `python -m nodeward`: one command, then the interpreter exits."""
    raise SystemExit(main(ends_process=True))


if __name__ == "__main__":
    entry()
