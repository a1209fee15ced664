"""A promisified or bound function is the function it wraps: `util.promisify(exec)` and
`connection.query.bind(connection)` run exec and query, so rules and model rows that match
those functions match calls through the wrapper."""

from __future__ import annotations

import pytest

from nodeward.source.context import FileContext
from nodeward.source.parse import SourceText, parse


def _last_callee(code: str) -> str:
    ctx = FileContext(parse(SourceText("a.js", code.encode(), tuple(code.splitlines()))))
    call = max(ctx.calls, key=lambda c: c.start_byte)
    return str(ctx.callee(call))


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            'const cp = require("child_process"); const util = require("util");'
            " const run = util.promisify(cp.exec); run(x);",
            "child_process.exec",
        ),
        (
            'const { exec } = require("child_process"); const { promisify } = require("node:util");'
            " const run = promisify(exec); run(x);",
            "child_process.exec",
        ),
        (
            'const mysql = require("mysql"); const util = require("util");'
            " const c = mysql.createConnection({});"
            " const q = util.promisify(c.query).bind(c); q(sql);",
            "mysql.createConnection().query",
        ),
        (
            'const { exec } = require("child_process"); const run = exec.bind(null); run(x);',
            "child_process.exec",
        ),
        # a promisify of something else, or with more arguments, is left alone
        (
            'const util = require("util"); const f = util.promisify(a, b); f(x);',
            "util.promisify()",
        ),
    ],
)
def test_a_promisified_or_bound_function_resolves_to_the_function_it_wraps(
    code: str, expected: str
) -> None:
    assert _last_callee(code) == expected
