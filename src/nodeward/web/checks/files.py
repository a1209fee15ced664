"""Exposed project files: /.env, /package.json, /.git/config and common backups, each
recognised by its content so that catch-all pages are not reported."""

from __future__ import annotations

import re
from functools import partial

from nodeward.web.checks.context import ProbeContext
from nodeward.web.exchange import Exchange

_ENV = re.compile(r"^[A-Z][A-Z0-9_]{1,60}=\S", re.M)
_GIT = re.compile(r"^\[(core|remote|branch)", re.M)
#: A line that starts with `{` (after spaces), then the key anywhere after it: from the
#: first such line only (atomic; every later key is reachable from it), and the spaces
#: before `{` read on their own line, so a run of blank lines is not read from each one.
_PACKAGE = re.compile(
    r'\A(?>[\s\S]*?^[^\S\n]*+\{)[\s\S]*"(?:dependencies|name|scripts)"\s*+:', re.M
)
_SQL = re.compile(r"(CREATE TABLE|INSERT INTO|-- MySQL dump|PostgreSQL database dump)", re.I)
_ARCHIVE = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf")

#: (path, what it is, recogniser)
FILES: tuple[tuple[str, str, str], ...] = (
    ("/.env", "environment file with secrets", "env"),
    ("/.env.local", "environment file with secrets", "env"),
    ("/.env.production", "environment file with secrets", "env"),
    ("/.git/config", "Git repository configuration", "git"),
    ("/.git/HEAD", "Git repository", "head"),
    ("/package.json", "package manifest", "package"),
    ("/.npmrc", "npm configuration (may hold registry tokens)", "env"),
    ("/backup.sql", "database dump", "sql"),
    ("/dump.sql", "database dump", "sql"),
    ("/backup.zip", "backup archive", "archive"),
    ("/backup.tar.gz", "backup archive", "archive"),
    ("/server.js.bak", "source backup", "source"),
    ("/app.js.bak", "source backup", "source"),
)


def recognised(kind: str, exchange: Exchange) -> bool:
    response = exchange.response
    if response.status != 200 or response.is_html:
        return False
    text = response.text[:20_000]
    match kind:
        case "env":
            return bool(_ENV.search(text)) or "_authToken" in text
        case "git":
            return bool(_GIT.search(text))
        case "head":
            return text.startswith("ref: refs/")
        case "package":
            return bool(_PACKAGE.search(text))
        case "sql":
            return bool(_SQL.search(text))
        case "archive":
            return response.body.startswith(_ARCHIVE)
        case "source":
            return bool(re.search(r"require\(|\bimport\b|module\.exports", text))
    return False


def _fetch(ctx: ProbeContext, path: str, label: str, kind: str) -> None:
    outcome = ctx.client.send("GET", ctx.url(path), follow_redirects=False)
    if isinstance(outcome, Exchange) and recognised(kind, outcome):
        ctx.results.add(
            "NW650",
            outcome,
            f"{path} is served ({label}); serve only a public folder and never the project "
            "root: express.static(path.join(__dirname, 'public'))",
            key=path,
        )


def check(ctx: ProbeContext) -> None:
    ctx.client.send_many(partial(_fetch, ctx, *entry) for entry in FILES)
