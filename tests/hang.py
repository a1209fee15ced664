"""A hang guard for tests of untrusted input: a bound on time that catches a hang (a
catastrophic regex, an endless loop), not a speed assertion."""

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
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except Hang:
        if what is None:
            raise Hang(f"no answer within {seconds} s") from None
        pytest.fail(f"{what} ran over {seconds}s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
