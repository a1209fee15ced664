"""The app model for Fastify routes built from the plugin's `opts.prefix` and for GraphQL
servers mounted on Express and Fastify: exact route tables (method, path, chain, handler)."""

from __future__ import annotations

from pathlib import Path

from appmodel_helpers import project_at
from conftest import FIXTURES

from nodeward.source.appmodel import AppModel, Guard, app_model

RULES = FIXTURES / "rules"


def _model(path: Path) -> AppModel:
    return app_model(project_at(path))


def _table(model: AppModel) -> list[tuple[str, str, tuple[str, ...], str]]:
    return [
        (r.method, r.path, tuple(m.name for m in r.chain), r.handler.name)
        for app in model.apps
        for r in app.routes
    ]


def test_fastify_options_prefix_js() -> None:
    model = _model(RULES / "routes_fastify_prefix_js")
    rows = [(m, p, c) for m, p, c, _h in _table(model)]
    assert rows == [
        ("DELETE", "/api/admin/users/:id", ("app.authenticate",)),
        ("DELETE", "/api/admin/orders/:id", ()),
        # fp-wrapped and autoloaded: opts.prefix is autoload's options.prefix, once
        ("GET", "/api/articles", ()),
        ("GET", "/api/articles/:slug", ()),
        # encapsulated: Fastify's prefix and opts.prefix both apply, as at run time
        ("DELETE", "/v2/v2/admin/cache", ()),
        # a prefix from configuration keeps the constant suffix
        ("DELETE", "/<dynamic>/<prefix>/admin/reports/:id", ("app.authenticate",)),
    ]
    assert all(r.complete for _a, r in model.routes())
    assert [s.reason for s in model.unresolved if "not a constant" in s.reason] == []
    assert any("opts.prefix" in s.reason and s.target == "app.js:20" for s in model.unresolved)


def test_fastify_options_prefix_ts() -> None:
    rows = [(m, p, c) for m, p, c, _h in _table(_model(RULES / "routes_fastify_prefix_ts"))]
    assert rows == [
        ("GET", "/api/users", ()),
        ("DELETE", "/api/admin/users/:id", ()),
        ("PUT", "/api/admin/users/:id/role", ("fastify.authenticate",)),
        ("GET", "/shop/shop/items", ()),
    ]


def test_graphql_endpoints_express_js() -> None:
    model = _model(RULES / "routes_graphql_js")
    apollo, legacy, http = (
        ("session()",),
        ("session()", "requireAuth"),
        ("session()",),
    )
    assert _table(model) == [
        ("GET", "/api/graphql", apollo, "GraphQL (Apollo Server)"),
        ("POST", "/api/graphql", apollo, "GraphQL (Apollo Server)"),
        ("GET", "/legacy/graphql", legacy, "GraphQL (express-graphql)"),
        ("POST", "/legacy/graphql", legacy, "GraphQL (express-graphql)"),
        ("GET", "/graphql-http", http, "GraphQL (graphql-http)"),
        ("POST", "/graphql-http", http, "GraphQL (graphql-http)"),
    ]
    assert all(r.handler.function is None for _a, r in model.routes())


def test_graphql_endpoints_apollo4_yoga_mercurius_ts() -> None:
    model = _model(RULES / "routes_graphql_ts")
    chain = (
        "session()",
        "cors()",
        "express.json()",
        "requireUser",
        "csrfPrevention (Apollo Server)",
    )
    assert _table(model) == [
        ("GET", "/graphql", chain, "GraphQL (Apollo Server)"),
        ("POST", "/graphql", chain, "GraphQL (Apollo Server)"),
        ("GET", "/public/graphql", ("session()",), "GraphQL (GraphQL Yoga)"),
        ("GET", "/gql", (), "GraphQL (mercurius)"),
        ("POST", "/gql", (), "GraphQL (mercurius)"),
    ]
    post = next(r for _a, r in model.routes() if r.label == "POST /graphql")
    assert post.guarded_by(Guard.AUTH)
    assert post.guarded_by(Guard.CSRF)
