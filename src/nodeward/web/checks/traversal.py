"""Path traversal through any input: a relative climb or an absolute path to
/proc/self/status comes back with its content (which the control answer does not show).

The target file is the app's own process status rather than /etc/passwd: the input may
reach a write (fs.writeFile) as well as a read, and /proc/self/status cannot be written,
not even by root, so a traversal that lands in a write changes nothing."""

from __future__ import annotations

import re

from nodeward.web.checks.attempt import Attempt

#: Lines every Linux /proc/<pid>/status has, in this order.
STATUS = re.compile(r"^Tgid:\s+\d+\s*$[\s\S]{0,200}^Pid:\s+\d+\s*$", re.M)
TRAVERSALS = (
    "../../../../../../../../../../proc/self/status",
    "/proc/self/status",
    "....//....//....//....//....//....//....//....//proc/self/status",
)


def check(attempt: Attempt) -> bool:
    if STATUS.search(attempt.control_text()):
        return False
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
    return False
