"""The probe's command-line surface: the `probe` subcommand, the probe flags shared with
`scan --url`, and turning a Config into ProbeOptions and a Report (`scan --url` runs the
probe as an analyzer: web/analyzer.py)."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nodeward import __version__
from nodeward.argtypes import AppendTuple
from nodeward.config import Config, ConfigError, build_config
from nodeward.findings import Report
from nodeward.web.analyzer import run_logged
from nodeward.web.safety import GUARDED_METHODS, split_patterns

if TYPE_CHECKING:
    from nodeward.web.probe import ProbeOptions
    from nodeward.web.routes import StaticRoute


def add_probe_flags(parser: argparse.ArgumentParser, *, with_url: bool) -> None:
    s = argparse.SUPPRESS
    if with_url:
        parser.add_argument(
            "--url", default=s, help="also probe the running app at this URL and merge"
        )
    parser.add_argument(
        "--active",
        action=argparse.BooleanOptionalAction,
        default=s,
        help="send active (safe) payloads; default: off for `probe`, on for `scan --url` "
        "against loopback targets only",
    )
    parser.add_argument(
        "--scope",
        action=AppendTuple,
        default=s,
        metavar="ORIGIN",
        help="another origin the probe may contact (repeatable)",
    )
    parser.add_argument(
        "--max-requests", type=int, default=s, metavar="N", help="request budget (default 2000)"
    )
    parser.add_argument(
        "--max-login-attempts",
        type=int,
        default=s,
        metavar="N",
        help="wrong passwords sent per login route (default 15)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=s,
        metavar="N",
        help="requests in flight at once (default 8)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=s,
        metavar="PER_SECOND",
        help="at most this many requests per second (default: unlimited)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=s,
        metavar="SECONDS",
        help="per-request timeout (default 10)",
    )
    parser.add_argument(
        "--header",
        dest="probe_headers",
        action=AppendTuple,
        default=s,
        metavar="'NAME: VALUE'",
        help="send this header (repeatable)",
    )
    parser.add_argument(
        "--cookie",
        dest="probe_cookies",
        action=AppendTuple,
        default=s,
        metavar="NAME=VALUE",
        help="send this cookie (repeatable)",
    )
    parser.add_argument("--login-url", default=s, help="log in by POSTing --login-data here")
    parser.add_argument(
        "--login-data", default=s, metavar="user=a&password=b", help="form fields for --login-url"
    )
    parser.add_argument(
        "--browser",
        action="store_true",
        default=s,
        help="confirm reflected XSS in headless chromium (nodeward[browser])",
    )
    add_probe_safety_flags(parser, scan=with_url)
    add_input_flags(parser)


def add_probe_safety_flags(parser: argparse.ArgumentParser, *, scan: bool) -> None:
    """What the probe may send and for how long. `scan` has its own --exclude (for files),
    so there the URL filters are spelled --probe-exclude / --probe-include."""
    s = argparse.SUPPRESS
    patterns = "glob on the URL path (and query), `*` crosses `/`; re:EXPR for a regex"
    parser.add_argument(
        "--max-time",
        type=float,
        default=s,
        metavar="SECONDS",
        help="stop the probe after this long and report what was found (default 600; 0: none)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=s,
        metavar="BYTES",
        help="read at most this much of each answer's body (default 1000000)",
    )
    parser.add_argument(
        "--allow-unsafe",
        action=AppendTuple,
        default=s,
        metavar="PATTERN",
        help="with --active, send state-changing requests (POST, /logout, /delete, ...) to "
        f"URLs matching PATTERN ({patterns}; repeatable, comma lists)",
    )
    parser.add_argument(
        "--allow-methods",
        action=AppendTuple,
        default=s,
        metavar="METHOD",
        help="also send DELETE, PUT or PATCH (to --allow-unsafe URLs; repeatable, comma lists)",
    )
    include = ("--probe-include",) if scan else ("--include", "--probe-include")
    exclude = ("--probe-exclude",) if scan else ("--exclude", "--probe-exclude")
    parser.add_argument(
        *include,
        dest="probe_include",
        action=AppendTuple,
        default=s,
        metavar="PATTERN",
        help=f"probe only URLs matching PATTERN ({patterns}; repeatable, comma lists)",
    )
    parser.add_argument(
        *exclude,
        dest="probe_exclude",
        action=AppendTuple,
        default=s,
        metavar="PATTERN",
        help=f"never request URLs matching PATTERN ({patterns}; repeatable, comma lists)",
    )
    parser.add_argument(
        "--confirm-crash",
        action="store_true",
        default=s,
        help="replay the request blamed for a crash or a degraded target once it is back",
    )


def add_input_flags(parser: argparse.ArgumentParser) -> None:
    """What the probe learns about the app's inputs and how it logs in (JSON APIs)."""
    s = argparse.SUPPRESS
    parser.add_argument(
        "--login-json",
        default=s,
        metavar="JSON",
        help="log in by POSTing this JSON object to --login-url; a token in the answer "
        "is sent as Authorization: Bearer",
    )
    parser.add_argument(
        "--openapi",
        type=Path,
        default=s,
        metavar="FILE",
        help="also probe the operations of this OpenAPI 3 description (JSON or YAML)",
    )


def input_options(config: Config) -> dict[str, Any]:
    """ProbeOptions fields of add_input_flags, checked."""
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


def add_probe_command(sub: Any) -> None:
    from nodeward.cli import _add_report_flags, _codes

    parser = sub.add_parser("probe", help="safely probe a running app over HTTP")
    parser.add_argument("url", help="the app's base URL, e.g. http://127.0.0.1:3000/")
    _add_report_flags(parser)
    parser.add_argument(
        "--select",
        type=_codes,
        action="extend",
        default=argparse.SUPPRESS,
        metavar="CODES",
        help="only these live rule codes or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--ignore",
        type=_codes,
        action="extend",
        default=argparse.SUPPRESS,
        metavar="CODES",
        help="leave out these live rule codes or prefixes",
    )
    add_probe_flags(parser, with_url=False)
    parser.set_defaults(handler=_cmd_probe)


def _cmd_probe(args: argparse.Namespace) -> int:
    from nodeward.cli import _emit

    flags = {k: v for k, v in vars(args).items() if k not in ("command", "handler", "url", "color")}
    for key in ("select", "ignore"):
        if key in flags:
            flags[key] = tuple(flags[key])
    config = replace(build_config(Path(), None, flags), url=args.url)
    return _emit(probe_report(config), config, color=args.color)


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
    )
