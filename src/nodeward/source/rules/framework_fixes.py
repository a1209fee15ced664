"""The fix a rule suggests, in the words of the app's own framework: a Fastify app is told
to register @fastify/rate-limit, a NestJS app to apply ThrottlerGuard, never to add an
Express middleware it cannot use."""

from __future__ import annotations

from typing import assert_never

from nodeward.source.appmodel import Framework


def rate_limit_fix(framework: Framework | None) -> str:
    """How to put a rate limiter in front of a route of this framework."""
    match framework:
        case Framework.FASTIFY:
            return (
                "register @fastify/rate-limit and limit the route: "
                "{ config: { rateLimit: { max: 5, timeWindow: '15 minutes' } } }"
            )
        case Framework.NESTJS:
            return (
                "import ThrottlerModule.forRoot([{ ttl: 60_000, limit: 5 }]) from "
                "@nestjs/throttler and guard the route with @UseGuards(ThrottlerGuard) "
                "(or { provide: APP_GUARD, useClass: ThrottlerGuard })"
            )
        case Framework.KOA:
            return "add koa-ratelimit before the handler: ratelimit({ duration: 900000, max: 5 })"
        case Framework.EXPRESS | None:
            return (
                "add express-rate-limit before the handler: "
                "rateLimit({ windowMs: 15 * 60 * 1000, limit: 5 })"
            )
        case _:
            assert_never(framework)


def global_rate_limit_fix(framework: Framework | None) -> str:
    """How to limit every route of an app of this framework."""
    match framework:
        case Framework.FASTIFY:
            return (
                "register a global limiter: app.register(rateLimit, { max: 100, "
                "timeWindow: '1 minute' }) from @fastify/rate-limit, and a stricter "
                "config.rateLimit on the login routes"
            )
        case Framework.NESTJS:
            return (
                "import ThrottlerModule.forRoot([{ ttl: 60_000, limit: 100 }]) from "
                "@nestjs/throttler and register { provide: APP_GUARD, useClass: "
                "ThrottlerGuard }, with a stricter @Throttle() on the login routes"
            )
        case Framework.KOA:
            return (
                "add a limiter: app.use(ratelimit({ driver: 'memory', db: new Map(), "
                "max: 100 })) from koa-ratelimit, and a stricter one on the login routes"
            )
        case Framework.EXPRESS | None:
            return (
                "add a limiter: app.use(rateLimit({ windowMs: 15 * 60 * 1000, limit: 100 })) "
                "and a stricter one on the login routes"
            )
        case _:
            assert_never(framework)


def csrf_fix(framework: Framework) -> str:
    """How to add CSRF protection to the state-changing routes of this framework."""
    match framework:
        case Framework.FASTIFY:
            return (
                "register @fastify/csrf-protection and run its hook before them: "
                "app.addHook('onRequest', app.csrfProtection) (or onRequest: "
                "app.csrfProtection on each route)"
            )
        case Framework.NESTJS:
            return (
                "apply csrf-csrf's doubleCsrfProtection in main.ts with "
                "app.use(doubleCsrfProtection) (or csrf-sync) before them"
            )
        case Framework.KOA:
            return "add @koa/csrf before them: app.use(new CSRF())"
        case Framework.EXPRESS:
            return "add csrf-csrf's doubleCsrfProtection (or csrf-sync) before them"
        case _:
            assert_never(framework)


def helmet_fix(framework: Framework) -> str:
    """How to apply the security-header middleware of this framework."""
    match framework:
        case Framework.FASTIFY:
            return "register @fastify/helmet before the routes: app.register(helmet)"
        case Framework.NESTJS:
            return "apply Helmet in main.ts before app.listen: app.use(helmet())"
        case Framework.KOA:
            return "add koa-helmet before the routes: app.use(helmet())"
        case Framework.EXPRESS:
            return "add app.use(helmet()) before the routes"
        case _:
            assert_never(framework)
