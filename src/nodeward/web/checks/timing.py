"""Blind injection by time: the output of a shell or of evaluated JavaScript never comes back
(execFileSync with a shell whose result is dropped, a command run for its exit code, an
eval whose value is ignored), but its time does.

The oracle alternates a `sleep` of DELAY seconds with `sleep 0` in the same place of the
same payload, twice: slow, fast, slow, fast. A slow endpoint, a loaded machine or one
stalled request cannot produce that pattern (the slow answers must each take at least
DELAY, which only a sleep guarantees; the fast ones less). The check runs only when the
control answer is fast and the per-request timeout leaves room for the sleep. Evaluated
JavaScript gets a busy-wait loop of DELAY seconds in place of the sleep (JavaScript has no
blocking sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable

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


#: A loop that returns after the given milliseconds, and how it is spliced into evaluated
#: text: alone, closing a string literal of either quote, or after a statement.
_BUSY = "(function(){{var e=Date.now()+{ms};while(Date.now()<e);return 1}})()"
_CODE_SHAPES = ("{busy}", "'+{busy}+'", '"+{busy}+"', ";{busy}//")


def _fast_control(attempt: Attempt) -> bool:
    """The timeout leaves room for the delay and the unchanged value is answered fast (an
    endpoint slow on its own tells nothing by its time)."""
    if attempt.ctx.client.settings.timeout < DELAY + 2:
        return False
    control, seconds = _timed(attempt, attempt.point.value)
    return control is not None and seconds < FAST


def code(attempt: Attempt) -> bool:
    """Evaluated JavaScript whose value never shows: a busy-wait delays the answer."""
    if not _fast_control(attempt):
        return False
    for shape in _CODE_SHAPES:

        def payload(seconds: int, shape: str = shape) -> str:
            return shape.format(busy=_BUSY.format(ms=seconds * 1000))

        slow, seconds = _timed(attempt, payload(int(DELAY)))
        if slow is None or seconds < SLOW:
            continue
        if _alternates(attempt, payload):
            return attempt.found(
                "NW104",
                slow,
                f"The {attempt.point.describe()} is evaluated as JavaScript: a loop that "
                f"runs for {int(DELAY)} s delays the answer by as much and one that runs for "
                "0 s does not, twice; never pass input to eval, Function or vm, parse it "
                "(JSON.parse, Number) instead",
            )
        return False
    return False


def command(attempt: Attempt) -> bool:
    if not _fast_control(attempt):
        return False
    value = attempt.point.value
    for opening, closing in _SEPARATORS:

        def payload(seconds: int, opening: str = opening, closing: str = closing) -> str:
            return f"{value}{opening}sleep {seconds}{closing}"

        slow, seconds = _timed(attempt, payload(int(DELAY)))
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


def _alternates(attempt: Attempt, payload: Callable[[int], str]) -> bool:
    """fast (a delay of 0), slow (DELAY), fast again."""
    for seconds_asked, wanted_slow in ((0, False), (int(DELAY), True), (0, False)):
        exchange, seconds = _timed(attempt, payload(seconds_asked))
        if exchange is None or (seconds >= SLOW) != wanted_slow:
            return False
        if not wanted_slow and seconds >= FAST:
            return False
    return True
