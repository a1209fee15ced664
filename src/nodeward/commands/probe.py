"""`nodeward probe URL`: the live probe alone; and the probe flags it shares with
`scan --url`. What the flags become (ProbeOptions) is the probe's business:
nodeward.web.launch, loaded only when a probe runs."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from nodeward.argtypes import AppendTuple
from nodeward.commands.emit import emit
from nodeward.commands.flags import add_report_flags, codes


def register(sub: Any) -> None:
    parser = sub.add_parser("probe", help="safely probe a running app over HTTP")
    parser.add_argument("url", help="the app's base URL, e.g. http://127.0.0.1:3000/")
    add_report_flags(parser)
    parser.add_argument(
        "--select",
        type=codes,
        action="extend",
        default=argparse.SUPPRESS,
        metavar="CODES",
        help="only these live rule codes or prefixes (comma-separated)",
    )
    parser.add_argument(
        "--ignore",
        type=codes,
        action="extend",
        default=argparse.SUPPRESS,
        metavar="CODES",
        help="leave out these live rule codes or prefixes",
    )
    add_probe_flags(parser, with_url=False)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from nodeward.config import build_config
    from nodeward.web.launch import probe_report

    flags = {k: v for k, v in vars(args).items() if k not in ("command", "handler", "url", "color")}
    for key in ("select", "ignore"):
        if key in flags:
            flags[key] = tuple(flags[key])
    config = replace(build_config(Path(), None, flags), url=args.url)
    return emit(probe_report(config), config, color=args.color)


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
