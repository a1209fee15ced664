"""Reflected XSS: a unique marker inside markup, and a check of where it lands."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from nodeward.web.checks.context import (
    ProbeContext,
    injection_points_of,
    route_key,
    token,
    with_param,
)
from nodeward.web.crawl import Endpoint
from nodeward.web.exchange import Exchange
from nodeward.web.inputs import InjectionPoint, Place, send

#: Elements whose content the browser never parses as markup.
_INERT = re.compile(r"<(textarea|title|noscript|xmp|plaintext|iframe)\b[^>]*>", re.I)


@dataclass(frozen=True)
class Candidate:
    """A reflected payload the browser step may confirm."""

    url: str
    parameter: str
    exchange: Exchange


def payload(marker: str) -> str:
    return f"{marker}'\"><i id={marker}>"


def executable_context(html: str, marker: str) -> bool:
    """True when `<i id=marker>` arrived as a live tag: not escaped, not in a comment or an
    element whose content is text."""
    tag = f"<i id={marker}>"
    position = html.find(tag)
    if position < 0:
        return False
    before = html[:position]
    if before.rfind("<!--") > before.rfind("-->"):
        return False
    for opened in _INERT.finditer(before):
        name = opened.group(1).lower()
        if before.lower().find(f"</{name}", opened.end()) < 0:
            return False
    return True


def _probe(ctx: ProbeContext, endpoint: Endpoint, name: str, found: list[Candidate]) -> None:
    key = f"{route_key(endpoint.url)}:{name}"
    if ctx.results.has("NW901", key):
        return
    marker = token("nwx")
    url = with_param(endpoint, name, payload(marker))
    outcome = ctx.client.send("GET", url)
    if not isinstance(outcome, Exchange) or not outcome.response.is_html:
        return
    if executable_context(outcome.response.text, marker):
        found.append(Candidate(url, name, outcome))
        ctx.results.add(
            "NW901",
            outcome,
            f"Parameter {name!r} of GET {route_key(endpoint.url)} is reflected into the page "
            "as live HTML; escape it (template auto-escaping) instead of building HTML strings",
            key=key,
            parameter=name,
            around=marker,
        )


def _probe_point(ctx: ProbeContext, point: InjectionPoint, found: list[Candidate]) -> None:
    """Path parameters, body fields and the query parameters of known requests."""
    if ctx.results.has("NW901", point.key):
        return
    marker = token("nwx")
    outcome = send(ctx.client, point, payload(marker))
    if outcome is None or not outcome.response.is_html:
        return
    if executable_context(outcome.response.text, marker):
        if point.shape.method == "GET":
            found.append(Candidate(outcome.request.url, point.name, outcome))
        ctx.results.add(
            "NW901",
            outcome,
            f"The {point.describe()} is reflected into the page as live HTML; escape it "
            "(template auto-escaping) instead of building HTML strings",
            key=point.key,
            parameter=point.name,
            around=marker,
            page=point.shape.base + point.shape.path,
        )


def _jobs(ctx: ProbeContext, found: list[Candidate]) -> Iterator[partial[None]]:
    for endpoint in ctx.site.endpoints:
        for name, _ in endpoint.params:
            yield partial(_probe, ctx, endpoint, name, found)
    for point in injection_points_of(ctx):
        # Query parameters of crawled links are the endpoints above; those of routes and
        # OpenAPI operations are not.
        known = point.place is Place.QUERY and point.shape.source != "crawl"
        if known or point.place in (Place.PATH, Place.FORM, Place.JSON, Place.MULTIPART):
            yield partial(_probe_point, ctx, point, found)


def check(ctx: ProbeContext) -> list[Candidate]:
    found: list[Candidate] = []
    ctx.client.send_many(_jobs(ctx, found))
    return found
