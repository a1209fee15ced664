"""Cache-Control on pages that only a logged-in user gets."""

from __future__ import annotations

from nodeward.web.checks.context import ProbeContext, route_key
from nodeward.web.exchange import Exchange

_PRIVATE = ("no-store", "private")
MAX_PAGES = 30


def check(ctx: ProbeContext) -> None:
    if not ctx.authenticated:
        return
    pages = [
        (url, ex)
        for url, ex in ctx.site.pages.items()
        if ex.response.status == 200 and (ex.response.is_html or ex.response.is_json)
    ]
    for _, exchange in pages[:MAX_PAGES]:
        cache = (exchange.response.header("cache-control") or "").lower()
        if any(word in cache for word in _PRIVATE):
            continue
        url = exchange.response.url  # where the logged-in request ended up
        if not _needs_login(ctx, url):
            continue
        path = route_key(url)
        ctx.results.add(
            "NW342",
            exchange,
            f"GET {path} needs a login but is sent with "
            f"{'Cache-Control: ' + cache if cache else 'no Cache-Control'}; "
            "send Cache-Control: no-store",
            key=path,
        )


def _needs_login(ctx: ProbeContext, url: str) -> bool:
    """Without the session the page is refused, or redirects somewhere else (a login)."""
    anonymous = ctx.client.send("GET", url, authenticated=False)
    if not isinstance(anonymous, Exchange):
        return False
    response = anonymous.response
    return response.status in (401, 403) or route_key(response.url) != route_key(url)
