"""Framework-aware app and route rules: on Fastify and NestJS apps the absence rules
(headers, CSRF, rate limiting) point at the app creation and name the framework's own
tool; Fastify session plugins and reply.setCookie are judged like their Express peers;
odd shapes never crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from nodeward.findings import Finding, SourceLocation
from nodeward.scan import scan_path
from nodeward.source.frameworks.registry import FASTIFY, FRAMEWORKS, NESTJS
from nodeward.source.rules.framework_fixes import (
    csrf_fix,
    global_rate_limit_fix,
    helmet_fix,
    rate_limit_fix,
)

RULES = FIXTURES / "rules"
CODES = {
    "NW301",
    "NW302",
    "NW501",
    "NW702",
    "NW720",
    "NW801",
    "NW802",
    "NW803",
    "NW804",
    "NW805",
    "NW806",
}


def _findings(root: Path) -> list[Finding]:
    report = scan_path(root)
    crashed = [s for s in report.skips if "internal error" in s.reason]
    assert not crashed, crashed
    return [f for f in report.findings if f.rule in CODES]


def _message(root: Path, code: str, path: str, line: int) -> str:
    found = [
        f.message
        for f in _findings(root)
        if f.rule == code
        and isinstance(f.location, SourceLocation)
        and (f.location.path, f.location.line) == (path, line)
    ]
    assert len(found) == 1, (code, path, line, found)
    return found[0]


def test_fastify_login_without_limiter_names_fastify_rate_limit() -> None:
    message = _message(RULES / "rules_fastify_csrf_js", "NW720", "server.js", 24)
    assert message == (
        "POST /login is an authentication route with no rate limiter in its chain "
        "(@fastify/cookie, @fastify/session); register @fastify/rate-limit and limit the "
        "route: { config: { rateLimit: { max: 5, timeWindow: '15 minutes' } } }"
    )


def test_nest_login_without_throttler_names_throttler_guard() -> None:
    root = RULES / "rules_nestjs_hardening_ts"
    message = _message(root, "NW720", "src/auth/auth.controller.ts", 13)
    assert message.endswith("; " + rate_limit_fix(NESTJS))
    assert "ThrottlerGuard" in message
    assert "express-rate-limit" not in message


def test_no_rate_limiting_points_at_the_fastify_app_and_names_its_plugin() -> None:
    message = _message(RULES / "rules_fastify_csrf_js", "NW702", "server.js", 10)
    assert message == (
        "POST /login accepts credentials, and nothing in the project limits request rates "
        "(no express-rate-limit, rate-limiter-flexible, @fastify/rate-limit, "
        "@nestjs/throttler, ...); register a global limiter: app.register(rateLimit, "
        "{ max: 100, timeWindow: '1 minute' }) from @fastify/rate-limit, and a stricter "
        "config.rateLimit on the login routes"
    )


def test_no_rate_limiting_on_nest_points_at_nest_factory() -> None:
    root = RULES / "rules_nestjs_hardening_ts"
    message = _message(root, "NW702", "src/main.ts", 9)
    assert message.startswith("POST /auth/login accepts credentials")
    assert message.endswith(global_rate_limit_fix(NESTJS))


def test_fastify_csrf_message_names_csrf_protection_hook() -> None:
    message = _message(RULES / "rules_fastify_csrf_js", "NW501", "server.js", 10)
    assert message == (
        "2 state-changing routes of app `app` use the cookie of @fastify/session without "
        "CSRF protection: POST /login, POST /account/email; register "
        "@fastify/csrf-protection and run its hook before them: app.addHook('onRequest', "
        "app.csrfProtection) (or onRequest: app.csrfProtection on each route), and set the "
        'session cookie\'s sameSite to "lax"'
    )


def test_fastify_signed_auth_cookie_counts_as_a_session() -> None:
    message = _message(RULES / "rules_fastify_cookie_auth_ts", "NW501", "app.ts", 6)
    assert "signed credential cookies of @fastify/cookie" in message
    assert "POST /signin, PUT /account/email" in message


def test_nest_headers_point_at_nest_factory_with_nest_fix() -> None:
    root = RULES / "rules_nestjs_hardening_ts"
    message = _message(root, "NW301", "src/main.ts", 9)
    assert message.startswith("NestJS app created here, but no security-header middleware")
    assert message.endswith(helmet_fix(NESTJS))
    assert _message(root, "NW501", "src/main.ts", 9).endswith(
        csrf_fix(NESTJS) + ', and set the session cookie\'s sameSite to "lax"'
    )


def test_fastify_headers_message_names_fastify_helmet() -> None:
    message = _message(RULES / "rules_fastify_csrf_ts", "NW301", "src/server.ts", 16)
    assert message.endswith("register @fastify/helmet before the routes: app.register(helmet)")


NEST_ON_FASTIFY = """\
import { NestFactory } from "@nestjs/core";
import { FastifyAdapter, type NestFastifyApplication } from "@nestjs/platform-fastify";
import { Controller, Get } from "@nestjs/common";

