"""Open redirects through query parameters (path traversal is checked on every input by
checks/injection.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from urllib.parse import urljoin, urlsplit

from nodeward.web.checks.context import ProbeContext, route_key, with_param
from nodeward.web.crawl import Endpoint
from nodeward.web.exchange import Exchange

#: A host under .invalid (RFC 2606): it cannot resolve, and the scope guard never follows.
REDIRECT_HOST = "nodeward-redirect.invalid"
_REDIRECT_PARAMS = re.compile(
    r"^(url|uri|redirect|redirect_?ur[il]|next|return|return_?to|returnurl|goto|dest|"
    r"destination|continue|target|to|r|u|link|callback|forward)$",
    re.I,
)


def _redirect(ctx: ProbeContext, endpoint: Endpoint, name: str) -> None:
    key = f"{route_key(endpoint.url)}:{name}"
    for value in (f"https://{REDIRECT_HOST}/", f"//{REDIRECT_HOST}/", f"/\\{REDIRECT_HOST}/"):
        outcome = ctx.client.send("GET", with_param(endpoint, name, value), follow_redirects=False)
        if not isinstance(outcome, Exchange):
            return
        location = outcome.response.header("location") or ""
        refresh = outcome.response.header("refresh") or ""
        target = urljoin(outcome.request.url, location.replace("\\", "/")) if location else ""
        if (
            outcome.response.status in (301, 302, 303, 307, 308)
            and urlsplit(target).hostname == REDIRECT_HOST
        ) or REDIRECT_HOST in refresh:
            ctx.results.add(
                "NW540",
                outcome,
                f"GET {route_key(endpoint.url)} redirects to any host given in {name!r}; "
                "accept only relative paths (starting with one '/') or an allow-list",
                key=key,
                parameter=name,
            )
            return


def _jobs(ctx: ProbeContext) -> Iterator[partial[None]]:
    for endpoint in ctx.site.endpoints:
        for name, value in endpoint.params:
            if _REDIRECT_PARAMS.match(name) or value.startswith(("/", "http:", "https:")):
                yield partial(_redirect, ctx, endpoint, name)


def check(ctx: ProbeContext) -> None:
    ctx.client.send_many(_jobs(ctx))
