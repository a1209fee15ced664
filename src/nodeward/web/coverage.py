"""The probe's coverage table: every URL requested (methods, inputs, the stages that sent
them) and every request refused as unsafe or excluded, with the reason."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

from nodeward.findings import NotSent, ProbeCoverage, ProbedUrl
from nodeward.web.exchange import Request

#: Rows kept for the report; a probe stays within its request budget, refusals are capped.
MAX_ROWS = 1000


#: Characters a URL may show as they are; the rest (controls, bidi overrides, any non-ASCII
#: a hostile page put in a link or a field name) are percent-encoded in the report.
_SHOWN = "/:?#[]@!$&'()*+,;=%~"


def page_of(url: str) -> str:
    return quote(urlsplit(url)._replace(query="", fragment="").geturl(), safe=_SHOWN)


def input_names(request: Request) -> set[str]:
    names = {k for k, _ in parse_qsl(urlsplit(request.url).query, keep_blank_values=True)}
    kind = next((v.lower() for k, v in request.headers if k.lower() == "content-type"), "")
    body = request.body[:100_000]
    if "x-www-form-urlencoded" in kind:
        names |= {k for k, _ in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)}
    elif "json" in kind:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            names |= {str(k) for k in data}
    return {quote(name.split("[", 1)[0][:60], safe=_SHOWN) for name in names if name}


@dataclass
class _Row:
    methods: set[str] = field(default_factory=set)
    inputs: set[str] = field(default_factory=set)
    stages: set[str] = field(default_factory=set)
    requests: int = 0
    with_session: int = 0


class CoverageRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, _Row] = {}
        self._refused: set[tuple[str, str, str]] = set()
        self._stages: list[str] = []
        self.stage = "crawl"
        """The probe stage now running; stages run one after another."""
        self.guarded: re.Pattern[str] | None = None
        """Paths of the routes the static analysis saw behind an auth guard: a request to
        them without the session only meets the login wall, so it does not count as probing
        them."""

    def begin(self, stage: str) -> None:
        self.stage = stage
        if stage not in self._stages:
            self._stages.append(stage)

    def sent(self, request: Request, with_session: bool = False) -> None:
        guarded = self.guarded
        if not with_session and guarded and guarded.fullmatch(urlsplit(request.url).path):
            return
        names = input_names(request)
        with self._lock:
            row = self._rows.get(page_of(request.url))
            if row is None:
                if len(self._rows) >= MAX_ROWS:
                    return
                row = self._rows.setdefault(page_of(request.url), _Row())
            row.methods.add(request.method)
            row.inputs |= names
            row.stages.add(self.stage)
            row.requests += 1
            row.with_session += with_session

    def refused(self, request: Request, reason: str) -> None:
        with self._lock:
            if len(self._refused) < MAX_ROWS:
                self._refused.add((request.method, page_of(request.url), reason))

    def build(
        self, target: str, mode: str, requests: int, seconds: float, stopped: str | None
    ) -> ProbeCoverage:
        with self._lock:
            urls = tuple(
                ProbedUrl(
                    url,
                    tuple(sorted(row.methods)),
                    tuple(sorted(row.inputs)),
                    tuple(s for s in self._stages if s in row.stages),
                    row.requests,
                    row.with_session,
                )
                for url, row in sorted(self._rows.items())
            )
            not_sent = tuple(
                NotSent(method, url, reason)
                for method, url, reason in sorted(self._refused, key=lambda r: (r[1], r[0], r[2]))
            )
        return ProbeCoverage(
            target=target,
            mode=mode,
            requests=requests,
            seconds=seconds,
            stopped=stopped,
            checks=tuple(self._stages),
            urls=urls,
            not_sent=not_sent,
        )
