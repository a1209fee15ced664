"""The target's health while it is probed: when most of the latest answers are server errors
or failed connections after the target had answered well (and its start page no longer does),
the probe stops and names the request sent just before the first failure of that run, in the
order requests were sent."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from nodeward.web.exchange import Request

WINDOW = 20
DEGRADED_SHARE = 0.8


@dataclass(frozen=True)
class Degradation:
    culprit: Request | None
    """The request sent just before the first failure (None if the first request failed)."""
    culprit_number: int
    """Its number in sending order (1 = the first request)."""
    first_failure: Request
    bad: int
    window: int


class HealthMonitor:
    def __init__(self, window: int = WINDOW, share: float = DEGRADED_SHARE) -> None:
        self._size = window
        self._share = share
        self._lock = threading.Lock()
        self._answers: deque[tuple[int, Request, bool]] = deque(maxlen=window)
        self._sent: dict[int, Request] = {}
        self._healthy_seen = False

    def sent(self, number: int, request: Request) -> None:
        with self._lock:
            self._sent[number] = request

    def reset(self) -> None:
        """Forget the window (after the target was seen answering well)."""
        with self._lock:
            self._answers.clear()

    def request(self, number: int) -> Request | None:
        """The request sent as `number` (1 = the first)."""
        with self._lock:
            return self._sent.get(number)

    def answered(self, number: int, request: Request, *, bad: bool) -> Degradation | None:
        """Record one answer (bad: 5xx or no usable connection); a Degradation when the
        window has just tipped."""
        with self._lock:
            self._answers.append((number, request, bad))
            if not bad:
                self._healthy_seen = True
            if not self._healthy_seen or len(self._answers) < self._size:
                return None
            ordered = sorted(self._answers, key=lambda answer: answer[0])
            if sum(a[2] for a in ordered) < self._share * self._size:
                return None
            start = next(
                i
                for i, answer in enumerate(ordered)
                if answer[2] and sum(a[2] for a in ordered[i:]) >= self._share * (len(ordered) - i)
            )
            first_number, first_request, _ = ordered[start]
            culprit = self._sent.get(first_number - 1)
            return Degradation(
                culprit=culprit,
                culprit_number=first_number - 1,
                first_failure=first_request,
                bad=sum(a[2] for a in ordered),
                window=self._size,
            )
