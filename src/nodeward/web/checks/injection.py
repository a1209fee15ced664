"""SQL (error-based and boolean-based), NoSQL operator and command injection, each with
payloads that read nothing and change nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from urllib.parse import quote

from nodeward.web.checks.context import ProbeContext, route_key, token, with_param
from nodeward.web.crawl import Endpoint
from nodeward.web.exchange import Exchange, Outcome

SQL_ERRORS = re.compile(
    r"(SQLITE_ERROR|unrecognized token|You have an error in your SQL syntax|ER_PARSE_ERROR"
    r"|unterminated quoted string|syntax error at or near|SQLSTATE\[|ORA-\d{5}"
    r"|SequelizeDatabaseError|Incorrect syntax near|quoted string not properly terminated)",
    re.I,
)


def _get(ctx: ProbeContext, url: str) -> Exchange | None:
    outcome: Outcome = ctx.client.send("GET", url, follow_redirects=False)
    return outcome if isinstance(outcome, Exchange) else None


def _same(a: Exchange, b: Exchange) -> bool:
    return a.response.status == b.response.status and a.response.body == b.response.body


def _sql(ctx: ProbeContext, endpoint: Endpoint, name: str) -> None:
    key = f"{route_key(endpoint.url)}:{name}"
    value = dict(endpoint.params)[name] or "1"
    base = _get(ctx, with_param(endpoint, name, value))
    if base is None or ctx.results.has("NW101", key):
        return
    broken = _get(ctx, with_param(endpoint, name, value + "'"))
    if broken is not None:
        error = SQL_ERRORS.search(broken.response.text)
        if error and not SQL_ERRORS.search(base.response.text):
            ctx.results.add(
                "NW101",
                broken,
                f"A quote in {name!r} of GET {route_key(endpoint.url)} breaks the SQL query "
                f"({error.group(0)!r}); use placeholders: db.query('... WHERE id = ?', [id])",
                key=key,
                parameter=name,
                around=error.group(0),
            )
            return
    for true_sql, false_sql in ((" AND 1=1", " AND 1=2"), ("' AND '1'='1", "' AND '1'='2")):
        true_ = _get(ctx, with_param(endpoint, name, value + true_sql))
        false_ = _get(ctx, with_param(endpoint, name, value + false_sql))
        again = _get(ctx, with_param(endpoint, name, value + true_sql))
        if true_ is None or false_ is None or again is None:
            return
        if _same(true_, base) and _same(again, base) and not _same(false_, base):
            ctx.results.add(
                "NW101",
                false_,
                f"{name!r} of GET {route_key(endpoint.url)} changes the result with "
                f"{true_sql.strip()!r} versus {false_sql.strip()!r}: the value is part of the "
                "SQL text; use placeholders",
                key=key,
                parameter=name,
            )
            return


def _nosql(ctx: ProbeContext, endpoint: Endpoint, name: str) -> None:
    key = f"{route_key(endpoint.url)}:{name}"
    other = [(k, v) for k, v in endpoint.params if k != name]
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in other)
    control = _get(ctx, with_param(endpoint, name, token("nwn")))
    marker = token("nwn")
    url = f"{endpoint.url}?{query + '&' if query else ''}{quote(name)}%5B%24ne%5D={marker}"
    attack = _get(ctx, url)
    if control is None or attack is None or not attack.response.is_json:
        return
    if attack.response.status == 200 and len(attack.response.body) > len(control.response.body) + 2:
        ctx.results.add(
            "NW102",
            attack,
            f"{name}[$ne]= in GET {route_key(endpoint.url)} returns more data than a plain "
            "value: the query object reaches the database as an operator; cast input to a "
            "string or use mongo-sanitize",
            key=key,
            parameter=name,
        )


def _command(ctx: ProbeContext, endpoint: Endpoint, name: str) -> None:
    key = f"{route_key(endpoint.url)}:{name}"
    value = dict(endpoint.params)[name]
    tag = token("")
    # The quotes split the marker: it only appears whole if a shell ran the echo.
    echoed = f"nwcmd{tag}"
    for separator in (";", "|", "$(", "`", "&&"):
        closing = ")" if separator == "$(" else "`" if separator == "`" else ""
        attempt = f"{value}{separator}echo nwc''md{tag}{closing}"
        found = _get(ctx, with_param(endpoint, name, attempt))
        if found is not None and echoed in found.response.text:
            ctx.results.add(
                "NW103",
                found,
                f"{name!r} of GET {route_key(endpoint.url)} reaches a shell: an `echo` marker "
                "came back; use execFile with an argument array, never exec with a string",
                key=key,
                parameter=name,
                around=echoed,
            )
            return


def _jobs(ctx: ProbeContext) -> Iterator[partial[None]]:
    for endpoint in ctx.site.endpoints:
        for name, _ in endpoint.params:
            for check in (_sql, _nosql, _command):
                yield partial(check, ctx, endpoint, name)


def check(ctx: ProbeContext) -> None:
    ctx.client.send_many(_jobs(ctx))
