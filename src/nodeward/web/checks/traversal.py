"""Path traversal through any input: a relative climb or an absolute path to /etc/passwd
comes back with its content (which the control answer does not show)."""

from __future__ import annotations

import re

from nodeward.web.checks.attempt import Attempt

PASSWD = re.compile(r"root:[x*]?:0:0:")
TRAVERSALS = (
    "../../../../../../../../../../etc/passwd",
    "/etc/passwd",
    "....//....//....//....//....//....//....//....//etc/passwd",
)


def check(attempt: Attempt) -> bool:
    if PASSWD.search(attempt.control_text()):
        return False
    for value in TRAVERSALS:
        exchange = attempt.send(value)
        if exchange is None:
            return False
        match = PASSWD.search(exchange.response.text)
        if match:
            return attempt.found(
                "NW105",
                exchange,
                f"The {attempt.point.describe()} reads files outside its folder (/etc/passwd "
                "came back); resolve the path and check it stays inside the base folder, or "
                "map names to files with an allow-list",
                around=match.group(0),
            )
    return False
