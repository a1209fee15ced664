"""Cookie flags and names as the live app really sets them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from nodeward.web.exchange import Exchange
from nodeward.web.results import Results

DEFAULT_SESSION_NAMES = ("connect.sid", "session", "koa.sess", "koa:sess", "sid")
_SESSION_HINT = re.compile(r"sess|sid|auth|token|jwt|login", re.I)
_THIRTY_DAYS = 30 * 24 * 3600


@dataclass(frozen=True)
class SetCookie:
    name: str
    attributes: dict[str, str]

    @property
    def is_session(self) -> bool:
        return self.name.lower() in DEFAULT_SESSION_NAMES or bool(_SESSION_HINT.search(self.name))

    def lifetime(self) -> float | None:
        """Seconds from now until expiry; None for a browser-session cookie."""
        if "max-age" in self.attributes:
            try:
                return float(self.attributes["max-age"])
            except ValueError:
                return None
        if "expires" in self.attributes:
            try:
                when = parsedate_to_datetime(self.attributes["expires"])
            except (TypeError, ValueError):
                return None
            return (when - datetime.now(UTC)).total_seconds()
        return None


def parse_set_cookie(value: str) -> SetCookie | None:
    first, *rest = value.split(";")
    name, sep, _ = first.partition("=")
    if not sep or not name.strip():
        return None
    attributes = {}
    for part in rest:
        key, _, val = part.partition("=")
        attributes[key.strip().lower()] = val.strip()
    return SetCookie(name.strip(), attributes)


def check(exchange: Exchange, results: Results) -> None:
    for header in exchange.response.header_values("set-cookie"):
        cookie = parse_set_cookie(header)
        if cookie is None or not cookie.is_session:
            continue
        lifetime = cookie.lifetime()
        if lifetime is not None and lifetime <= 0:
            continue  # a logout clearing the cookie
        _flags(exchange, cookie, results, lifetime)


def _flags(exchange: Exchange, cookie: SetCookie, results: Results, lifetime: float | None) -> None:
    name, attrs = cookie.name, cookie.attributes
    if name.lower() in DEFAULT_SESSION_NAMES:
        results.add(
            "NW801",
            exchange,
            f'The session cookie has the default name "{name}"; '
            'set a neutral name: session({ name: "sid_…" })',
            key=name,
        )
    if "secure" not in attrs:
        results.add(
            "NW802",
            exchange,
            f'Session cookie "{name}" is set without Secure, so it also travels over plain '
            "HTTP; set cookie: { secure: true } (and app.set('trust proxy', 1) behind a proxy)",
            key=name,
        )
    if "httponly" not in attrs:
        results.add(
            "NW803",
            exchange,
            f'Session cookie "{name}" is readable from JavaScript (no HttpOnly); '
            "set cookie: { httpOnly: true }",
            key=name,
        )
    same_site = attrs.get("samesite", "").lower()
    if same_site not in ("lax", "strict"):
        shown = f"SameSite={attrs['samesite']}" if "samesite" in attrs else "no SameSite"
        results.add(
            "NW804",
            exchange,
            f'Session cookie "{name}" has {shown}; set cookie: {{ sameSite: "lax" }}',
            key=name,
        )
    if lifetime is not None and lifetime > _THIRTY_DAYS:
        results.add(
            "NW343",
            exchange,
            f'Session cookie "{name}" lives {lifetime / 86400:.0f} days; keep sessions to '
            "hours and renew them on activity",
            key=name,
        )
