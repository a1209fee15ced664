"""NW704: GraphQL servers created without a query depth or cost limit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.dos import GRAPHQL_NO_DEPTH_LIMIT
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.express import is_test_file, resolve
from nodeward.source.rules.graphql_options import GraphQLServer, ServerKind, servers

#: what a depth or cost limiter is called: graphql-depth-limit's `depthLimit`,
#: `createComplexityLimitRule`, `costAnalysis`, envelop's `useDepthLimit`, GraphQL Armor's
#: `maxDepthPlugin` / `costLimitPlugin`, and a project's own `ComplexityPlugin`
_LIMITING = re.compile(r"depth|complexity|cost|armor", re.IGNORECASE)
#: the option keys that hold validation rules and plugins, whatever the server
_RULE_KEYS = ("validationRules", "plugins")
#: graphql-js's own rules, spread in beside a limiter: no limit by themselves
_STANDARD_RULES = frozenset({"specifiedRules"})
#: mercurius's own `queryDepth` option, also under Nest's MercuriusDriver
_QUERY_DEPTH = frozenset({ServerKind.MERCURIUS, ServerKind.NEST})
_CALLS = frozenset({"call_expression", "new_expression"})
_FIXES = {
    ServerKind.APOLLO: "add validationRules: [depthLimit(10)] (graphql-depth-limit) or a "
    "graphql-query-complexity plugin",
    ServerKind.NEST: "add validationRules: [depthLimit(10)] (graphql-depth-limit) or a "
    "@Plugin() class that rejects queries above a graphql-query-complexity limit",
    ServerKind.EXPRESS_GRAPHQL: "add validationRules: [depthLimit(10)] (graphql-depth-limit) "
    "or createComplexityLimitRule(1000) (graphql-validation-complexity)",
    ServerKind.YOGA: "add plugins: [useDepthLimit({ maxDepth: 10 })] (@envelop/depth-limit) "
    "or GraphQL Armor's maxDepthPlugin and costLimitPlugin",
    ServerKind.MERCURIUS: "set queryDepth: 10 (and a complexity rule in validationRules)",
}


class Limit(Enum):
    LIMITED = "limited"
    UNKNOWN = "unknown"  # built elsewhere, or a rule of another project file
    NONE = "none"


def _is_limiter_module(module: str) -> bool:
    """graphql-depth-limit, graphql-query-complexity, graphql-validation-complexity,
    graphql-cost-analysis, @envelop/depth-limit, @escape.tech/graphql-armor-*."""
    if module.startswith("@envelop/"):
        return _LIMITING.search(module) is not None
    return "graphql" in module and _LIMITING.search(module) is not None


def _callee(call: Node) -> Node | None:
    return call.child_by_field_name("function") or call.child_by_field_name("constructor")


def _element_text(ctx: FileContext, element: Node) -> str:
    """An entry of `validationRules` / `plugins` with what it names in this file: the
    value a name is bound to, the function a call invokes."""
    texts = [syntax.text(element), syntax.text(resolve(ctx, element))]
    callee = _callee(element) if element.type in _CALLS else None
    if callee is not None and callee.type == "identifier":
        texts.append(syntax.text(ctx.declaration(syntax.text(callee))))
    return " ".join(texts)


def _from_project(ctx: FileContext, element: Node) -> bool:
    """An entry imported from another file of the project: it may limit, unseen."""
    node = _callee(element) if element.type in _CALLS else element
    ref = ctx.ref_of(node)
    return ref is not None and ref.module.startswith(".")


def _entries(ctx: FileContext, value: Node) -> Limit:
    """How a `validationRules` or `plugins` value limits queries."""
    entries = syntax.unwrap(resolve(ctx, value))
    if entries is None or entries.type != "array":
        return Limit.UNKNOWN
    verdict = Limit.NONE
    for element in syntax.named_children(entries):
        if element.type == "comment":
            continue
        if element.type == "spread_element":
            spread = element.named_children[0] if element.named_children else None
            if syntax.text(spread).rsplit(".", 1)[-1] not in _STANDARD_RULES:
                verdict = Limit.UNKNOWN
            continue
        if _LIMITING.search(_element_text(ctx, element)):
            return Limit.LIMITED
        if _from_project(ctx, element):
            verdict = Limit.UNKNOWN
    return verdict


def _limit(ctx: FileContext, server: GraphQLServer, options: Node) -> Limit:
    if server.kind in _QUERY_DEPTH and syntax.object_get(options, "queryDepth") is not None:
        return Limit.LIMITED
    verdict = Limit.NONE
    for key in _RULE_KEYS:
        value = syntax.object_get(options, key)
        if value is None:
            continue
        found = _entries(ctx, value)
        if found is Limit.LIMITED:
            return found
        if found is Limit.UNKNOWN:
            verdict = found
    return verdict


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    files = analysis.project.files
    # NestJS applies a complexity limit as a `@Plugin()` provider, not in forRoot's options
    limiter_imported = any(_is_limiter_module(m) for ctx in files for m in ctx.imported_modules())
    for ctx in files:
        if is_test_file(ctx.rel):
            continue
        for server in servers(ctx):
            if server.options is None or _limit(ctx, server, server.options) is not Limit.NONE:
                continue
            if server.kind is ServerKind.NEST and limiter_imported:
                continue
            yield GRAPHQL_NO_DEPTH_LIMIT.finding(
                ctx.location(server.call),
                f"{server.kind.value} sets no query depth or cost limit: one "
                "deeply nested or aliased query can make it resolve millions of objects; "
                f"{_FIXES[server.kind]}",
            )


CHECKER = Checker(rules=(GRAPHQL_NO_DEPTH_LIMIT,), check_project=_check_project, standalone=True)
