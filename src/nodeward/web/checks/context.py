"""What every live check receives: the client, where results go, and what was crawled."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from nodeward.web.client import ProbeClient
from nodeward.web.crawl import Endpoint, SiteMap
from nodeward.web.examples import curl_shapes
from nodeward.web.exchange import Exchange
from nodeward.web.inputs import InjectionPoint, RequestShape, injection_points, shapes_of_links
from nodeward.web.results import Results


@dataclass
class ProbeContext:
    client: ProbeClient
    results: Results
    site: SiteMap
    authenticated: bool = False
    max_login_attempts: int = 15
    routes: tuple[str, ...] = ()
    """Paths of the static route table (with sample values), when a project was given."""
    extra: dict[str, Exchange] = field(default_factory=dict)
    shapes: tuple[RequestShape, ...] = ()
    """Complete requests known beforehand (static route table, OpenAPI): their inputs are
    varied besides what the crawl found."""

    @property
    def base(self) -> str:
        parts = urlsplit(self.client.settings.target)
        return f"{parts.scheme}://{parts.netloc}"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)


def injection_points_of(ctx: ProbeContext) -> list[InjectionPoint]:
    """Every input to vary: crawled links and forms, known request shapes (routes, OpenAPI)
    and the requests the pages document as curl command lines."""
    documented = curl_shapes(ctx.site.pages.values(), ctx.base)
    linked = shapes_of_links(ctx.site.pages)
    return injection_points(ctx.site.endpoints, ctx.site.forms, [*ctx.shapes, *documented, *linked])


def token(prefix: str = "nw") -> str:
    """A unique marker no real page contains."""
    return prefix + secrets.token_hex(4)


def with_param(endpoint: Endpoint, name: str, value: str) -> str:
    params = [(k, value if k == name else v) for k, v in endpoint.params]
    return f"{endpoint.url}?{urlencode(params)}"


def route_key(url: str) -> str:
    return urlsplit(url).path or "/"
