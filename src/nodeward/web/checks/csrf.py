"""CSRF: state-changing forms without a token that the app accepts from a foreign Origin."""

from __future__ import annotations

from urllib.parse import urlencode

from nodeward.web.checks.context import ProbeContext, route_key
from nodeward.web.checks.cors import FOREIGN_ORIGIN
from nodeward.web.exchange import Exchange, Request

_REJECTED = (400, 401, 403, 404, 405, 409, 419, 422, 429)


def check(ctx: ProbeContext) -> None:
    seen: set[str] = set()
    for form in ctx.site.forms:
        if form.method not in ("POST", "PUT", "PATCH", "DELETE") or form.has_password:
            continue  # login forms belong to the brute-force check
        if form.has_token or form.action in seen or not ctx.client.in_scope(form.action):
            continue
        seen.add(form.action)
        refusal = ctx.client.refusal(form.method, form.action)
        if refusal is not None:
            reason = f"NW501 (CSRF) not checked: it needs one state-changing request; {refusal}"
            ctx.client.coverage.refused(Request(form.method, form.action), reason)
            ctx.results.not_checked(("NW501",), reason)
            continue
        ctx.results.checked(("NW501",))
        outcome = ctx.client.send(
            form.method,
            form.action,
            body=urlencode(form.sample_data()).encode(),
            headers=[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", FOREIGN_ORIGIN),
                ("Referer", FOREIGN_ORIGIN + "/"),
            ],
            follow_redirects=False,
        )
        if not isinstance(outcome, Exchange) or outcome.response.status in _REJECTED:
            continue
        if outcome.response.status >= 500:
            continue
        path = route_key(form.action)
        ctx.results.add(
            "NW501",
            outcome,
            f"The {form.method} form to {path} (on {route_key(form.page)}) has no CSRF token and "
            f"the app accepted it from Origin {FOREIGN_ORIGIN} (HTTP {outcome.response.status}; "
            "proved with one request carrying sample values, not the form's own); add a CSRF "
            "token (csrf-csrf, csrf-sync) or verify the Origin header",
            key=path,
        )
