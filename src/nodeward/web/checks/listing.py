"""Directory listings (serve-index, nginx/Apache autoindex, python http.server)."""

from __future__ import annotations

import re

from nodeward.web.checks.context import route_key
from nodeward.web.exchange import Exchange
from nodeward.web.results import Results

_LISTING = re.compile(r"<title>\s*(?:listing directory /|Index of /|Directory listing for /)", re.I)


def check(exchange: Exchange, results: Results) -> None:
    response = exchange.response
    if response.status != 200 or not response.is_html or not _LISTING.search(response.text):
        return
    path = route_key(exchange.request.url)
    results.add(
        "NW610",
        exchange,
        f"{path} shows a directory listing; remove serve-index (or autoindex) and serve only "
        "named files",
        key=path,
    )
