"""Brute force on the app model: authentication routes with no rate limit or lockout."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source.appmodel import Guard
from nodeward.source.appmodel.inspect import chain_names, handler_text, is_auth_route
from nodeward.source.rules.framework_fixes import rate_limit_fix

_ATTEMPT_COUNTER = re.compile(
    r"failed_?attempts|login_?attempts|attempts|lock_?until|lockout|locked_?until|\.consume\(",
    re.IGNORECASE,
)

LOGIN_NO_RATE_LIMIT = RuleMeta(
    code="NW720",
    name="login-no-rate-limit",
    title="Authentication route without rate limiting or lockout",
    cwe=(307,),
    owasp=Owasp.A07,
    practices=(Practice.BRUTE_FORCE, Practice.ACCESS_CONTROL),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports login, token, password-reset and OTP routes (by path, or because the "
        "handler calls bcrypt.compare / argon2.verify or the chain runs "
        'passport.authenticate("local")) whose middleware chain has no rate limiter, '
        "slow-down or brute-force guard (express-rate-limit, express-slow-down, "
        "express-brute, rate-limiter-flexible; on Fastify @fastify/rate-limit registered "
        "globally or a route's `config.rateLimit`; on NestJS ThrottlerGuard, global or in "
        "`@UseGuards`, unless `@SkipThrottle()`) and whose handler keeps no attempt "
        "counter. The fix names the app's framework's own limiter."
    ),
    why=(
        "Without a limit an attacker can try passwords, reset tokens or one-time codes as "
        "fast as the server answers: credential stuffing and code guessing succeed."
    ),
    example='router.post("/login", passport.authenticate("local"), done);',
    use_instead=(
        "const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, limit: 5 });\n"
        'router.post("/login", loginLimiter, passport.authenticate("local"), done);'
    ),
    fix=(
        "Put a rate limiter in the route's chain: rateLimit({ windowMs: 15 * 60 * 1000, "
        "limit: 5 }) from express-rate-limit, or a rate-limiter-flexible consume() per "
        "user and IP; on Fastify @fastify/rate-limit with the route's "
        "config.rateLimit, on NestJS ThrottlerGuard with @Throttle()"
    ),
    references=(
        "OWASP Authentication Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html",
        "Express security best practices (brute force): https://expressjs.com/en/advanced/best-practice-security.html",
        "@fastify/rate-limit: https://github.com/fastify/fastify-rate-limit",
        "NestJS rate limiting: https://docs.nestjs.com/security/rate-limiting",
    ),
)


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    for app in analysis.app_model.apps:
        for route in app.routes:
            if not route.complete or not is_auth_route(route):
                continue
            if route.guarded_by(Guard.RATE_LIMIT) or _ATTEMPT_COUNTER.search(handler_text(route)):
                continue
            yield LOGIN_NO_RATE_LIMIT.finding(
                route.location,
                f"{route.label} is an authentication route with no rate limiter in its chain "
                f"({chain_names(route)}); {rate_limit_fix(app.framework)}",
            )


CHECKER = Checker(rules=(LOGIN_NO_RATE_LIMIT,), check_project=_check_project)
