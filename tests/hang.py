"""A hang guard for tests of untrusted input: a bound on time that catches a hang (a
catastrophic regex, an endless loop), not a speed assertion.

The bound is on this process's CPU time (ITIMER_PROF), not the wall clock: on a loaded
machine (CI beside other jobs, parallel test runs) a linear scan that waits for a core must
not read as a hang, while a backtracking regex burns CPU and is still caught. Only work
that computes can be guarded this way: a blocking wait (a FIFO, a socket) uses no CPU."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import pytest


class Hang(BaseException):
    """A BaseException, so that no `except Exception` in the code under test hides it."""


def _hang(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


@contextmanager
def hang_guard(seconds: float, what: str | None = None) -> Iterator[None]:
    """Interrupt the block after `seconds` (the regex engine checks for signals while it
    backtracks). With `what`, the test fails saying what ran over; without, Hang is raised
    for the caller (hypothesis then shrinks the example)."""
    previous = signal.signal(signal.SIGPROF, _hang)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except Hang:
        if what is None:
            raise Hang(f"no answer within {seconds} s") from None
        pytest.fail(f"{what} ran over {seconds}s of CPU")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
