"""Brute-force protection on login routes: at most --max-login-attempts wrong passwords,
stopping at the first 429 or lockout; then whether a spoofed X-Forwarded-For resets it."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

from nodeward.web.checks.context import ProbeContext, route_key
from nodeward.web.crawl import Form, FormField
from nodeward.web.exchange import Exchange, Request

_LOGIN_PATH = re.compile(r"/(log-?in|sign-?in|auth|session|authenticate)(/|$)", re.I)
_LOCKOUT = re.compile(r"too many|locked|try again later|rate limit", re.I)
_LIMIT_HEADERS = (
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
    "ratelimit-limit",
    "x-ratelimit-limit",
)


def login_forms(ctx: ProbeContext) -> list[Form]:
    forms: dict[str, Form] = {}
    for form in ctx.site.forms:
        if form.method == "POST" and form.has_password:
            forms.setdefault(form.action, form)
    for path in ctx.routes:
        url = ctx.url(path)
        if _LOGIN_PATH.search(path) and url not in forms:
            fields = (FormField("username", "text", ""), FormField("password", "password", ""))
            forms[url] = Form(url, url, "POST", fields)
    return list(forms.values())


def _limited(exchange: Exchange) -> bool:
    status = exchange.response.status
    return status in (423, 429, 503) or bool(
        status in (400, 401, 403) and _LOCKOUT.search(exchange.response.text[:2000])
    )


def _attempt(ctx: ProbeContext, form: Form, spoof: str | None = None) -> Exchange | None:
    user = next((f.name for f in form.fields if f.kind in ("text", "email")), None)
    overrides = {
        f.name: "nodeward-" + secrets.token_hex(6) for f in form.fields if f.kind == "password"
    }
    if user:
        overrides[user] = "nodeward-probe@example.com"
    headers = [("Content-Type", "application/x-www-form-urlencoded")]
    if spoof:
        headers.append(("X-Forwarded-For", spoof))
    outcome = ctx.client.send(
        "POST",
        form.action,
        body=urlencode(form.sample_data(**overrides)).encode(),
        headers=headers,
        authenticated=False,
        follow_redirects=False,
    )
    return outcome if isinstance(outcome, Exchange) else None


def check(ctx: ProbeContext) -> None:
    for form in login_forms(ctx):
        refusal = ctx.client.refusal("POST", form.action)
        if refusal is not None:
            reason = (
                "NW720/NW741 (brute force) not checked: wrong passwords are state-changing "
                f"requests (they may lock an account); {refusal}"
            )
            ctx.client.coverage.refused(Request("POST", form.action), reason)
            ctx.results.not_checked(("NW720", "NW741"), reason)
            continue
        ctx.results.checked(("NW720", "NW741"))
        _hammer(ctx, form)


def _hammer(ctx: ProbeContext, form: Form) -> None:
    path = route_key(form.action)
    last: Exchange | None = None
    for attempt in range(1, ctx.max_login_attempts + 1):
        last = _attempt(ctx, form)
        if last is None:
            return
        if last.response.status == 404 and attempt == 1:
            return  # a guessed route that does not exist
        if _limited(last):
            _after_limit(ctx, form, last, attempt)
            return
    if last is not None:
        ctx.results.add(
            "NW720",
            last,
            f"POST {path} accepted {ctx.max_login_attempts} wrong passwords in a row without a "
            "429 or a lockout (the probe sent no more than that, for a made-up account); add "
            "a limiter: app.post('/login', rateLimit({ windowMs: "
            "15 * 60 * 1000, limit: 5 }), login)",
            key=path,
        )


def _after_limit(ctx: ProbeContext, form: Form, limited: Exchange, attempt: int) -> None:
    path = route_key(form.action)
    spoofed = _attempt(ctx, form, spoof=f"203.0.113.{secrets.randbelow(250) + 1}")
    if spoofed is not None and not _limited(spoofed):
        advertised = [h for h in _LIMIT_HEADERS if limited.response.header(h)]
        ctx.results.add(
            "NW741",
            spoofed,
            f"POST {path} was rate limited after {attempt} attempts "
            f"({', '.join(advertised) or 'without Retry-After or RateLimit headers'}), but one "
            "more with a new X-Forwarded-For was answered normally; trust only your own "
            "proxies (app.set('trust proxy', 1)) or key the limit on the account",
            key=path,
        )
