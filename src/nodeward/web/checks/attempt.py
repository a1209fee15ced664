"""One injection point under test: its payload requests, a cached control answer, and the
finding it proves."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from nodeward.web.checks.context import ProbeContext, token
from nodeward.web.exchange import Exchange
from nodeward.web.inputs import InjectionPoint, send


@dataclass
class Attempt:
    ctx: ProbeContext
    point: InjectionPoint
    _cache: dict[str, Exchange | None] = field(default_factory=dict)
    _markers: list[str] = field(default_factory=list)

    def send(self, value: object, operator: str | None = None) -> Exchange | None:
        return send(self.ctx.client, self.point, value, operator)

    def cached(self, name: str, value: str) -> Exchange | None:
        """A payload several checks share (the sample value, a lone quote): sent once."""
        if name not in self._cache:
            self._cache[name] = self.send(value)
        return self._cache[name]

    @property
    def control(self) -> Exchange | None:
        """The answer to a harmless random value: what no payload's answer may already show."""
        if "control" not in self._cache:
            marker = token("nwc")
            self._markers.append(marker)
            self._cache["control"] = self.send(marker)
        return self._cache["control"]

    @property
    def sample(self) -> Exchange | None:
        return self.cached("sample", self.point.value)

    @property
    def quoted(self) -> Exchange | None:
        return self.cached("quote", self.point.value + "'")

    @property
    def markers(self) -> tuple[str, ...]:
        """The random values sent so far as controls."""
        return tuple(self._markers)

    def control_text(self) -> str:
        control = self.control
        return control.response.text if control is not None else ""

    def found(self, code: str, exchange: Exchange, message: str, around: str | None = None) -> bool:
        self.ctx.results.add(
            code,
            exchange,
            message,
            key=self.point.key,
            parameter=self.point.name,
            around=around,
            page=self.point.shape.base + self.point.shape.path,
        )
        return True


def without(exchange: Exchange, *values: str) -> tuple[int, str]:
    """Status and body with the sent values removed (raw, JSON- and HTML-escaped, URL-
    encoded): two answers that differ only by echoing their payloads compare equal."""
    from urllib.parse import quote, quote_plus

    text = exchange.response.text
    for value in values:
        for form in {
            value,
            json.dumps(value)[1:-1],
            html.escape(value),
            quote(value),
            quote_plus(value),
            html.escape(value, quote=False),
        }:
            if form:
                text = text.replace(form, "")
    return exchange.response.status, text
