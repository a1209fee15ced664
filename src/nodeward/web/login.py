"""Logging in before the probe: a form POST (--login-data) keeps the cookies the answer
sets; a JSON POST (--login-json) also keeps a bearer token from the answer (a `token` /
`accessToken` field, or the first JWT-looking string) and sends it as
`Authorization: Bearer`. When an answer shows the session is gone (401, or a redirect to
the login page), the probe logs in again, a few times at most."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from nodeward.web.client import ProbeClient
from nodeward.web.exchange import Exchange
from nodeward.web.results import Results

#: Re-logins per probe: a session that keeps dying is reported, not chased.
MAX_RELOGINS = 3
_TOKEN_FIELDS = frozenset(
    {"token", "accesstoken", "access_token", "jwt", "idtoken", "id_token", "authtoken",
     "auth_token", "bearer"}
)  # fmt: skip
_JWT = re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}")
_MAX_TOKEN = 8192


@dataclass(frozen=True)
class LoginSettings:
    url: str
    """Absolute URL of the login endpoint."""
    form: str | None = None
    """user=a&password=b, posted form-encoded."""
    json_body: str | None = None
    """A JSON object, posted as application/json."""


def absolute_login_url(target: str, login_url: str) -> str:
    if urlsplit(login_url).scheme:
        return login_url
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.netloc}/{login_url.lstrip('/')}"


def find_token(exchange: Exchange) -> str | None:
    """A bearer token in a login answer: a token-named JSON field, else the first JWT."""
    text = exchange.response.text
    if exchange.response.is_json:
        try:
            found = _token_field(json.loads(text), depth=0)
        except ValueError:
            found = None
        if found:
            return found
    match = _JWT.search(text)
    return match.group(0) if match else None


def _token_field(value: object, depth: int) -> str | None:
    if depth > 4:
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if (
                isinstance(key, str)
                and key.lower() in _TOKEN_FIELDS
                and isinstance(item, str)
                and 0 < len(item) <= _MAX_TOKEN
                and item.isprintable()
            ):
                return item
        for item in value.values():
            found = _token_field(item, depth + 1)
            if found:
                return found
    return None


def attempt(client: ProbeClient, settings: LoginSettings) -> str | None:
    """Log in once; None on success, else why it failed."""
    if settings.json_body is not None:
        body = settings.json_body.encode()
        content_type = "application/json"
    else:
        body = urlencode(parse_qsl(settings.form or "", keep_blank_values=True)).encode()
        content_type = "application/x-www-form-urlencoded"
    outcome = client.send(
        "POST",
        settings.url,
        body=body,
        headers=[("Content-Type", content_type)],
        follow_redirects=False,
    )
    if not isinstance(outcome, Exchange):
        return f"login failed: {outcome.kind.value} ({outcome.detail})"
    jar = {}
    for header in outcome.response.header_values("set-cookie"):
        name, _, value = header.split(";", 1)[0].partition("=")
        if name.strip():
            jar[name.strip()] = value.strip()
    token = find_token(outcome) if settings.json_body is not None else None
    if outcome.response.status >= 400 or not (jar or token):
        what = "no cookie or token" if settings.json_body is not None else "no cookie set"
        return f"login did not succeed (HTTP {outcome.response.status}, {what})"
    client.add_session_cookies(jar.items(), "the login answer")  # bounded jar
    if token:
        client.session_headers["Authorization"] = f"Bearer {token}"
    return None


@dataclass
class Relogin:
    """Installed as `client.relogin`: decides whether an answer shows a lost session and,
    if so, logs in again (one at a time, at most MAX_RELOGINS times)."""

    client: ProbeClient
    settings: LoginSettings
    count: int = 0
    _busy: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def lost(self, exchange: Exchange) -> bool:
        login_path = urlsplit(self.settings.url).path
        if urlsplit(exchange.request.url).path == login_path:
            return False  # wrong passwords sent on purpose (brute-force check)
        status = exchange.response.status
        if status == 401:
            return True
        location = exchange.response.header("location")
        if status in (301, 302, 303, 307, 308) and location:
            target = urlsplit(urljoin(exchange.request.url, location)).path
            return target == login_path or bool(re.search(r"/(log|sign)-?in\b", target, re.I))
        return False

    def __call__(self, exchange: Exchange) -> bool:
        if not self.lost(exchange):
            return False
        with self._lock:
            if self._busy or self.count >= MAX_RELOGINS:
                return False
            self._busy = True
            self.count += 1
        try:
            return attempt(self.client, self.settings) is None
        finally:
            with self._lock:
                self._busy = False


def log_in(client: ProbeClient, settings: LoginSettings, results: Results) -> bool:
    """Log in and keep the session for later requests; a failure is a skip."""
    problem = attempt(client, settings)
    if problem is not None:
        results.skip(settings.url, problem)
        return False
    client.relogin = Relogin(client, settings)
    return True
