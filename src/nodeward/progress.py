"""Progress bars on stderr for long work (parsing, probing, advisory database import).

Results go to stdout and may be piped, so bars only ever go to stderr, and only when stderr
is a terminal and the run is not `--quiet`; otherwise every helper here is a no-op. Usage:

    for item in track(items, "Parsing", quiet=config.quiet): ...

    with task("Probing", total=len(urls), quiet=config.quiet) as advance:
        ...; advance()
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

T = TypeVar("T")

#: Fewer items than this finish too fast for a bar to be worth drawing.
MIN_ITEMS = 50


def enabled(*, quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether to draw: never with --quiet, never when stderr is a file or a pipe."""
    target = sys.stderr if stream is None else stream
    return not quiet and target.isatty()


def _no_op(_steps: int = 1) -> None:
    return None


@contextmanager
def task(
    description: str,
    total: int | None,
    *,
    quiet: bool,
    stream: TextIO | None = None,
) -> Iterator[Callable[[int], None]]:
    """A bar for one piece of work; yields `advance(steps=1)`. `total=None` means unknown."""
    if not enabled(quiet=quiet, stream=stream) or (total is not None and total < MIN_ITEMS):
        yield _no_op
        return
    console = Console(file=sys.stderr if stream is None else stream, stderr=stream is None)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,  # the bar disappears when done: stderr keeps only real messages
    ) as bar:
        task_id = bar.add_task(description, total=total)

        def advance(steps: int = 1) -> None:
            bar.advance(task_id, steps)

        yield advance


def track(
    items: Iterable[T],
    description: str,
    *,
    quiet: bool,
    stream: TextIO | None = None,
) -> Iterator[T]:
    """Yield `items`, advancing a bar after each one."""
    total = len(items) if isinstance(items, Sized) else None
    with task(description, total, quiet=quiet, stream=stream) as advance:
        for item in items:
            yield item
            advance(1)
