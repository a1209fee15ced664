"""Run one piece of work in a forked child process while this process does another.

tree-sitter trees cannot be pickled, so work cannot be shipped to a process pool: every
worker would have to parse the project again, doubling the memory. A fork shares the parsed
project with the child copy-on-write; the child sends back only its (picklable) result.
`gc.freeze()` before the fork keeps the garbage collector from writing to every shared
object in the child, which would copy most of the pages.

Used only where `fork` exists and no other thread runs (forking a threaded process is
unsafe); otherwise, and whenever the child fails, the work runs here instead.

The child never outlives the parent: it asks Linux for SIGKILL when the parent dies
(PR_SET_PDEATHSIG, which covers a parent killed with SIGKILL), checks that the parent did
not die before it asked, and the parent kills it when the scan fails or is interrupted:
the command line's SIGINT and SIGTERM handlers call `kill_running()` at once (an exception
raised by a signal handler can be swallowed, e.g. when it fires inside a finalizer) and
then raise, which reaches `cancel()`.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

#: Children started and not yet reaped, for `kill_running()`.
_running: set[int] = set()


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


@dataclass
class Forked(Generic[T]):
    """Work running in a child process; `result()` waits for it."""

    work: Callable[[], T]
    pid: int
    reader: int

    def result(self) -> T:
        """The child's result; if the child died or failed, the work is run here."""
        chunks = []
        try:
            while chunk := os.read(self.reader, 1 << 20):
                chunks.append(chunk)
        except BaseException:  # interrupted while waiting: the child must not run on
            self.cancel()
            raise
        os.close(self.reader)
        _pid, status = os.waitpid(self.pid, 0)
        _running.discard(self.pid)
        gc.unfreeze()
        if os.waitstatus_to_exitcode(status) == 0 and chunks:
            try:
                return pickle.loads(b"".join(chunks))  # type: ignore[no-any-return]  # noqa: S301 - our own child
            except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
                pass
        return self.work()

    def cancel(self) -> None:
        """Stop the child (the scan failed or was interrupted) and reap it."""
        with contextlib.suppress(OSError):  # already gone
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self.reader)
        with contextlib.suppress(OSError):  # ChildProcessError: already reaped
            os.waitpid(self.pid, 0)
        _running.discard(self.pid)
        gc.unfreeze()


def kill_running() -> None:
    """Kill every running child now (from a signal handler); `result()` or `cancel()`
    still reaps it."""
    for pid in tuple(_running):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _die_with_parent(parent: int) -> None:
    """In the child: be killed when the parent dies, and leave now if it already has."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # no libc: the other guards stay
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def start(work: Callable[[], T]) -> Forked[T]:
    """Start `work` in a forked child. The caller must call `result()` or `cancel()`."""
    reader, writer = os.pipe()
    parent = os.getpid()
    gc.freeze()
    # No stop signal between the fork and the child's registration: a handler that ran
    # inside os.fork() (its at-fork hooks) would have its exception ignored and find no
    # child to kill. The signals stay pending and are handled just after.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    pid = -1
    try:
        pid = os.fork()
        if pid != 0:
            _running.add(pid)
    finally:
        if pid != 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        os.close(reader)
        code = 0
        try:
            # The parent's handlers raise in whatever runs; here the default (die) is what
            # the parent expects of `cancel()`.
            for signum in _STOP_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            _die_with_parent(parent)
            payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(payload)
            while view:
                view = view[os.write(writer, view) :]
        except BaseException:  # any failure: the parent redoes the work
            code = 1
        finally:
            os._exit(code)
    os.close(writer)
    return Forked(work, pid, reader)
