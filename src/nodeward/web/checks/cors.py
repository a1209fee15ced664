"""CORS: a wildcard with credentials, a reflected Origin, a trusted `null` origin."""

from __future__ import annotations

from nodeward.findings import Severity
from nodeward.web.checks.context import ProbeContext
from nodeward.web.exchange import Exchange

FOREIGN_ORIGIN = "https://nodeward-origin.invalid"


def check(ctx: ProbeContext) -> None:
    url = ctx.client.settings.target
    for origin in (FOREIGN_ORIGIN, "null"):
        outcome = ctx.client.send("GET", url, headers=[("Origin", origin)], follow_redirects=False)
        if isinstance(outcome, Exchange):
            _judge(ctx, outcome, origin)


def _judge(ctx: ProbeContext, exchange: Exchange, origin: str) -> None:
    allowed = exchange.response.header("access-control-allow-origin")
    credentials = (exchange.response.header("access-control-allow-credentials") or "").lower()
    with_credentials = credentials.strip() == "true"
    if allowed is None:
        return
    allowed = allowed.strip()
    if allowed == "*":
        if with_credentials:
            ctx.results.add(
                "NW304",
                exchange,
                "CORS allows any origin (*) together with credentials; list the trusted "
                "origins: cors({ origin: ['https://app.example'], credentials: true })",
            )
        return
    if allowed != origin:
        return
    what = "the `null` origin" if origin == "null" else "any Origin it is sent (reflected)"
    ctx.results.add(
        "NW304",
        exchange,
        f"CORS trusts {what}{' with credentials' if with_credentials else ''}; "
        "check the Origin against a fixed allow-list",
        severity=None if with_credentials else Severity.MEDIUM,
    )
