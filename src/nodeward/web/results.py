"""Thread-safe collection of live findings and skips, one finding per weakness."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

from nodeward.catalog import get_rule
from nodeward.findings import (
    Confidence,
    Evidence,
    Finding,
    HttpLocation,
    Severity,
    Skip,
    Unevaluated,
)
from nodeward.web.exchange import Exchange


class Results:
    def __init__(self, enabled: Callable[[str], bool] = lambda _code: True) -> None:
        self._enabled = enabled
        self._lock = threading.Lock()
        self._findings: dict[tuple[str, str], Finding] = {}
        self._skips: dict[tuple[str, str], Skip] = {}
        self._not_checked: dict[str, str] = {}
        self._checked: set[str] = set()

    def add(
        self,
        code: str,
        exchange: Exchange,
        message: str,
        *,
        key: str = "",
        parameter: str | None = None,
        around: str | None = None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        fix: str | None = None,
        page: str | None = None,
    ) -> None:
        """Record a finding of rule `code` proven by `exchange`. Findings with the same
        code and `key` are one weakness: the first one seen is kept. App-wide weaknesses use
        an empty key; route-level ones the route."""
        if not self._enabled(code):
            return
        rule = get_rule(code)
        if rule is None:
            self.skip(code, "rule not registered in this build; live check skipped")
            return
        request = exchange.request
        # Without the query: payloads carry random markers, and the location feeds the
        # fingerprint that baselines match on. The evidence keeps the full request.
        # `page` names the route when the payload sits in the path itself.
        page = page or urlsplit(request.url)._replace(query="", fragment="").geturl()
        location = HttpLocation(url=page, method=request.method, parameter=parameter)
        evidence = Evidence(
            location=location,
            description=f"{request.method} {request.url} -> HTTP {exchange.response.status}",
            request=request.excerpt(),
            response=exchange.response.excerpt(around),
        )
        finding = rule.finding(
            location,
            message,
            evidence=(evidence,),
            severity=severity,
            confidence=confidence,
            fix=fix,
        )
        with self._lock:
            self._findings.setdefault((code, key), finding)

    def add_finding(self, finding: Finding) -> None:
        """A finding built without an exchange (e.g. the crash, which has no response)."""
        if self._enabled(finding.rule):
            with self._lock:
                self._findings.setdefault((finding.rule, ""), finding)

    def confirm_xss(self, exchange: Exchange, parameter: str, executed: bool) -> None:
        """The browser's verdict on a reflected-XSS finding: confirmed when the payload ran,
        kept at lower confidence when it did not."""
        with self._lock:
            for key, finding in self._findings.items():
                if key[0] != "NW901" or finding.evidence[0].request != exchange.request.excerpt():
                    continue
                self._findings[key] = replace(
                    finding,
                    confirmed=executed,
                    confidence=Confidence.HIGH if executed else Confidence.LOW,
                )

    def skip(self, target: str, reason: str) -> None:
        with self._lock:
            self._skips.setdefault((target, reason), Skip(target, reason))

    def checked(self, codes: tuple[str, ...]) -> None:
        """A check of these rules sent its requests (for one target at least)."""
        with self._lock:
            self._checked.update(codes)

    def not_checked(self, codes: tuple[str, ...], reason: str) -> None:
        """A check of these rules could not run on one target (e.g. not allowed to send a
        state-changing request); the first reason is kept."""
        with self._lock:
            for code in codes:
                self._not_checked.setdefault(code, reason)

    @property
    def unevaluated(self) -> tuple[Unevaluated, ...]:
        """Rules whose checks never ran, with why: the scorecard shows them as not checked
        instead of passed."""
        with self._lock:
            return tuple(
                Unevaluated(code, reason)
                for code, reason in sorted(self._not_checked.items())
                if code not in self._checked and self._enabled(code)
            )

    def has(self, code: str, key: str = "") -> bool:
        with self._lock:
            return (code, key) in self._findings

    @property
    def findings(self) -> tuple[Finding, ...]:
        with self._lock:
            return tuple(self._findings.values())

    @property
    def skips(self) -> tuple[Skip, ...]:
        with self._lock:
            return tuple(self._skips.values())
