"""Stack traces and verbose errors in response bodies, including Node 20's JSON parse
errors (the probe sends one malformed JSON body to provoke them)."""

from __future__ import annotations

import re

from nodeward.web.checks.context import ProbeContext, route_key
from nodeward.web.exchange import Exchange
from nodeward.web.results import Results

# Linear on any body: no nested or overlapping quantifiers (a 1 MB line of spaces must not
# stall the probe).
_STACK = re.compile(
    r"(?:^|<br>)(?:[ \t]|&nbsp;)*at (?:new |async )?(?:[^\s()]+(?: \[as [^\]\s]+\])? \()?"
    r"(?:file://)?(?:/|[A-Za-z]:\\|node:)"
    r"[^)\n<]*:\d+:\d+",
    re.M,
)
_VERBOSE = re.compile(
    r"(?:SyntaxError: (?:Unexpected token|Expected property name|Unexpected end of JSON)"
    r"|in JSON at position \d+"
    r"|is not valid JSON"
    r"|(?:TypeError|ReferenceError|RangeError): [^<\n]{3,}"
    r"|ECONNREFUSED \d|ER_[A-Z_]+:|SequelizeDatabaseError|MongoServerError)"
)


def leak_in(text: str) -> str | None:
    """The first stack frame or verbose error text in a body, if any."""
    match = _STACK.search(text) or _VERBOSE.search(text)
    if match is None:
        return None
    return " ".join(re.sub(r"<br>|&nbsp;", " ", match.group(0)).split())[:120]


def check(exchange: Exchange, results: Results) -> None:
    leak = leak_in(exchange.response.text)
    if leak is None:
        return
    path = route_key(exchange.request.url)
    results.add(
        "NW401",
        exchange,
        f"{exchange.request.method} {path} answers HTTP {exchange.response.status} with error "
        f"details ({leak[:80]!r}); set NODE_ENV=production and end with an error handler "
        "that sends a generic message",
        key="",  # one leak shows the error handler is verbose app-wide
        around=leak[:40],
    )


def provoke(ctx: ProbeContext) -> None:
    """Send a malformed JSON body to the start page and each POST form action. The start
    page gets it with GET (body parsers read a JSON body whatever the method, and a GET
    changes nothing); the form actions with POST, which the safety policy lets through only
    where the user allowed state-changing requests."""
    requests = [("GET", ctx.client.settings.target)]
    requests += [("POST", f.action) for f in ctx.site.forms if f.method == "POST"]
    for method, url in sorted(set(requests))[:5]:
        ctx.client.send(  # the passive checks read the answer
            method,
            url,
            body=b'{"nodeward": ',
            headers=[("Content-Type", "application/json")],
            follow_redirects=False,
        )
