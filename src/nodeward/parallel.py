"""Run one piece of work in a forked child process while this process does another.

tree-sitter trees cannot be pickled, so work cannot be shipped to a process pool: every
worker would have to parse the project again, doubling the memory. A fork shares the parsed
project with the child copy-on-write; the child sends back only its (picklable) result.
`gc.freeze()` before the fork keeps the garbage collector from writing to every shared
object in the child, which would copy most of the pages.

Used only where `fork` exists and no other thread runs (forking a threaded process is
unsafe); otherwise, and whenever the child fails, the work runs here instead.
"""

from __future__ import annotations

import contextlib
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
        finally:
            os.close(self.reader)
            _pid, status = os.waitpid(self.pid, 0)
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
        gc.unfreeze()


def start(work: Callable[[], T]) -> Forked[T]:
    """Start `work` in a forked child. The caller must call `result()` or `cancel()`."""
    reader, writer = os.pipe()
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any cleanup
        os.close(reader)
        code = 0
        try:
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
