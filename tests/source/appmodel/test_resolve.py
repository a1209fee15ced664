"""Resolver.function() answers None at once for a name the file never binds, and still
resolves the names it does bind (declared, assigned, imported)."""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.appmodel.resolve import Resolver
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node, SourceText, parse

_CODE = """\
const routes = require("./routes");
function mount(app) { app.get("/", list); }
const helper = (router) => router.use(check);
let late;
late = function (r) { r.get("/x", list); };
function setup(app, opts) {
  opts.register(app);
  mount(app);
  helper(app);
  late(app);
  routes.install(app);
  unknownGlobal(app);
}
"""


def _call(ctx: FileContext, written: str) -> Node:
    for call in ctx.nodes("call_expression"):
        if syntax.text(call) == written:
            fn = call.child_by_field_name("function")
            assert fn is not None
            return fn
    raise AssertionError(written)


def test_names_the_file_never_binds_resolve_to_nothing() -> None:
    ctx = FileContext(parse(SourceText("a.js", _CODE.encode(), tuple(_CODE.splitlines()))))
    resolver = Resolver(ModuleGraph([ctx]))
    assert not ctx.binds("opts") and not ctx.binds("unknownGlobal")
    assert resolver.function(ctx, _call(ctx, "opts.register(app)")) is None
    assert resolver.function(ctx, _call(ctx, "unknownGlobal(app)")) is None
    for bound in ("mount(app)", "helper(app)", "late(app)"):
        found = resolver.function(ctx, _call(ctx, bound))
        assert found is not None and found[1].type in syntax.FUNCTION_TYPES, bound
    assert ctx.binds("routes") and ctx.binds("late") and ctx.binds("mount")
