"""Path traversal through any input: a relative climb or an absolute path to
/proc/self/status comes back with its content (which the control answer does not show).

The target file is the app's own process status rather than /etc/passwd: the input may
reach a write (fs.writeFile) as well as a read, and /proc/self/status cannot be written,
not even by root, so a traversal that lands in a write changes nothing.

A write (or a read whose content is never shown) is proven by a differential instead: a
climb to /dev/null (which exists everywhere and absorbs what is written) succeeds while the
same climb to a missing folder fails, twice, with fresh names; the answers are compared with
the sent paths removed, so an echo of the path proves nothing. Nothing but /dev/null is
ever opened for writing."""

from __future__ import annotations

import re
import secrets

from nodeward.web.checks.attempt import Attempt, without
from nodeward.web.checks.context import token
from nodeward.web.exchange import Exchange

#: Lines every Linux /proc/<pid>/status has, in this order.
STATUS = re.compile(r"^Tgid:\s+\d+\s*$[\s\S]{0,200}^Pid:\s+\d+\s*$", re.M)
#: The first line of every Unix /etc/passwd (never requested: only recognised when the
#: app's own sample value, e.g. a link's `?file=...`, makes it come back).
PASSWD = re.compile(r"(?:^|>)root:[^:\n<]{0,64}:0:0:[^\n<]{0,200}$", re.M)
CLIMB = "../../../../../../../../../../"
TRAVERSALS = (
    f"{CLIMB}proc/self/status",
    "/proc/self/status",
    "....//....//....//....//....//....//....//....//proc/self/status",
)


def check(attempt: Attempt) -> bool:
    control = attempt.control_text()
    if STATUS.search(control):
        return False
    if _chosen_system_file(attempt, control):
        return True
    for value in TRAVERSALS:
        exchange = attempt.send(value)
        if exchange is None:
            return False
        match = STATUS.search(exchange.response.text)
        if match:
            return attempt.found(
                "NW105",
                exchange,
                f"The {attempt.point.describe()} reads files outside its folder "
                "(/proc/self/status came back); resolve the path and check it stays inside "
                "the base folder, or map names to files with an allow-list",
                around=match.group(0),
            )
    return _blind(attempt)


def _chosen_system_file(attempt: Attempt, control: str) -> bool:
    """The value the app itself offers (a link's `?file=`) answers with a system file that
    a random value does not: the input chooses files outside the app's folder."""
    sample = attempt.sample
    if sample is None or PASSWD.search(control):
        return False
    match = PASSWD.search(sample.response.text) or STATUS.search(sample.response.text)
    if match is None:
        return False
    return attempt.found(
        "NW105",
        sample,
        f"The {attempt.point.describe()} chooses a file outside the app's folder: its value "
        f"{attempt.point.value[:40]!r} answers with a system file's content, a random value "
        "does not; map names to files inside one folder with an allow-list",
        around=match.group(0),
    )


def _pair(attempt: Attempt) -> tuple[Exchange, Exchange, str, str] | None:
    """The answers to a climb to /dev/null and to a missing folder, with what was sent. The
    climb is spelt afresh each time (a random run of `./`, the same in both paths, which
    keep about the same length): a safe twin that saved an earlier payload as one encoded
    file name must not find it again."""
    climb = CLIMB + "./" * (1 + secrets.randbelow(16))
    present = f"{climb}dev/null"
    missing = f"{climb}{token('nwmissing')}/{token('nw')}"
    found, absent = attempt.send(present), attempt.send(missing)
    if found is None or absent is None:
        return None
    return found, absent, present, missing


def _blind(attempt: Attempt) -> bool:
    """A climb to /dev/null is answered differently from the same climb to a missing
    folder, and the difference holds for fresh names."""
    first = _pair(attempt)
    if first is None or not _differs(*first):
        return False
    second = _pair(attempt)
    if second is None or not _differs(*second):
        return False
    if _strip(first[0], *first[2:], *second[2:]) != _strip(second[0], *first[2:], *second[2:]):
        return False  # the /dev/null answers themselves must agree
    return attempt.found(
        "NW105",
        first[0],
        f"The {attempt.point.describe()} opens files outside its folder: a climb to "
        "/dev/null is answered differently from a climb to a missing folder (a write or a "
        "read outside the base folder); resolve the path and check it stays inside the base "
        "folder, or map names to files with an allow-list",
    )


def _differs(found: Exchange, absent: Exchange, present: str, missing: str) -> bool:
    return _strip(found, present, missing) != _strip(absent, present, missing)


def _strip(exchange: Exchange, *sent: str) -> tuple[int, str]:
    """The answer without the sent paths nor any piece of them (an app that echoes only
    the file name or the resolved path must not make two answers differ)."""
    pieces = {piece for path in sent for piece in path.split("/") if piece not in ("", ".", "..")}
    return without(exchange, *sent, *sorted(pieces, key=len, reverse=True))
