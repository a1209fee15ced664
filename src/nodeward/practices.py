"""The Node.js security practices and classic risks that nodeward reports on, as data."""

from __future__ import annotations

from enum import Enum


class Practice(Enum):
    """A practice (or a classic risk) a rule checks; the scorecard reports one row per member."""

    INJECTION = ("injection", "Parameterized queries / injection", "practice")
    AUTHENTICATION = ("authentication", "Strong authentication", "practice")
    SECURITY_HEADERS = ("security-headers", "Security headers", "practice")
    ERROR_HANDLING = ("error-handling", "Uncaught exceptions and error handling", "practice")
    ACCESS_CONTROL = ("access-control", "Access control and rate limiting", "practice")
    DATA_LEAKS = ("data-leaks", "Send the client only the data it needs", "practice")
    BRUTE_FORCE = ("brute-force", "Brute-force protection", "practice")
    COOKIES_SESSIONS = ("cookies-sessions", "Cookie flags and session management", "practice")
    INPUT_SANITIZING = ("input-sanitizing", "Input sanitizing / XSS", "practice")
    NOT_ROOT = ("not-root", "Not running as root", "practice")
    CSRF = ("csrf", "Cross-site request forgery", "risk")
    X_POWERED_BY = ("x-powered-by", "X-Powered-By header", "risk")
    DEFAULT_COOKIE_NAMES = ("default-cookie-names", "Default session cookie names", "risk")
    DENIAL_OF_SERVICE = ("denial-of-service", "Denial of service", "risk")
    VULNERABLE_DEPENDENCIES = ("vulnerable-dependencies", "Vulnerable npm dependencies", "risk")
    UPDATED_DEPENDENCIES = ("updated-dependencies", "Keep npm libraries updated", "practice")
    SECRETS = ("secrets", "Secrets kept out of code", "practice")

    def __init__(self, slug: str, title: str, kind: str) -> None:
        self.slug = slug
        self.title = title
        self.kind = kind

    @classmethod
    def from_slug(cls, slug: str) -> Practice:
        for practice in cls:
            if practice.slug == slug:
                return practice
        raise ValueError(f"unknown practice {slug!r}")
