"""Progress on stderr for every phase of a run (parse, app model, taint, rules, dependencies,
probe), with counts: `taint: 120/450 files`.

Results go to stdout and may be piped, so progress only ever goes to stderr, and only when
stderr is a terminal and the run is not `--quiet`; otherwise every helper here is a no-op.
Usage:

    for item in track(items, "parse", "files", quiet=config.quiet): ...

    with task("probe", total=budget, unit="requests", quiet=config.quiet) as advance:
        ...; advance()

Phases nest (the taint phase runs inside the rules phase): a phase started while another is
drawn becomes one more line of the same display, since a terminal holds one live display.
Updates are cheap: `advance()` only adds to a counter, and the display is redrawn at most
REFRESH_SECONDS apart, from the caller's thread (no refresh thread, so a phase never keeps a
thread alive across the scan's fork, see parallel.py). `silenced()` turns progress off
where a second process would draw over the first one's display.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO, TypeVar

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

T = TypeVar("T")

#: The least time between two redraws of the display.
REFRESH_SECONDS = 0.1

_state = threading.local()  # `silenced` is per thread (and so per forked process)
_display: Progress | None = None  # the display every phase in progress draws into
_lock = threading.Lock()


def enabled(*, quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether to draw: never with --quiet, never when stderr is a file or a pipe, never in
    a `silenced()` block."""
    target = sys.stderr if stream is None else stream
    return not quiet and not getattr(_state, "silenced", False) and target.isatty()


@contextmanager
def silenced() -> Iterator[None]:
    """No progress inside this block (the forked child of a two-process scan)."""
    before = getattr(_state, "silenced", False)
    _state.silenced = True
    try:
        yield
    finally:
        _state.silenced = before


def _no_op(_steps: int = 1) -> None:
    return None


@contextmanager
def task(
    description: str,
    total: int | None,
    *,
    unit: str = "",
    quiet: bool,
    stream: TextIO | None = None,
) -> Iterator[Callable[[int], None]]:
    """One phase; yields `advance(steps=1)`. `total=None` means unknown (no count is shown
    beyond what is done). `description` and `unit` are ours, never project text."""
    global _display
    if not enabled(quiet=quiet, stream=stream):
        yield _no_op
        return
    with _lock:
        owner = _display is None
        if owner:
            from nodeward.progress_display import new_display  # rich loads only to draw

            _display = new_display(stream)
            _display.start()
        display = _display
        assert display is not None  # noqa: S101 - set just above
        task_id: TaskID = display.add_task(description, total=total, unit=unit)
        display.refresh()
    pending = 0
    last = time.monotonic()

    def advance(steps: int = 1) -> None:
        nonlocal pending, last
        with _lock:  # the probe advances from its worker threads
            pending += steps
            now = time.monotonic()
            if now - last >= REFRESH_SECONDS:
                display.advance(task_id, pending)
                pending = 0
                last = now
                display.refresh()

    try:
        yield advance
    finally:
        with _lock:
            display.remove_task(task_id)
            if owner:
                display.stop()
                _display = None
            else:
                display.refresh()


def track(
    items: Iterable[T],
    description: str,
    unit: str = "",
    *,
    quiet: bool,
    stream: TextIO | None = None,
) -> Iterator[T]:
    """Yield `items`, counting each one in a phase."""
    total = len(items) if isinstance(items, Sized) else None
    with task(description, total, unit=unit, quiet=quiet, stream=stream) as advance:
        for item in items:
            yield item
            advance(1)
