"""The one HTTP helper the advisory sources share: bounded timeouts, one retry."""

from __future__ import annotations

import httpx

from nodeward.deps.advisories.interface import SourceError

TIMEOUT_SECONDS = 15.0


def post_json(url: str, body: bytes, headers: dict[str, str], what: str) -> httpx.Response:
    """POST and return a 2xx response; a timeout or connection error is retried once,
    then it and any other status become a SourceError naming `what`."""
    last: Exception | None = None
    for _attempt in range(2):
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except (httpx.TimeoutException, httpx.TransportError) as error:
            last = error
            continue
        if response.status_code >= 500 and _attempt == 0:
            last = SourceError(f"HTTP {response.status_code}")
            continue
        if response.status_code >= 400:
            raise SourceError(f"{what} answered HTTP {response.status_code} at {url}")
        return response
    kind = "timed out" if isinstance(last, httpx.TimeoutException) else f"failed ({last})"
    raise SourceError(f"{what} {kind} at {url}, after one retry")
