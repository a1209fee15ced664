"""NestJS in the app model: `@Controller()` classes and their route methods, with the
guards that run before each.

A route's chain, in the order Nest runs it: middleware applied in the bootstrap
(`app.use(helmet())`), global guards (`{ provide: APP_GUARD, useClass: JwtAuthGuard }` in
a module's providers, `app.useGlobalGuards(...)`), then `@UseGuards(...)` on the class,
then on the method. `@Public()`-style decorators are the usual way a global auth guard
lets a route through (it reads them with the Reflector), and `@SkipThrottle()` turns
off @nestjs/throttler's guard; both remove the global guard's effect for that route.

A guard from a package is judged by the package table (`AuthGuard('jwt')` from
@nestjs/passport, `ThrottlerGuard`); a project guard class like project middleware: by
its name, by the class it extends, and by whether its `canActivate` can say no.

The handler of a route is the method's own node: the taint engine recognises the same
method as a NestJS handler (taint/nest.py), and matches it by (file, start byte).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nodeward.findings import Skip
from nodeward.source import syntax
from nodeward.source.appmodel import paths
from nodeward.source.appmodel.guards import PACKAGE_GUARDS, guards_from_body
from nodeward.source.appmodel.model import Guard, Handler, Middleware, Route
from nodeward.source.appmodel.resolve import Creation, Resolver, member_function
from nodeward.source.context import FileContext
from nodeward.source.decorators import Decorator as _Decorator
from nodeward.source.decorators import class_decorators as _class_decorators
from nodeward.source.decorators import method_decorators as _method_decorators
from nodeward.source.frameworks.decorator_routes import NEST_ROUTES
from nodeward.source.frameworks.decorator_routes import first_path as _first_path
from nodeward.source.frameworks.nestjs_consumer import Applied, MakeMiddleware, applied_middleware
from nodeward.source.parse import Node

_COMMON = "@nestjs/common"
ROUTE_DECORATORS = NEST_ROUTES
#: Decorators that mark a route as open to a global auth guard (Nest docs' `@Public()`,
#: nest-keycloak-connect's `@Unprotected()`, common spellings).
_PUBLIC = re.compile(
    r"^(Public|IsPublic|PublicRoute|AllowAnonymous|Anonymous|SkipAuth|NoAuth|Unprotected)$"
)
_GUARD_AUTH_NAME = re.compile(
    r"auth|jwt|role|permission|polic|admin|login|logged|session|user|access|scope|acl|casl|"
    r"owner|api_?key|token|bearer|passport",
    re.IGNORECASE,
)
_GUARD_LIMIT_NAME = re.compile(r"throttl|limit|brute", re.IGNORECASE)


@dataclass(frozen=True)
class NestGlobals:
    """What the bootstrap and the modules apply to every route."""

    prefix: str
    excluded: frozenset[str]  # `setGlobalPrefix('api', { exclude: ['health'] })`
    middleware: tuple[Middleware, ...]
    guards: tuple[Middleware, ...]
    applied: tuple[Applied, ...] = ()  # consumer.apply(...).forRoutes(...) in modules


NO_GLOBALS = NestGlobals(prefix="", excluded=frozenset(), middleware=(), guards=())


class NestModel:
    def __init__(
        self, resolver: Resolver, files: list[FileContext], make_middleware: MakeMiddleware
    ) -> None:
        self.resolver = resolver
        self.files = [ctx for ctx in files if _COMMON in ctx.imported_modules()]
        self.make_middleware = make_middleware
        self.skips: list[Skip] = []

    # -- guards -----------------------------------------------------------------------

    def guard(self, ctx: FileContext, node: Node) -> Middleware:
        """One guard as written in `@UseGuards(...)`, `useClass:` or `useGlobalGuards`."""
        node = syntax.unwrap(node) or node
        target = node
        if node.type == "new_expression":  # useGlobalGuards(new JwtAuthGuard(reflector))
            target = node.child_by_field_name("constructor") or node
        name = " ".join(syntax.text(target).split())[:60]
        ref = ctx.ref_of(target)
        found = (
            self.resolver.class_of(ctx, target)
            if ref is None or ref.module.startswith(".")
            else None
        )
        definition, definition_ctx = (found[1], found[0]) if found is not None else (None, None)
        return Middleware(
            name=name,
            ref=ref,
            location=ctx.location(node),
            guards=self._guard_kinds(name, ctx, target, definition, definition_ctx, 0),
            node=node,
            ctx=ctx,
            definition=definition,
            definition_ctx=definition_ctx,
        )

    def _guard_kinds(
        self,
        name: str,
        ctx: FileContext,
        node: Node,
        cls: Node | None,
        cls_ctx: FileContext | None,
        depth: int,
    ) -> frozenset[Guard]:
        ref = ctx.ref_of(node)
        known = PACKAGE_GUARDS.get(ref.module) if ref is not None else None
        if known is not None:
            return frozenset({known})
        # A guard from a package we do not know, or through a path alias
        # (`@app/auth`), is judged by its name like an unresolved project guard.
        found: set[Guard] = set()
        stem = re.sub(r"Guard$", "", name.rsplit(".", 1)[-1])
        if cls is None or cls_ctx is None:
            if _GUARD_AUTH_NAME.search(stem):
                found.add(Guard.AUTH)
            if _GUARD_LIMIT_NAME.search(stem):
                found.add(Guard.RATE_LIMIT)
            return frozenset(found)
        inherited: frozenset[Guard] = frozenset()
        base = _superclass(cls)
        if base is not None and depth < 8:
            base_target = syntax.unwrap(base) or base
            if base_target.type == "call_expression":  # extends AuthGuard('jwt')
                base_target = base_target.child_by_field_name("function") or base_target
            base_cls = self.resolver.class_of(cls_ctx, base_target)
            inherited = self._guard_kinds(
                syntax.text(base_target),
                cls_ctx,
                base_target,
                base_cls[1] if base_cls is not None else None,
                base_cls[0] if base_cls is not None else None,
                depth + 1,
            )
        method = member_function(cls, "canActivate")
        can_deny = _can_deny(method) if method is not None else bool(inherited)
        if not can_deny:
            return frozenset()  # a guard that always answers true guards nothing
        found |= inherited
        if _GUARD_AUTH_NAME.search(stem):
            found.add(Guard.AUTH)
        if _GUARD_LIMIT_NAME.search(stem):
            found.add(Guard.RATE_LIMIT)
        if method is not None:
            found |= guards_from_body(method)
        return frozenset(found)

    def global_guards(self) -> list[Middleware]:
        """`{ provide: APP_GUARD, useClass: JwtAuthGuard }` in any module's providers."""
        found: list[Middleware] = []
        for ctx in self.files:
            for obj in ctx.nodes("object"):
                provide = syntax.object_get(obj, "provide")
                if provide is None or syntax.text(provide).rsplit(".", 1)[-1] != "APP_GUARD":
                    continue
                use = syntax.object_get(obj, "useClass") or syntax.object_get(obj, "useExisting")
                if use is not None:
                    found.append(self.guard(ctx, use))
        return found

    def bootstrap(self, creation: Creation, middleware: list[Middleware]) -> NestGlobals:
        """The global prefix and guards set on the app object in the bootstrap
        (`app.setGlobalPrefix('api')`, `app.useGlobalGuards(new JwtAuthGuard())`), with the
        APP_GUARD providers and the middleware applied with `app.use(...)`."""
        ctx = creation.ctx
        prefix, excluded = "", frozenset[str]()
        guards: list[Middleware] = []
        for call in ctx.nodes("call_expression"):
            fn = syntax.unwrap(call.child_by_field_name("function"))
            if fn is None or fn.type != "member_expression":
                continue
            method = syntax.text(fn.child_by_field_name("property"))
            if method not in ("setGlobalPrefix", "useGlobalGuards"):
                continue
            made = self.resolver.creation(ctx, fn.child_by_field_name("object"))
            args = syntax.call_arguments(call)
            if made is None or made.target != creation.target or not args:
                continue
            if method == "useGlobalGuards":
                guards += [self.guard(ctx, a) for a in args]
                continue
            prefix = self.resolver.string(ctx, args[0]) or "<dynamic>"
            exclude = (
                syntax.unwrap(syntax.object_get(args[1], "exclude")) if len(args) > 1 else None
            )
            if exclude is not None and exclude.type == "array":
                excluded = frozenset(
                    (syntax.string_value(e) or "").strip("/") for e in exclude.named_children
                )
        return NestGlobals(
            prefix=prefix,
            excluded=excluded,
            middleware=tuple(middleware),
            guards=(*guards, *self.global_guards()),
            applied=tuple(applied_middleware(self.resolver, self.files, self.make_middleware)),
        )

    # -- routes -----------------------------------------------------------------------

    def routes(self, globals_: NestGlobals) -> Iterator[Route]:
        for ctx in self.files:
            for cls in ctx.nodes(*syntax.CLASS_TYPES):
                yield from self._controller(ctx, cls, globals_)

    def _controller(self, ctx: FileContext, cls: Node, globals_: NestGlobals) -> Iterator[Route]:
        decorators = _class_decorators(cls)
        controller = next((d for d in decorators if d.name == "Controller"), None)
        body = cls.child_by_field_name("body")
        if controller is None or body is None:
            return
        base = _first_path(self.resolver, ctx, controller.args)
        class_name = syntax.text(cls.child_by_field_name("name")) or "<controller>"
        for method in body.named_children:
            if method.type != "method_definition":
                continue
            own = _method_decorators(method)
            route = next((d for d in own if d.name in ROUTE_DECORATORS), None)
            if route is None:
                continue
            sub = _first_path(self.resolver, ctx, route.args)
            local = (
                paths.join(base or "", sub or "") if base is not None and sub is not None else None
            )
            path = "<dynamic>" if local is None else self._prefixed(globals_, local)
            name = syntax.text(method.child_by_field_name("name"))
            where = f"{ctx.rel}:{syntax.line_of(route.node)}"
            if local is None:
                self.skips.append(
                    Skip(where, f"route path of {class_name}.{name} is not a constant")
                )
            spread = [
                arg
                for d in (*decorators, *own)
                if d.name == "UseGuards"
                for arg in d.args
                if arg.type == "spread_element"
            ]
            if spread:
                reason = f"guards spread from `{syntax.text(spread[0])[:40]}` not resolved"
                self.skips.append(Skip(where, reason))
            yield Route(
                method=ROUTE_DECORATORS[route.name],
                path=path,
                params=paths.params(path),
                chain=tuple(
                    list(globals_.middleware)
                    + self._module_middleware(globals_, class_name, local or "", route.name)
                    + self._chain(ctx, globals_, decorators, own)
                ),
                handler=Handler(f"{class_name}.{name}", ctx.location(method), method, ctx),
                # the top of the method's decorator block, where a reader (and an
                # inline suppression) looks for the route
                location=ctx.location(own[0].node),
                complete=not spread,
            )

    @staticmethod
    def _prefixed(globals_: NestGlobals, local: str) -> str:
        if local.strip("/") in globals_.excluded:
            return local
        return paths.join(paths.join("/", globals_.prefix), local)

    @staticmethod
    def _module_middleware(
        globals_: NestGlobals, controller: str, local: str, decorator: str
    ) -> list[Middleware]:
        method = ROUTE_DECORATORS[decorator]
        return [
            m
            for applied in globals_.applied
            if applied.covers(controller, local, method)
            for m in applied.middleware
        ]

    def _chain(
        self,
        ctx: FileContext,
        globals_: NestGlobals,
        on_class: list[_Decorator],
        on_method: list[_Decorator],
    ) -> list[Middleware]:
        names = {d.name for d in on_class} | {d.name for d in on_method}
        public = any(_PUBLIC.match(n) for n in names)
        skip_throttle = _skips_throttle(on_method) or (
            _skips_throttle(on_class) and not _throttle_restored(on_method)
        )
        chain: list[Middleware] = []
        for guard in globals_.guards:
            dropped = set()
            if public:
                dropped.add(Guard.AUTH)
            if skip_throttle:
                dropped.add(Guard.RATE_LIMIT)
            if guard.guards & dropped:
                reason = "@Public()" if Guard.AUTH in guard.guards & dropped else "@SkipThrottle()"
                guard = Middleware(
                    name=f"{guard.name} (skipped: {reason})",
                    ref=guard.ref,
                    location=guard.location,
                    guards=guard.guards - dropped,
                    node=guard.node,
                    ctx=guard.ctx,
                    definition=guard.definition,
                    definition_ctx=guard.definition_ctx,
                )
            chain.append(guard)
        for decorators in (on_class, on_method):
            for decorator in decorators:
                if decorator.name == "UseGuards":
                    guards = [
                        self.guard(ctx, a) for a in decorator.args if a.type != "spread_element"
                    ]
                    if skip_throttle:
                        guards = [g for g in guards if not g.has(Guard.RATE_LIMIT)]
                    chain += guards
        return chain