@Controller("health")
export class HealthController {
  @Get()
  check(): string {
    return "ok";
  }
}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    HealthController,
    new FastifyAdapter(),
  );
  await app.listen(3000);
}
void bootstrap();
"""


def test_nest_on_fastify_adapter_is_told_to_register_fastify_helmet(tmp_path: Path) -> None:
    (tmp_path / "main.ts").write_text(NEST_ON_FASTIFY, encoding="utf-8")
    found = {(f.rule, f.message) for f in _findings(tmp_path)}
    # Fastify sends no X-Powered-By, also under Nest.
    assert not [rule for rule, _m in found if rule == "NW302"]
    messages = [m for rule, m in found if rule == "NW301"]
    assert len(messages) == 1
    assert messages[0].endswith(helmet_fix(FASTIFY))
    assert messages[0].startswith("NestJS app created here")


def test_nest_on_fastify_with_fastify_helmet_is_covered(tmp_path: Path) -> None:
    source = NEST_ON_FASTIFY.replace(
        "  await app.listen(3000);",
        '  await app.register(require("@fastify/helmet"));\n  await app.listen(3000);',
    )
    (tmp_path / "main.ts").write_text(source, encoding="utf-8")
    assert not [f for f in _findings(tmp_path) if f.rule in ("NW301", "NW302")]


@pytest.mark.parametrize(
    "source",
    [
        'const app = require("fastify")();\napp.register();\n'
        'app.register(require("@fastify/session"));\n',
        'const app = require("fastify")();\nconst s = require("@fastify/session");\n'
        "app.register(s, loadOptions());\napp.register(s, [1, 2]);\n",
        'const app = require("fastify")();\napp.post("/login", {}, async (req, reply) => '
        'reply.setCookie());\napp.post("/auth", async (req, reply) => reply.setCookie(token));\n',
        "const { NestFactory } = require('@nestjs/core');\nNestFactory.create();\n",
    ],
)
def test_odd_shapes_do_not_crash(tmp_path: Path, source: str) -> None:
    (tmp_path / "app.js").write_text(source, encoding="utf-8")
    _findings(tmp_path)  # asserts no internal error


def test_every_fix_names_each_framework() -> None:
    app_frameworks = [f for f in FRAMEWORKS if any(f.creations.values())]
    assert len(app_frameworks) >= 4
    for framework in app_frameworks:
        for fix in (rate_limit_fix, global_rate_limit_fix, csrf_fix, helmet_fix):
            assert fix(framework)
    assert "@fastify/csrf-protection" in csrf_fix(FASTIFY)
    assert "@nestjs/throttler" in global_rate_limit_fix(NESTJS)


FASTIFY_SESSION_APP = """\
const app = require("fastify")();
app.register(require("@fastify/cookie"));
app.register(require("@fastify/session"), {
  secret: process.env.SESSION_SECRET,
  cookieName: "sid_x",
  cookie: { sameSite: SAME_SITE },
});
app.post("/account/email", async (request) => ({ ok: request.session.userId }));
"""


@pytest.mark.parametrize(("same_site", "reported"), [('"strict"', False), ('"none"', True)])
def test_fastify_session_same_site_decides_csrf(
    tmp_path: Path, same_site: str, reported: bool
) -> None:
    source = FASTIFY_SESSION_APP.replace("SAME_SITE", same_site)
    (tmp_path / "app.js").write_text(source, encoding="utf-8")
    found = [(f.rule, f.location) for f in _findings(tmp_path) if f.rule == "NW501"]
    assert bool(found) is reported
    if reported:
        assert isinstance(found[0][1], SourceLocation)
        assert (found[0][1].path, found[0][1].line) == ("app.js", 1)


def test_csrf_finding_names_the_cookie_reading_middleware_and_lists_each_route() -> None:
    """A JWT kept in a cookie is a cookie credential: one finding per app, at the app,
    with every exposed route (in the routers of other files) as a related location."""
    report = scan_path(RULES / "csrf_cookie_token_js", offline=True, select=("NW501",))
    [finding] = [f for f in report.findings if f.rule == "NW501"]
    assert isinstance(finding.location, SourceLocation)
    assert (finding.location.path, finding.location.line) == ("app.js", 7)
    assert finding.message.startswith(
        "2 state-changing routes of app `app` use the credential cookie that `requireUser` "
        "reads without CSRF protection: POST /notes, DELETE /notes/:id;"
    )
    assert [(s.location.path, s.location.line, s.description) for s in finding.flow] == [
        ("routes/notes.js", 6, "POST /notes changes state without a CSRF token check"),
        ("routes/notes.js", 7, "DELETE /notes/:id changes state without a CSRF token check"),
    ]
