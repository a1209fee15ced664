"""Blind command injection: the shell's output never comes back (execFileSync with a shell
whose result is dropped, a command run for its exit code), but its time does.

The oracle alternates a `sleep` of DELAY seconds with `sleep 0` in the same place of the
same payload, twice: slow, fast, slow, fast. A slow endpoint, a loaded machine or one
stalled request cannot produce that pattern (the slow answers must each take at least
DELAY, which only a sleep guarantees; the fast ones less). The check runs only when the
control answer is fast and the per-request timeout leaves room for the sleep."""

from __future__ import annotations

import time

from nodeward.web.checks.attempt import Attempt
from nodeward.web.exchange import Exchange

#: Seconds the payload asks the shell to sleep.
DELAY = 2.0
#: A slow answer takes at least this long (`sleep` never returns early) ...
SLOW = DELAY * 0.95
#: ... and a fast one less than this.
FAST = DELAY * 0.75
#: How a `sleep` joins the command line: after it, piped, substituted, on a new line; a
#: comment ends the line so that what the app appends cannot break the sleep.
_SEPARATORS = ((";", " #"), ("|", " #"), ("$(", ")"), ("`", "`"), ("\n", " #"))


def _timed(attempt: Attempt, value: str) -> tuple[Exchange | None, float]:
    started = time.monotonic()
    exchange = attempt.send(value)
    return exchange, time.monotonic() - started


def command(attempt: Attempt) -> bool:
    if attempt.ctx.client.settings.timeout < DELAY + 2:
        return False
    value = attempt.point.value
    control, seconds = _timed(attempt, value)
    if control is None or seconds >= FAST:
        return False  # an endpoint slow on its own tells nothing by its time
    for opening, closing in _SEPARATORS:
        payload = f"{value}{opening}sleep {{}}{closing}"
        slow, seconds = _timed(attempt, payload.format(int(DELAY)))
        if slow is None or seconds < SLOW:
            continue
        if _alternates(attempt, payload):
            return attempt.found(
                "NW103",
                slow,
                f"The {attempt.point.describe()} reaches a shell: `sleep {int(DELAY)}` after "
                f"{opening.strip() or 'a new line'} delays the answer by {int(DELAY)} s and "
                "`sleep 0` does not, twice; use execFile with an argument array, never a "
                "shell with a string",
            )
        return False
    return False


def _alternates(attempt: Attempt, payload: str) -> bool:
    """fast (sleep 0), slow (sleep DELAY), fast again."""
    for seconds_asked, wanted_slow in ((0, False), (int(DELAY), True), (0, False)):
        exchange, seconds = _timed(attempt, payload.format(seconds_asked))
        if exchange is None or (seconds >= SLOW) != wanted_slow:
            return False
        if not wanted_slow and seconds >= FAST:
            return False
    return True
