"""Passport password strategies and their verify callbacks: `new LocalStrategy(verify)`,
`new LocalStrategy({ usernameField: "email" }, verify)` and HTTP Basic's
`new BasicStrategy(verify)`, the callback written inline, as a local function or imported
from another module. A verify callback rejects a login by calling its last parameter with
`false` as the user (`done(null, false, { message })`, `cb(null, false)`): those are the
failed logins the login rules judge when no route handler of the project answers them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nodeward.catalog.auth import FAILED_LOGIN_NOT_LOGGED
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node

#: calls whose name says they record something: logger.warn, console.log, audit.record,
#: Sentry.captureMessage; `login`/`logout` are the sign-in itself
LOG_CALL = re.compile(r"(?i)(log(?!in|out)|audit|sentry|capture|warn)")
_SIGNUP_NAME = re.compile(r"sign-?up|register|registration|create", re.IGNORECASE)


_STRATEGY_MODULES = ("passport-local", "passport-http")


@dataclass(frozen=True)
class Strategy:
    """A password strategy: where it is created and its verify callback (possibly in
    another module)."""

    ctx: FileContext
    creation: Node
    verify_ctx: FileContext
    verify: Node


def is_password_strategy(ctx: FileContext, call: Node) -> bool:
    """`new (require("passport-local").Strategy)(...)`, or passport-http's BasicStrategy."""
    ref = ctx.callee(call)
    if ref is None:
        return False
    if ref.module == _STRATEGY_MODULES[0]:
        return True
    return ref.module == "passport-http" and "BasicStrategy" in ref.path


def signup_strategy(strategy: Node) -> bool:
    """`passport.use("signup", new LocalStrategy(...))`: a registration strategy, whose
    "account already exists" answer is not a failed login."""
    args = strategy.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    if call is None or call.type != "call_expression":
        return False
    first = syntax.call_arguments(call)[:1]
    name = syntax.string_value(first[0]) if first else None
    return name is not None and bool(_SIGNUP_NAME.search(name))


def _verify_function(
    ctx: FileContext, graph: ModuleGraph, argument: Node
) -> tuple[FileContext, Node] | None:
    """The function a strategy's last argument is: inline, a local function, or an
    export of a project module (`const { verifyUser } = require("./auth/verify")`)."""
    node = syntax.unwrap(argument)
    if node is None:
        return None
    if node.type in syntax.FUNCTION_TYPES:
        return ctx, node
    imported = graph.resolve_import(ctx, node)
    if imported is not None:
        value = syntax.unwrap(imported.ctx.value_of(imported.node))
        if value is not None and value.type in syntax.FUNCTION_TYPES:
            return imported.ctx, value
        return None
    value = syntax.unwrap(ctx.value_of(node))
    if value is not None and value.type in syntax.FUNCTION_TYPES:
        return ctx, value
    if node.type == "member_expression":
        return _static_method(ctx, graph, node)
    return None


def _static_method(
    ctx: FileContext, graph: ModuleGraph, member: Node
) -> tuple[FileContext, Node] | None:
    """`Verifier.check`: a static method of a class of this file or an imported one."""
    owner = member.child_by_field_name("object")
    key = member.child_by_field_name("property")
    if owner is None or key is None:
        return None
    imported = graph.resolve_import(ctx, owner)
    if imported is not None:
        ctx, cls = imported.ctx, syntax.unwrap(imported.node)
    else:
        cls = ctx.declaration(syntax.text(owner), owner)
    body = cls.child_by_field_name("body") if cls is not None else None
    for method in body.named_children if body is not None else ():
        named = method.child_by_field_name("name")
        if method.type == "method_definition" and syntax.text(named) == syntax.text(key):
            return ctx, method
    return None


def strategies(graph: ModuleGraph) -> Iterator[Strategy]:
    """Every login strategy of the project with a verify callback it can see."""
    for ctx in graph.files():
        # is_password_strategy() accepts calls into these modules only; in the order of
        # ctx.nodes("new_expression", "call_expression")
        into = [call for call, _ref in ctx.call_index.calls_into(_STRATEGY_MODULES)]
        into.sort(key=lambda call: (call.start_byte, call.type != "new_expression"))
        for call in into:
            if not is_password_strategy(ctx, call) or signup_strategy(call):
                continue
            args = syntax.call_arguments(call)
            found = _verify_function(ctx, graph, args[-1]) if args else None
            if found is not None:
                yield Strategy(ctx, call, found[0], found[1])


def distinct_verifiers(graph: ModuleGraph) -> Iterator[Strategy]:
    """The strategies with a verify callback of their own: a callback shared by two
    strategies (`local` and `basic` on one `verifyUser`) is judged and reported once."""
    seen: set[tuple[str, int]] = set()
    for strategy in strategies(graph):
        key = (strategy.verify_ctx.rel, strategy.verify.start_byte)
        if key not in seen:
            seen.add(key)
            yield strategy


def rejections(verify: Node) -> list[Node]:
    """The calls of the verify callback's `done` that reject the login: `done(null, false)`,
    with or without an info object."""
    params = syntax.function_params(verify)
    done = syntax.param_name(params[-1]) if params else None
    if done is None:
        return []
    found: list[Node] = []
    for node in syntax.walk(verify):
        if node.type != "call_expression":
            continue
        if syntax.text(node.child_by_field_name("function")) != done:
            continue
        args = syntax.call_arguments(node)
        if len(args) >= 2 and syntax.bool_value(args[1]) is False:
            found.append(node)
    return found


def _logs(verify: Node) -> bool:
    for node in syntax.walk(verify):
        if node.type == "call_expression":
            name = syntax.dotted_name(node.child_by_field_name("function")) or ""
            if LOG_CALL.search(name):
                return True
    return False


def unlogged_rejections(graph: ModuleGraph) -> Iterator[Finding]:
    """NW223 for verify callbacks that reject logins and log nothing: reported once per
    callback, at its first rejection (where the log call belongs)."""
    for strategy in distinct_verifiers(graph):
        rejected = rejections(strategy.verify)
        if not rejected or _logs(strategy.verify):
            continue
        shown = " ".join(syntax.text(rejected[0]).split())[:60]
        yield FAILED_LOGIN_NOT_LOGGED.finding(
            strategy.verify_ctx.location(rejected[0]),
            f"This passport verify callback rejects failed logins (`{shown}`) without "
            "logging them; log the user name and source IP with the app's logger before "
            "calling done",
        )
