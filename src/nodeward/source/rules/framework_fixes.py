"""The fix a rule suggests, in the words of the app's own framework: a Fastify app is told
to register @fastify/rate-limit, a NestJS app to apply ThrottlerGuard, never to add an
Express middleware it cannot use. The words are each framework's own (`Framework.fixes`,
source/frameworks); code that knows no framework gets Express's."""

from __future__ import annotations

from nodeward.source.frameworks.base import Framework
from nodeward.source.frameworks.express import EXPRESS


def rate_limit_fix(framework: Framework | None) -> str:
    """How to put a rate limiter in front of a route of this framework."""
    return (framework or EXPRESS).fixes.rate_limit


def global_rate_limit_fix(framework: Framework | None) -> str:
    """How to limit every route of an app of this framework."""
    return (framework or EXPRESS).fixes.global_rate_limit


def csrf_fix(framework: Framework) -> str:
    """How to add CSRF protection to the state-changing routes of this framework."""
    return framework.fixes.csrf


def helmet_fix(framework: Framework) -> str:
    """How to apply the security-header middleware of this framework."""
    return framework.fixes.helmet
