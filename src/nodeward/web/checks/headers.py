"""Security headers: the ones Helmet 8 sets by default, CSP and HSTS quality, and headers
that reveal the software (X-Powered-By, a versioned Server)."""

from __future__ import annotations

import re

from nodeward.web.exchange import Exchange
from nodeward.web.results import Results

#: Helmet 8 defaults (HSTS is checked separately, only on HTTPS).
HELMET_HEADERS = (
    "content-security-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "origin-agent-cluster",
    "referrer-policy",
    "x-content-type-options",
    "x-dns-prefetch-control",
    "x-download-options",
    "x-frame-options",
    "x-permitted-cross-domain-policies",
)
_VERSION = re.compile(r"(?<!\d)\d++\.\d")  # from the first digit of a run only
_ONE_YEAR = 31_536_000


def check(exchange: Exchange, results: Results) -> None:
    response = exchange.response
    if response.header("x-powered-by"):
        results.add(
            "NW302",
            exchange,
            f"The app sends X-Powered-By: {response.header('x-powered-by')}; "
            'turn it off with app.disable("x-powered-by") or helmet()',
            around=None,
        )
    server = response.header("server")
    if server and _VERSION.search(server):
        results.add("NW341", exchange, f"The Server header reveals a version: {server!r}; hide it")
    if not response.is_html or response.status >= 400:
        return  # document headers matter on pages a browser renders
    _missing(exchange, results)
    csp = response.header("content-security-policy")
    if csp:
        _weak_csp(exchange, csp, results)
    if exchange.request.url.startswith("https:"):
        _hsts(exchange, results)


def _missing(exchange: Exchange, results: Results) -> None:
    response = exchange.response
    csp = (response.header("content-security-policy") or "").lower()
    missing = [h for h in HELMET_HEADERS if response.header(h) is None]
    if "x-frame-options" in missing and "frame-ancestors" in csp:
        missing.remove("x-frame-options")
    nosniff = response.header("x-content-type-options")
    if nosniff is not None and nosniff.strip().lower() != "nosniff":
        missing.append(f"x-content-type-options (is {nosniff!r}, not nosniff)")
    if missing:
        results.add(
            "NW301",
            exchange,
            f"{exchange.request.url} is served without {', '.join(missing)}; "
            "add app.use(helmet()) before the routes",
        )


def csp_problems(policy: str) -> list[str]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.strip().split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    script = directives.get("script-src", directives.get("default-src"))
    problems = []
    if script is None:
        problems.append("no script-src or default-src")
    else:
        if "'unsafe-inline'" in script and not any(
            s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for s in script
        ):
            problems.append("script-src allows 'unsafe-inline'")
        if "'unsafe-eval'" in script:
            problems.append("script-src allows 'unsafe-eval'")
        wild = [s for s in script if s in ("*", "http:", "https:", "data:")]
        if wild:
            problems.append(f"script-src allows {' '.join(wild)}")
    objects = directives.get("object-src", directives.get("default-src"))
    if objects is None or "'none'" not in objects:
        problems.append("object-src is not 'none'")
    if "frame-ancestors" not in directives:
        problems.append("no frame-ancestors")
    return problems


def _weak_csp(exchange: Exchange, policy: str, results: Results) -> None:
    problems = csp_problems(policy)
    if problems:
        results.add(
            "NW303",
            exchange,
            f"The Content-Security-Policy is weak: {'; '.join(problems)}; "
            "start from helmet()'s default policy and add only the sources you need",
        )


def _hsts(exchange: Exchange, results: Results) -> None:
    value = exchange.response.header("strict-transport-security")
    if value is None:
        results.add("NW340", exchange, "HTTPS pages come without Strict-Transport-Security")
        return
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.I)
    if match is None or int(match.group(1)) < _ONE_YEAR:
        results.add(
            "NW340",
            exchange,
            f"Strict-Transport-Security {value!r} has a max-age under one year",
        )
