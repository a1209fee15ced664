"""The progress display drawn on a terminal (rich): loaded only when progress is drawn, so a
--quiet run or one whose stderr is not a terminal never imports rich for it."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text


class _CountColumn(ProgressColumn):
    """`120/450`; while the total is unknown, `120`, or nothing before the first step."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        if task.total is not None:
            return Text(f"{done}/{int(task.total)}", style="progress.download")
        return Text(str(done) if done else "", style="progress.download")


def new_display(stream: TextIO | None) -> Progress:
    console = Console(file=sys.stderr if stream is None else stream, stderr=stream is None)
    return Progress(
        TextColumn("[bold]{task.description}:"),
        _CountColumn(),
        TextColumn("{task.fields[unit]}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,  # the display disappears when done: stderr keeps only real messages
        auto_refresh=False,  # redrawn by `advance`, throttled, with no thread of its own
    )
