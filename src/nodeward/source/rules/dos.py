"""Denial of service: body parsers and upload handlers without sane size limits (NW701),
and login routes in a project with no rate limiting at all (NW702)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.dos import BODY_NO_LIMIT, NO_RATE_LIMITING
from nodeward.checks import Checker
from nodeward.findings import Finding, SourceLocation
from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.appmodel import App, AppModel, Route
from nodeward.source.call_index import in_document_order
from nodeward.source.context import FileContext
from nodeward.source.frameworks.base import Framework
from nodeward.source.frameworks.express import EXPRESS
from nodeward.source.parse import Node
from nodeward.source.rules.express import express_apps, is_test_file
from nodeward.source.rules.framework_fixes import global_rate_limit_fix

#: Request body limits above this are reported (10 MiB, as `bytes` counts it).
MAX_BODY_LIMIT = 10 * 1024 * 1024
#: (module, path) of body parsers -> the option names that carry their limits.
BODY_PARSERS: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {
    **{("express", (p,)): ("limit",) for p in ("json", "urlencoded", "raw", "text")},
    **{("body-parser", (p,)): ("limit",) for p in ("json", "urlencoded", "raw", "text")},
    ("body-parser", ()): ("limit",),
    ("koa-bodyparser", ()): ("jsonLimit", "formLimit", "textLimit", "xmlLimit"),
    ("@koa/bodyparser", ()): ("jsonLimit", "formLimit", "textLimit", "xmlLimit"),
    ("koa-body", ()): ("jsonLimit", "formLimit", "textLimit"),
    ("fastify", ()): ("bodyLimit",),
}
_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?b)?\s*$", re.IGNORECASE)
#: Packages whose presence (imported or declared) means someone limits request rates.
RATE_LIMIT_PACKAGES = frozenset(
    {
        "express-rate-limit",
        "rate-limiter-flexible",
        "express-brute",
        "express-slow-down",
        "express-limiter",
        "@nestjs/throttler",
        "koa-ratelimit",
        "koa2-ratelimit",
        "@fastify/rate-limit",
        "fastify-rate-limit",
        "rate-limit-redis",
        "express-throttle",
        "hapi-rate-limit",
    }
)
LOGIN_PATH = re.compile(
    r"(?:^|/)(?:log-?in|sign-?in|sign_in|logon|auth(?:enticate)?|token|oauth/token|sessions?|"
    r"(?:forgot|reset)[-_]?password|password/(?:forgot|reset)|verify-otp|otp|2fa|mfa)/?(?::\w+)?$",
    re.IGNORECASE,
)
_ROUTER_NAME = re.compile(r"^(?:app|router|route|routes|api|server|fastify|r|.*[Rr]outer)$")
_NEST_POST = ("@nestjs/common", ("Post",))


def parse_size(node: Node | None) -> float | None:
    """Bytes of a limit written as a number, `Infinity`, or a `bytes` string ('100mb')."""
    node = syntax.unwrap(node)
    if node is None:
        return None
    if node.type == "identifier" and syntax.text(node) == "Infinity":
        return math.inf
    if node.type == "member_expression" and syntax.text(node) == "Number.MAX_SAFE_INTEGER":
        return math.inf
    number = syntax.number_value(node)
    if number is not None:
        return number
    if (
        node.type == "binary_expression"
        and syntax.text(node.child_by_field_name("operator")) == "*"
    ):
        left = parse_size(node.child_by_field_name("left"))
        right = parse_size(node.child_by_field_name("right"))
        return left * right if left is not None and right is not None else None
    text = syntax.string_value(node)
    match = _SIZE.match(text) if text is not None else None
    if match is None:
        return None
    return float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()]


#: the modules _check_file() reports calls into
_UPLOAD_AND_BODY_MODULES = frozenset(
    {*(module for module, _path in BODY_PARSERS), "multer", "express-fileupload"}
)


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for call, ref in ctx.call_index.calls_into(_UPLOAD_AND_BODY_MODULES):
        args = syntax.call_arguments(call)
        options = ctx.value_of(args[0]) if args else None
        limits = BODY_PARSERS.get((ref.module, ref.path))
        if limits is not None:
            yield from _large_limits(ctx, call, str(ref), options, limits)
        elif ref.module == "multer" and not ref.path:
            yield from _missing_file_size(ctx, call, "multer", options)
        elif ref.module == "express-fileupload" and not ref.path:
            yield from _missing_file_size(ctx, call, "express-fileupload", options)


def _large_limits(
    ctx: FileContext, call: Node, parser: str, options: Node | None, keys: tuple[str, ...]
) -> Iterator[Finding]:
    for key in keys:
        value = syntax.object_get(options, key)
        size = parse_size(ctx.value_of(value)) if value is not None else None
        if value is None or size is None or size <= MAX_BODY_LIMIT:
            continue
        shown = "no limit" if math.isinf(size) else f"{size / 1024**2:g} MB"
        inline = call.start_byte <= value.start_byte < call.end_byte
        yield BODY_NO_LIMIT.finding(
            ctx.location(value if inline else call),
            f"{parser}() accepts request bodies up to {shown} ({key}: {syntax.text(value)}); "
            "keep the limit small (the 100kb default, or a few MB for the routes that need it)",
        )


def _missing_file_size(
    ctx: FileContext, call: Node, package: str, options: Node | None
) -> Iterator[Finding]:
    if options is not None and options.type != "object":
        return  # built elsewhere: cannot tell
    if options is not None and syntax.has_spread(options):
        return
    limit = syntax.object_get(options, "limits.fileSize")
    if limit is not None:
        size = parse_size(ctx.value_of(limit))
        if size is None or not math.isinf(size):
            return
    yield BODY_NO_LIMIT.finding(
        ctx.location(call),
        f"{package}() has no limits.fileSize, so uploads of any size are accepted; "
        "set limits: { fileSize: 5 * 1024 * 1024 } (and files/fields counts)",
    )


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    project = analysis.project
    if any(project.uses_package(name) for name in RATE_LIMIT_PACKAGES):
        return
    if any("rate-limit" in m or "ratelimit" in m for m in project.imported_modules):
        return
    modelled = _modelled_login_route(analysis.app_model)
    if modelled is not None:
        app, route = modelled
        # An absence finding belongs where the fix goes: the app, for a global limiter.
        # Per-route gaps are NW720's, so the two never stand on the same line.
        if app is not None:
            yield _finding(app.location, route.path, app.framework)
            return
        # A router no app mounts: the first Express app is still where a limiter goes.
        first = _first_app(project)
        if first is not None:
            yield _finding(first[0].location(first[1]), route.path, EXPRESS)
        else:
            yield _finding(route.location, route.path, None)
        return
    for ctx in project.files:
        found = _first_login_route(ctx)
        if found is not None:
            node, path = found
            first = _first_app(project)
            where = first[0].location(first[1]) if first is not None else ctx.location(node)
            yield _finding(where, path, EXPRESS if first is not None else None)
            return


def _finding(where: SourceLocation, path: str, framework: Framework | None) -> Finding:
    return NO_RATE_LIMITING.finding(
        where,
        f"POST {path} accepts credentials, and nothing in the project limits request "
        "rates (no express-rate-limit, rate-limiter-flexible, @fastify/rate-limit, "
        f"@nestjs/throttler, ...); {global_rate_limit_fix(framework)}",
    )


def _modelled_login_route(model: AppModel) -> tuple[App | None, Route] | None:
    """The first login-like POST route of the app model (any framework), preferring one
    mounted on an app outside the test folders."""
    found: list[tuple[App | None, Route]] = [
        (app, route)
        for app, route in model.routes()
        if route.method in ("POST", "ALL")
        and LOGIN_PATH.search(route.path)
        and not is_test_file(route.location.path)
        and (app is None or not is_test_file(app.location.path))
    ]
    mounted = [(app, route) for app, route in found if app is not None]
    candidates = mounted or found
    return candidates[0] if candidates else None


def _first_app(project: Project) -> tuple[FileContext, Node] | None:
    for ctx in project.files:
        if is_test_file(ctx.rel):
            continue
        apps = express_apps(ctx)
        if apps:
            return ctx, apps[0]
    return None


def _first_login_route(ctx: FileContext) -> tuple[Node, str] | None:
    # the calls it may return, in document order: `x.post(...)` / `x.all(...)`, and
    # calls into NestJS (its `@Post()` decorator)
    index = ctx.call_index
    routes = (call for call, _receiver, _method in index.method_calls(("post", "all")))
    nest = (call for call, _ref in index.calls_into(_NEST_POST[:1]))
    for call in in_document_order(routes, nest):
        fn = call.child_by_field_name("function")
        if fn is None:
            continue
        if fn.type == "member_expression":
            method = syntax.text(fn.child_by_field_name("property"))
            if method not in ("post", "all"):
                continue  # the method name first: most calls are of other methods
            args = syntax.call_arguments(call)
            receiver = fn.child_by_field_name("object")
            path = _route_path(ctx, receiver, args)
            chained = receiver is not None and receiver.type == "call_expression"
            handlers = len(args) if chained else len(args) - 1
            if (
                path is not None
                and handlers >= 1
                and LOGIN_PATH.search(path)
                and _is_router(ctx, receiver)
            ):
                return call, path
        elif (ref := ctx.callee(call)) is not None and ref.is_(*_NEST_POST[:1], *_NEST_POST[1]):
            args = syntax.call_arguments(call)
            path = syntax.string_value(args[0]) if args else None
            if path is not None and LOGIN_PATH.search("/" + path.lstrip("/")):
                return call, "/" + path.lstrip("/")
    return None


def _route_path(ctx: FileContext, receiver: Node | None, args: list[Node]) -> str | None:
    """The path of `app.post('/login', ...)` or of `router.route('/login').post(...)`."""
    if receiver is not None and receiver.type == "call_expression":
        inner = receiver.child_by_field_name("function")
        prop = inner.child_by_field_name("property") if inner is not None else None
        if syntax.text(prop) == "route":
            inner_args = syntax.call_arguments(receiver)
            return syntax.string_value(inner_args[0]) if inner_args else None
        return None
    return syntax.string_value(ctx.value_of(args[0])) if args else None


def _is_router(ctx: FileContext, receiver: Node | None) -> bool:
    """An Express/Koa/fastify app or router, by what it resolves to or, for an app passed
    in as a parameter (`module.exports = (app) => ...`), by its conventional name."""
    while receiver is not None and receiver.type == "call_expression":  # .route('/x')
        fn = receiver.child_by_field_name("function")
        receiver = fn.child_by_field_name("object") if fn is not None else None
    ref = ctx.ref_of(receiver)
    if ref is not None:
        return ref.module in (
            "express",
            "koa-router",
            "@koa/router",
            "fastify",
            "express-promise-router",
            "hyper-express",
        )
    name = syntax.dotted_name(receiver)
    return name is not None and bool(_ROUTER_NAME.match(name.split(".")[-1]))


CHECKER = Checker(
    rules=(BODY_NO_LIMIT, NO_RATE_LIMITING), check_file=_check_file, check_project=_check_project
)
