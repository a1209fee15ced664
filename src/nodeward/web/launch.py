"""Running the live probe for a command: a Config turned into checked ProbeOptions, the
probe run, and its Report for `nodeward probe` (`nodeward scan --url` runs the probe as
one of the scan's analyzers: web/analyzer.py)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from nodeward import __version__
from nodeward.catalog import rules_for
from nodeward.config import Config, ConfigError
from nodeward.findings import Report
from nodeward.web.analyzer import run_logged
from nodeward.web.safety import GUARDED_METHODS, split_patterns

if TYPE_CHECKING:
    from nodeward.web.probe import ProbeOptions
    from nodeward.web.routes import StaticRoute


def input_options(config: Config) -> dict[str, Any]:
    """ProbeOptions fields of the input flags (commands.probe.add_input_flags), checked."""
    if config.login_json is not None:
        if not config.login_url:
            raise ConfigError("--login-json needs --login-url")
        if config.login_data is not None:
            raise ConfigError("give --login-data or --login-json, not both")
        try:
            body = json.loads(config.login_json)
        except ValueError as error:
            raise ConfigError(f"--login-json: not valid JSON ({error})") from None
        if not isinstance(body, dict):
            raise ConfigError('--login-json: expected a JSON object, e.g. \'{"user": "a"}\'')
    if config.openapi is not None and not config.openapi.is_file():
        raise ConfigError(f"--openapi {config.openapi}: no such file")
    return {"login_json": config.login_json, "openapi": config.openapi}


def _split_header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise ConfigError(f"--header {text!r}: expected 'Name: value'")
    return name.strip(), value.strip()


def _split_cookie(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"--cookie {text!r}: expected name=value")
    return name.strip(), value.strip()


def probe_options(
    config: Config, routes: tuple[StaticRoute, ...] = (), *, scan: bool
) -> ProbeOptions:
    # The probe (its checks, its HTTP client) loads only when a probe runs: a static scan
    # never needs it.
    from nodeward.web.probe import ProbeOptions, is_loopback, validate_url

    url = config.url or ""
    problem = validate_url(url)
    if problem is not None:
        raise ConfigError(problem)
    for number, name in (
        (config.max_requests, "--max-requests"),
        (config.concurrency, "--concurrency"),
        (config.max_body, "--max-body"),
    ):
        if number <= 0:
            raise ConfigError(f"{name} must be a positive whole number")
    if config.max_time < 0:
        raise ConfigError("--max-time must be 0 (no limit) or a number of seconds")
    active = config.active if config.active is not None else scan and is_loopback(url)
    options = ProbeOptions(
        url=url,
        active=active,
        scope=config.scope,
        max_requests=config.max_requests,
        max_login_attempts=max(1, config.max_login_attempts),
        concurrency=config.concurrency,
        rate=config.rate,
        timeout=config.timeout,
        headers=tuple(_split_header(h) for h in config.probe_headers),
        cookies=tuple(_split_cookie(c) for c in config.probe_cookies),
        login_url=config.login_url,
        login_data=config.login_data,
        browser=config.browser,
        routes=routes,
        max_time=config.max_time,
        max_body=config.max_body,
        allow_unsafe=config.allow_unsafe,
        allow_methods=config.allow_methods,
        include=config.probe_include,
        exclude=config.probe_exclude,
        confirm_crash=config.confirm_crash,
        **input_options(config),
    )
    try:
        options.policy()
    except ValueError as error:
        raise ConfigError(f"probe URL pattern {error}") from None
    unknown = {m.upper() for m in split_patterns(config.allow_methods)} - GUARDED_METHODS
    if unknown:
        raise ConfigError(
            f"--allow-methods {', '.join(sorted(unknown))}: only DELETE, PUT and PATCH need it"
        )
    return options


def probe_report(config: Config) -> Report:
    """`nodeward probe URL`: the live findings alone."""
    started = time.perf_counter()
    result = run_logged(probe_options(config, scan=False), config)
    return Report(
        tool_version=__version__,
        root=config.url or "",
        findings=tuple(sorted(result.findings, key=lambda f: f.sort_key)),
        skips=tuple(sorted(result.skips, key=lambda s: (s.target, s.reason))),
        rules_run=result.rules_run,
        unevaluated=result.unevaluated,
        duration_seconds=round(time.perf_counter() - started, 3),
        probe=result.coverage,
        rules=rules_for({*result.rules_run, *(f.rule for f in result.findings)}),
    )
