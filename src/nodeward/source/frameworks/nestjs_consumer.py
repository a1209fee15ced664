"""NestJS module middleware: `consumer.apply(AuthMiddleware).exclude(...).forRoutes(...)`
in a module's `configure(consumer)`.

The middleware runs after the bootstrap's `app.use(...)` and before the guards, for the
routes `forRoutes` names: a path (`'admin'`, `'admin/*'`, `'*'`, `{ path, method }`) or
a controller class, minus those `exclude` names. A class middleware is judged by its
`use(req, res, next)` method, like Express middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nodeward.source import syntax
from nodeward.source.appmodel.guards import judged_middleware
from nodeward.source.appmodel.model import Middleware
from nodeward.source.appmodel.resolve import Resolver, member_function
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_ALL = frozenset({"*", "(.*)", "/*", "/(.*)", "*splat", "{*splat}"})
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ALL"})


@dataclass(frozen=True)
class RouteTarget:
    """One `forRoutes`/`exclude` argument: a path pattern (with a method or not) or a
    controller class name. `dynamic` when it could not be read."""

    path: str | None = None
    method: str | None = None
    controller: str | None = None
    dynamic: bool = False

    def matches(self, controller: str, local_path: str, method: str) -> bool:
        if self.dynamic:
            return True
        if self.controller is not None:
            return self.controller == controller
        if self.method is not None and self.method not in ("ALL", method):
            return False
        pattern = (self.path or "").strip("/")
        path = local_path.strip("/")
        if pattern in _ALL or not pattern:
            return True
        for wildcard in ("/*", "/(.*)", "*", "(.*)"):
            if pattern.endswith(wildcard):
                stem = pattern[: -len(wildcard)].rstrip("/")
                return path == stem or path.startswith(stem + "/")
        return path == pattern


@dataclass(frozen=True)
class Applied:
    middleware: tuple[Middleware, ...]
    targets: tuple[RouteTarget, ...]
    excluded: tuple[RouteTarget, ...]

    def covers(self, controller: str, local_path: str, method: str) -> bool:
        if any(t.matches(controller, local_path, method) for t in self.excluded):
            return False
        return any(t.matches(controller, local_path, method) for t in self.targets)


MakeMiddleware = Callable[[FileContext, Node], Middleware]


def applied_middleware(
    resolver: Resolver, files: list[FileContext], make: MakeMiddleware
) -> list[Applied]:
    """Every `consumer.apply(...)...forRoutes(...)` chain in the project, in file order."""
    found: list[Applied] = []
    for ctx in files:
        for call in ctx.nodes("call_expression"):
            if _property(call) != "forRoutes":
                continue
            applied = _chain(resolver, ctx, call, make)
            if applied is not None:
                found.append(applied)
    return found


def _property(call: Node) -> str | None:
    fn = syntax.unwrap(call.child_by_field_name("function"))
    if fn is None or fn.type != "member_expression":
        return None
    return syntax.text(fn.child_by_field_name("property"))


def _chain(
    resolver: Resolver, ctx: FileContext, call: Node, make: MakeMiddleware
) -> Applied | None:
    targets = [_target(resolver, ctx, a) for a in syntax.call_arguments(call)]
    excluded: list[RouteTarget] = []
    middleware: list[Middleware] | None = None
    current: Node | None = call
    for _step in range(8):  # apply(...).exclude(...).forRoutes(...): a short chain
        fn = syntax.unwrap(current.child_by_field_name("function")) if current else None
        current = syntax.unwrap(fn.child_by_field_name("object")) if fn is not None else None
        if current is None or current.type != "call_expression":
            break
        match _property(current):
            case "exclude":
                excluded += [_target(resolver, ctx, a) for a in syntax.call_arguments(current)]
            case "apply":
                middleware = [
                    _middleware(resolver, ctx, a, make) for a in syntax.call_arguments(current)
                ]
                break
            case _:
                break
    if middleware is None:
        return None
    return Applied(tuple(middleware), tuple(targets), tuple(excluded))


def _target(resolver: Resolver, ctx: FileContext, node: Node) -> RouteTarget:
    value = syntax.unwrap(resolver.value(ctx, node))
    if value is None:
        return RouteTarget(dynamic=True)
    if value.type in ("string", "template_string"):
        text = syntax.string_value(value)
        return RouteTarget(path=text) if text is not None else RouteTarget(dynamic=True)
    if value.type == "object":
        path = resolver.string(ctx, syntax.object_get(value, "path"))
        method = syntax.text(syntax.object_get(value, "method")).rsplit(".", 1)[-1].upper()
        if path is None:
            return RouteTarget(dynamic=True)
        return RouteTarget(path=path, method=method if method in _METHODS else None)
    if value.type in ("class_declaration", "class") or node.type == "identifier":
        return RouteTarget(controller=syntax.text(node).rsplit(".", 1)[-1])
    return RouteTarget(dynamic=True)


def _middleware(
    resolver: Resolver, ctx: FileContext, node: Node, make: MakeMiddleware
) -> Middleware:
    """A class middleware (`AuthMiddleware` with `use(req, res, next)`) is judged by its
    `use` method; functions and package calls (`helmet()`) like Express middleware."""
    node = syntax.unwrap(node) or node
    found = resolver.class_of(ctx, node) if node.type == "identifier" else None
    if found is None or found[1].type in syntax.FUNCTION_TYPES:
        return make(ctx, node)
    cls_ctx, cls = found
    use = member_function(cls, "use")
    definition_ctx = cls_ctx if use is not None else None
    return judged_middleware(ctx, node, syntax.text(node), ctx.ref_of(node), use, definition_ctx)
