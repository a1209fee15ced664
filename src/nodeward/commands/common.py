"""What the subcommands share: exit codes, the one-line error, the errors that are the
user's and not nodeward's, and how SIGINT and SIGTERM stop a command."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import NoReturn

from nodeward.report.neutralize import error_line
from nodeward.stopping import Terminated

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Stopped by a signal: the shell's convention, 128 + the signal number.
EXIT_INTERRUPTED = 128 + signal.SIGINT  # Ctrl-C: 130
EXIT_TERMINATED = 128 + signal.SIGTERM  # kill: 143
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # the reader of stdout went away: 141

REPORT_BUG = "please report this on the nodeward issue tracker with the --debug output"


class CommandError(Exception):
    """A failure of the user's input or environment, not of nodeward: one line, exit 2."""


class OutputError(CommandError):
    """The report could not be written where the user asked."""


def one_line(text: str) -> str:
    """An error message as one inert line (it can quote names from the scanned tree)."""
    return error_line(text) or "(no message)"


def print_error(message: str) -> None:
    print(f"nodeward: error: {one_line(message)}", file=sys.stderr)


@dataclass
class StopSignals:
    """SIGINT and SIGTERM while a command runs: the forked child is killed at once, then
    the handler raises so that cleanup runs. Python can swallow an exception raised by a
    handler (when it fires inside a finalizer), so the signal is also remembered and the
    command's result is replaced by the signal's exit code."""

    received: int | None = None

    def handle(self, signum: int, _frame: FrameType | None) -> NoReturn:
        # A forked child runs only if nodeward.parallel was imported; importing it here,
        # inside a signal handler, could deadlock on the import lock.
        parallel = sys.modules.get("nodeward.parallel")
        if parallel is not None:
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


def stopped(signum: int) -> int:
    """Say why the run ended and return the signal's exit code."""
    if signum == signal.SIGINT:
        print("nodeward: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print("nodeward: terminated", file=sys.stderr)
    return EXIT_TERMINATED
