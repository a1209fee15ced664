"""Access control: admin pages that answer without a session, also under /Admin and
/admin/ spellings that slip past case- or slash-sensitive guards."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.web.checks.context import ProbeContext, route_key, token
from nodeward.web.crawl import parse_page
from nodeward.web.exchange import Exchange

ADMIN_PATHS = ("/admin", "/administrator", "/dashboard", "/admin/users", "/api/admin")
_ADMIN = re.compile(r"/(admin|administrator|dashboard|manage|internal|backoffice)(/|$)", re.I)


def _candidates(ctx: ProbeContext) -> Iterator[str]:
    paths = set(ADMIN_PATHS)
    paths |= {route_key(url) for url in ctx.site.pages if _ADMIN.search(route_key(url))}
    paths |= {p for p in ctx.routes if _ADMIN.search(p) and ":" not in p}
    for path in sorted(paths):
        yield path
        yield path[:1] + path[1:2].upper() + path[2:]  # /Admin
        yield path.rstrip("/") + "/"


def _open(exchange: Exchange, not_found: Exchange | None) -> bool:
    response = exchange.response
    if response.status != 200 or not (response.is_html or response.is_json):
        return False
    if (
        not_found is not None
        and not_found.response.status == 200
        and not_found.response.body == response.body
    ):
        return False  # a catch-all page, not an admin page
    if response.is_html:
        _, forms = parse_page(exchange.request.url, response.text)
        if any(f.has_password for f in forms):
            return False  # a login page
    return True


def check(ctx: ProbeContext) -> None:
    probe_404 = ctx.client.send(
        "GET", ctx.url(f"/admin-{token()}"), authenticated=False, follow_redirects=False
    )
    not_found = probe_404 if isinstance(probe_404, Exchange) else None
    for path in _candidates(ctx):
        canonical = "/" + path.strip("/").lower()
        if ctx.results.has("NW502", canonical):
            continue
        outcome = ctx.client.send("GET", ctx.url(path), authenticated=False, follow_redirects=False)
        if isinstance(outcome, Exchange) and _open(outcome, not_found):
            ctx.results.add(
                "NW502",
                outcome,
                f"GET {path} answers HTTP 200 without a session; put an authentication and "
                f"role check in front of it: app.use('{canonical}', requireAdmin)",
                key=canonical,
            )
