"""What the probe sent and what came back: pure data the checks read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

#: Values that must never reach a report verbatim.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
_SECRET_TEXT = re.compile(
    # JWT, from the start of its `[\w-]` run to the first `eyJ` in it (a search from every
    # `eyJ` of a long run would read the run again each time); _shown keeps the prefix
    r"((?<![\w-])(?:(?!eyJ)[\w-])*+(?P<jwt>eyJ)[\w-]{6,}\.[\w-]{6,}\.[\w-]{6,}"
    r"|\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}"  # bcrypt
    r"|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe-style keys
    r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key id
    r"|(?i:password|passwd|secret|token)\s*[=:]\s*\"?[^\s\"&,;]{4,})"
)


def redact(text: str) -> str:
    """Keep the first characters of secrets so a reader recognises them, hide the rest."""
    return _SECRET_TEXT.sub(lambda m: m.group(0)[: _shown(m)] + "…[redacted]", text)


def _shown(match: re.Match[str]) -> int:
    """How much of a secret stays readable: its first 8 characters (after the word a JWT
    is glued to, which the pattern takes along)."""
    return (match.start("jwt") - match.start() if match.group("jwt") else 0) + 8


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def excerpt(self) -> str:
        lines = [f"{self.method} {self.url}"]
        for name, value in self.headers:
            shown = "[redacted]" if name.lower() in _SECRET_HEADERS else value
            lines.append(f"{name}: {shown}")
        if self.body:
            lines += ["", redact(self.body[:300].decode("utf-8", "replace"))]
        return "\n".join(lines)


@dataclass(frozen=True)
class Response:
    status: int
    url: str
    headers: tuple[tuple[str, str], ...]
    """(lower-cased name, value) in the order received; repeated headers stay separate."""
    body: bytes
    truncated: bool = False

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")

    @property
    def is_json(self) -> bool:
        return self.content_type == "application/json" or self.content_type.endswith("+json")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def excerpt(self, around: str | None = None, width: int = 300) -> str:
        lines = [f"HTTP {self.status}"]
        lines += [
            f"{name}: {'[redacted]' if name in _SECRET_HEADERS else value}"
            for name, value in self.headers
            if name != "set-cookie"
        ]
        lines += [f"set-cookie: {_cookie_shape(v)}" for v in self.header_values("set-cookie")]
        text = self.text
        start = max(0, text.find(around) - width // 2) if around and around in text else 0
        body = text[start : start + width]
        if body:
            lines += ["", redact(body)]
        return "\n".join(lines)


def _cookie_shape(value: str) -> str:
    """A Set-Cookie header with the cookie's value hidden but its attributes kept."""
    name, _, rest = value.partition("=")
    attributes = rest.partition(";")[2]
    return f"{name}=[redacted];{attributes}" if attributes else f"{name}=[redacted]"


@dataclass(frozen=True)
class Exchange:
    request: Request
    response: Response


class FailureKind(Enum):
    OUT_OF_SCOPE = "out of scope"
    BUDGET = "request budget exhausted"
    CONNECT = "cannot connect"
    TIMEOUT = "timed out"
    DROPPED = "connection dropped"
    TLS = "TLS error"
    REDIRECT_LOOP = "redirect loop"
    CRASHED = "the app stopped answering"
    INVALID = "invalid request"
    UNSAFE = "not sent"
    """Refused by the safety policy: state-changing, excluded or not included."""
    STOPPED = "probe stopped"
    """Sent after the probe stopped (time limit, degraded target, Ctrl-C)."""
    TOO_LARGE = "answer headers too large"


@dataclass(frozen=True)
class Failure:
    request: Request
    kind: FailureKind
    detail: str

    def describe(self) -> str:
        return f"{self.request.method} {self.request.url}: {self.kind.value} ({self.detail})"


Outcome = Exchange | Failure
