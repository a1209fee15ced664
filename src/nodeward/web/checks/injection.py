"""Injection through every input the probe knows (query, form and JSON fields, path
parameters, cookies, headers): command and argument injection, server-side JavaScript,
XPath, SQL, NoSQL operators, path traversal, XXE and SSRF, each with payloads that read
nothing and change nothing, and an oracle that an echo of the payload cannot satisfy;
insecure deserialization, and blind command injection by time.

The checks of one input run in that order and stop at the first finding: a shell's quote
error must not be read as an SQL error once the command check has explained it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from functools import partial

from nodeward.web.checks import code, deserialize, ssrf, timing, traversal, xml
from nodeward.web.checks.attempt import Attempt
from nodeward.web.checks.context import ProbeContext, injection_points_of, token
from nodeward.web.exchange import Exchange
from nodeward.web.inputs import InjectionPoint

SQL_ERRORS = re.compile(
    r"(SQLITE_ERROR|unrecognized token|You have an error in your SQL syntax|ER_PARSE_ERROR"
    r"|unterminated quoted string at or near|syntax error at or near|SQLSTATE\[|ORA-\d{5}"
    r"|SequelizeDatabaseError|Incorrect syntax near|quoted string not properly terminated"
    r"|SQLITE_[A-Z]+:|near \"[^\"]*\": syntax error|pg_query\(\)|mysql_fetch|ER_[A-Z_]+:)",
    re.I,
)
#: What POSIX shells (dash, bash, busybox) print for a broken command line.
SHELL_ERRORS = re.compile(
    r"(\bsh: \d+: |/bin/(?:ba|da)?sh: |Unterminated quoted string|syntax error near unexpected "
    r"token|unexpected EOF while looking for matching|: command not found|Syntax error: )",
)
#: What a command prints when the input arrived as an option: usage, version or rejection.
OPTION_OUTPUT = re.compile(
    r"(^\s*usage:\s|\(GNU [\w ]+\) \d|BusyBox v\d|Try '[\w.-]+ --help'|unrecognized option"
    r"|invalid option|illegal option|unknown option)",
    re.I | re.M,
)

Check = Callable[[Attempt], bool]
#: Every rule these checks report, keyed by the input: one finding per input.
CODES = ("NW101", "NW102", "NW103", "NW104", "NW105", "NW106", "NW110", "NW111", "NW114")


def _same(a: Exchange, b: Exchange, *markers: str) -> bool:
    def text(e: Exchange) -> str:
        body = e.response.text
        for marker in markers:
            body = body.replace(marker, "")
        return body

    return a.response.status == b.response.status and text(a) == text(b)


def command(attempt: Attempt) -> bool:
    """A shell ran our `echo`: the quotes split the marker, so it only comes back whole if
    a shell removed them; or the whole input ran as a command line without a shell."""
    value = attempt.point.value
    tag = token("")
    echoed = f"nwcmd{tag}"
    for separator in (";", "|", "$(", "`", "\n"):
        closing = ")" if separator == "$(" else "`" if separator == "`" else ""
        found = attempt.send(f"{value}{separator}echo nwc''md{tag}{closing}")
        if found is not None and echoed in found.response.text:
            return attempt.found(
                "NW103",
                found,
                f"The {attempt.point.describe()} reaches a shell: an `echo` marker came back; "
                "use execFile with an argument array, never exec with a string",
                around=echoed,
            )
    # Without a shell (spawn(cmd, args)) quotes stay, so the marker is two words that only
    # an `echo` joins with one space; an error quoting the input shows "echo" before them.
    second = token("nwcmd")
    found = attempt.send(f"echo {echoed} {second}")
    joined = f"{echoed} {second}"
    if found is not None and joined in _text(found) and f"echo {echoed}" not in _text(found):
        return attempt.found(
            "NW103",
            found,
            f"The {attempt.point.describe()} is run as a command: `echo` with a marker ran; "
            "never let input choose the program, map allowed actions to fixed commands",
            around=joined,
        )
    return _shell_error(attempt)


def _text(exchange: Exchange) -> str:
    return exchange.response.text


def _shell_error(attempt: Attempt) -> bool:
    """A quote breaks the command line: the shell's own error (not an SQL error) comes
    back, and two quotes (balanced) do not break it."""
    broken = attempt.quoted
    if broken is None:
        return False
    error = SHELL_ERRORS.search(broken.response.text)
    if error is None or SHELL_ERRORS.search(attempt.control_text()):
        return False
    balanced = attempt.send(attempt.point.value + "''")
    if balanced is None or SHELL_ERRORS.search(balanced.response.text):
        return False
    text = broken.response.text
    line = text[text.rfind("\n", 0, error.start()) + 1 :].split("\n", 1)[0].strip()[:120]
    return attempt.found(
        "NW103",
        broken,
        f"A quote in the {attempt.point.describe()} breaks a shell command line ({line!r}) "
        "and two quotes do not; use execFile with an argument array",
        around=error.group(0),
    )


def argument(attempt: Attempt) -> bool:
    """Shell-less commands (execFile, spawn) still read an input starting with `-` as an
    option: --help prints usage, an unknown option is rejected by name."""
    helped = attempt.send("--help")
    if helped is None:
        return False
    usage = OPTION_OUTPUT.search(helped.response.text)
    if usage is None or OPTION_OUTPUT.search(attempt.control_text()):
        return False
    bogus = attempt.send(f"--{token('nwopt')}")
    if bogus is None or not OPTION_OUTPUT.search(bogus.response.text):
        return False
    return attempt.found(
        "NW103",
        helped,
        f"The {attempt.point.describe()} is passed to a command as an option (--help printed "
        f"{usage.group(0).strip()!r}); put '--' before user arguments and reject values "
        "starting with '-'",
        around=usage.group(0),
    )


def sql(attempt: Attempt) -> bool:
    point = attempt.point
    base = attempt.sample
    if base is None:
        return False
    broken = attempt.quoted
    if broken is not None:
        error = SQL_ERRORS.search(broken.response.text)
        shell = SHELL_ERRORS.search(broken.response.text)
        if error and not shell and not SQL_ERRORS.search(base.response.text):
            balanced = attempt.send(point.value + "''")
            if balanced is not None and not SQL_ERRORS.search(balanced.response.text):
                return attempt.found(
                    "NW101",
                    broken,
                    f"A quote in the {point.describe()} breaks the SQL query "
                    f"({error.group(0)!r}) and two quotes do not; use placeholders: "
                    "db.query('... WHERE id = ?', [id])",
                    around=error.group(0),
                )
    # Fresh numbers each time: an answer that depends on whether something named by the
    # value exists (a file an earlier payload created) cannot repeat the pattern.
    for shape in (" AND {a}={b}", "' AND '{a}'='{b}"):
        n, m = 100 + secrets.randbelow(9800), 100 + secrets.randbelow(9800)
        true_sql, false_sql = shape.format(a=n, b=n), shape.format(a=n, b=n + 1)
        true_ = attempt.send(point.value + true_sql)
        if true_ is None or not _same(true_, base):
            continue  # a true condition must not change the answer
        false_ = attempt.send(point.value + false_sql)
        again = attempt.send(point.value + shape.format(a=m, b=m))
        if false_ is None or again is None:
            return False
        if _same(again, base) and not _same(false_, base):
            return attempt.found(
                "NW101",
                false_,
                f"The {point.describe()} changes the result with {true_sql.strip()!r} versus "
                f"{false_sql.strip()!r}: the value is part of the SQL text; use placeholders",
            )
    return False


def nosql(attempt: Attempt) -> bool:
    """Differential: a `$ne` operator returns more than a plain value, the same again with
    another value, and differently from an unknown operator. An answer that contains the
    operator is an echo and proves nothing."""
    point = attempt.point
    if not point.accepts_operator:
        return False
    first, second, third = token("nwn"), token("nwn"), token("nwn")
    control = attempt.send(first)
    attack = attempt.send(second, "$ne")
    if control is None or attack is None or attack.response.status != 200:
        return False
    if "$ne" in attack.response.text or _same(attack, control, first, second):
        return False
    if len(attack.response.body) <= len(control.response.body) + 2:
        return False
    again = attempt.send(third, "$ne")
    invalid = attempt.send(first, "$nwbogus")
    if again is None or invalid is None or not _same(again, attack, second, third):
        return False
    if _same(invalid, attack, first, second):
        return False
    return attempt.found(
        "NW102",
        attack,
        f"The {point.describe()} with a $ne operator returns more data than a plain value: "
        "the query object reaches the database as an operator; cast input to a string or "
        "use mongo-sanitize",
    )


def _order(ctx: ProbeContext, canary: ssrf.Canary | None) -> tuple[Check, ...]:
    checks: list[Check] = [
        command,
        argument,
        code.check,
        xml.xpath,
        traversal.check,  # before SQL: a file's content is a stronger proof than a difference
        sql,
        nosql,
        xml.xxe,
        deserialize.check,
    ]
    if canary is not None:
        checks.append(partial(ssrf.check, canary=canary))
    return tuple(checks)


def _run(ctx: ProbeContext, point: InjectionPoint, checks: tuple[Check, ...]) -> None:
    attempt = Attempt(ctx, point)
    if any(ctx.results.has(code, point.key) for code in CODES):
        return
    for check in checks:
        if ctx.client.crashed or ctx.client.remaining == 0:
            return
        if check(attempt):
            return


def _jobs(
    ctx: ProbeContext, points: list[InjectionPoint], checks: tuple[Check, ...]
) -> Iterator[partial[None]]:
    for point in points:
        yield partial(_run, ctx, point, checks)


def check(ctx: ProbeContext) -> None:
    points = injection_points_of(ctx)
    with ssrf.canary_for(ctx.client.settings.target) as canary:
        ctx.client.send_many(_jobs(ctx, points, _order(ctx, canary)))
    # Blind command injection by time, one point at a time once everything else is done: a
    # `sleep` in execSync stalls the whole server, which would time out the other checks'
    # requests and make the fast answers of this one slow.
    # Evaluated JavaScript likewise: a busy-wait blocks the whole server (only where the
    # arithmetic echo found nothing: _run skips a point with a finding).
    for point in points:
        _run(ctx, point, (timing.command, timing.code))