def _skips_throttle(decorators: list[_Decorator]) -> bool:
    found = next((d for d in decorators if d.name == "SkipThrottle"), None)
    return found is not None and not (found.args and syntax.bool_value(found.args[0]) is False)


def _throttle_restored(decorators: list[_Decorator]) -> bool:
    found = next((d for d in decorators if d.name == "SkipThrottle"), None)
    return found is not None and bool(found.args) and syntax.bool_value(found.args[0]) is False


def _superclass(cls: Node) -> Node | None:
    for child in cls.named_children:
        if child.type == "class_heritage":
            for clause in syntax.walk(child):
                if clause.type == "extends_clause":
                    return clause.child_by_field_name("value") or (
                        clause.named_children[0] if clause.named_children else None
                    )
            return child.named_children[0] if child.named_children else None
    return None


def _can_deny(method: Node) -> bool:
    """Whether `canActivate` can refuse: it throws, or returns something other than the
    literal `true` (`false`, a role test, `super.canActivate(context)`)."""
    for node in syntax.walk(method):
        if node.type == "throw_statement":
            return True
        if node.type == "return_statement" and syntax.enclosing_function(node) == method:
            value = syntax.unwrap(next(iter(node.named_children), None))
            if value is None or syntax.text(value) != "true":
                return True
    return False
