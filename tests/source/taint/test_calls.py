"""calls.py: call_shape() gives each call's own access path (`res.status(400).send()` ->
res, ("status", "()", "send", "()")) from its callee's, as static_path() of the call
would walk it; at MAX_PATH_STEPS the call's path is given up on one step sooner."""

from __future__ import annotations

from pathlib import Path

import pytest
from taint_helpers import engine_at

from nodeward.source.taint.analysis import FunctionAnalysis
from nodeward.source.taint.bounds import MAX_PATH_STEPS
from nodeward.source.taint.calls import call_shape
from nodeward.source.taint.engine import TaintEngine
from nodeward.source.taint.expressions import static_path

FIXTURES = Path(__file__).parents[2] / "fixtures" / "rules"

#: Callees of every kind static_path walks, and some it gives up on.
SHAPES_JS = """\
res.status(400).send(msg);
new Buffer(size);
new (require("events").EventEmitter)();
obj["key"].run();
obj[key].run();
(a || b).c();
(() => 1)();
this.db.query(sql);
x.y()().z();
"""
SHAPES_TS = """\
(res as Response).status(400).send(msg);
(<any>window).open(url);
req.body!.name.trim();
await (await repo.find()).map(f);
"""


def _paths(engine: TaintEngine) -> list[tuple[object, object]]:
    """(call_shape's path, static_path of the call) for every call of the engine's files."""
    pairs: list[tuple[object, object]] = []
    for ctx in engine.files:
        fa = FunctionAnalysis(engine, ctx, ctx.parsed.root, collect=False)
        calls = ctx.nodes("call_expression", "new_expression")
        pairs += [(call_shape(fa, call).path, static_path(call)) for call in calls]
    return pairs


def _chain(links: int) -> str:
    """A statement calling a method at the end of a chain of `links` steps."""
    return "a" + ".b" * (links - 2) + ".c();\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("shapes.js", SHAPES_JS),
        ("shapes.ts", SHAPES_TS),
        ("limit.js", "".join(_chain(n) for n in range(MAX_PATH_STEPS - 1, MAX_PATH_STEPS + 3))),
    ],
)
def test_a_calls_path_is_the_one_static_path_walks(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    pairs = _paths(engine_at(tmp_path))
    assert pairs and all(shape == walked for shape, walked in pairs)
    assert any(shape is not None for shape, _walked in pairs)
    if name == "limit.js":  # the last chains are too long for a path, the first are not
        assert [shape is None for shape, _walked in pairs] == [False, False, True, True]


def test_the_fixture_apps_calls_agree() -> None:
    folders = [p for p in sorted(FIXTURES.iterdir()) if p.is_dir()][::5]  # a spread of them
    for folder in folders:
        pairs = _paths(engine_at(folder))
        assert all(shape == walked for shape, walked in pairs), folder.name
