"""Rate limits keyed on what the client chooses (NW741): a key function that reads a
client-IP header, or a limiter keyed on the client address in a project that trusts every
proxy (so req.ip itself comes from X-Forwarded-For)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.dos import RATE_LIMIT_BYPASS
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

#: Limiter factories -> the option that names their key function.
_FACTORIES: dict[str, str] = {
    "express-rate-limit": "keyGenerator",
    "express-slow-down": "keyGenerator",
    "koa-ratelimit": "id",
    "koa2-ratelimit": "keyGenerator",
    "@fastify/rate-limit": "keyGenerator",
    "fastify-rate-limit": "keyGenerator",
}
_FLEXIBLE = "rate-limiter-flexible"
_FASTIFY_PLUGINS = frozenset({"@fastify/rate-limit", "fastify-rate-limit"})
_MODULES = frozenset({*_FACTORIES, _FLEXIBLE})
#: Headers that carry "the client's address" as the client (or any proxy) wrote it.
CLIENT_IP_HEADERS = frozenset(
    {
        "x-forwarded-for",
        "x-real-ip",
        "forwarded",
        "x-client-ip",
        "cf-connecting-ip",
        "true-client-ip",
        "x-cluster-client-ip",
        "fastly-client-ip",
        "x-forwarded",
        "forwarded-for",
    }
)
#: Member names that hold the address the framework derived (from the header when every
#: proxy is trusted).
_ADDRESS_MEMBERS = frozenset({"ip", "ips"})


@dataclass(frozen=True)
class _Limiter:
    ctx: FileContext
    call: Node
    module: str
    #: where the key is chosen (the option, or the consumed expression) and the key
    #: function or expression itself; None for the library's default key
    key: tuple[Node, Node] | None


def _header_read(ctx: FileContext, node: Node) -> str | None:
    """The client-IP header that `node` (a key function or expression) reads, if any:
    `req.headers["x-forwarded-for"]`, `req.get("X-Real-IP")`, `headers.forwarded`."""
    for string in ctx.nodes_within(node, "string"):
        value = (syntax.string_value(string) or "").strip().lower()
        if value in CLIENT_IP_HEADERS:
            return value
    for member in ctx.nodes_within(node, "member_expression"):
        prop = syntax.text(member.child_by_field_name("property")).lower()
        if prop == "forwarded" and "headers" in syntax.text(member.child_by_field_name("object")):
            return prop
    return None


def _reads_address(ctx: FileContext, node: Node) -> bool:
    """Whether the key reads `req.ip` / `ctx.ip` / `request.ips` / a destructured `ip`."""
    for member in ctx.nodes_within(node, "member_expression"):
        if syntax.text(member.child_by_field_name("property")) in _ADDRESS_MEMBERS:
            return True
    return any(
        syntax.text(ident) in _ADDRESS_MEMBERS
        for ident in ctx.nodes_within(node, "shorthand_property_identifier_pattern")
    )


def _options(ctx: FileContext, call: Node, index: int) -> Node | None:
    args = syntax.call_arguments(call)
    if len(args) <= index:
        return None
    value = ctx.value_of(args[index])
    return value if value is not None and value.type == "object" else None


def _key_of(ctx: FileContext, options: Node | None, option: str) -> tuple[Node, Node] | None:
    """The key option as written (where findings point) and the function it names."""
    if options is None:
        return None
    for member in options.named_children:
        name = member.child_by_field_name("key") or member.child_by_field_name("name")
        if name is None or syntax.text(name).strip("'\"") != option:
            continue
        if member.type == "method_definition":
            return member, member
        value = syntax.unwrap(member.child_by_field_name("value"))
        if value is not None and value.type == "identifier":
            return member, ctx.declaration(syntax.text(value), value) or value
        return member, ctx.value_of(value) or member
    return None


def _limiters(ctx: FileContext) -> Iterator[_Limiter]:
    if not ctx.imports_any(_LIMITER_MODULES):
        return  # each limiter below is a call into, or a plugin of, one of these modules
    for call in ctx.calls:
        ref = ctx.callee(call)
        if ref is not None and ref.module in _FACTORIES and not ref.path:
            option = _FACTORIES[ref.module]
            yield _Limiter(ctx, call, ref.module, _key_of(ctx, _options(ctx, call, 0), option))
        elif ref is not None and ref.module in _FACTORIES and ref.path[-1:] == ("rateLimit",):
            yield _Limiter(
                ctx, call, ref.module, _key_of(ctx, _options(ctx, call, 0), "keyGenerator")
            )
        elif ref is not None and ref.module == _FLEXIBLE and ref.path[-1:] == ("consume",):
            args = syntax.call_arguments(call)
            if args:
                yield _Limiter(ctx, call, ref.module, (call, ctx.value_of(args[0]) or args[0]))
        elif ref is not None and ref.path[-1:] == ("register",):
            yield from _fastify_plugin(ctx, call)


_LIMITER_MODULES = frozenset({*_FACTORIES, _FLEXIBLE, *_FASTIFY_PLUGINS})


def _fastify_plugin(ctx: FileContext, call: Node) -> Iterator[_Limiter]:
    """`app.register(rateLimit, { keyGenerator })` / `register(require("@fastify/rate-limit"))`."""
    args = syntax.call_arguments(call)
    if not args:
        return
    plugin = syntax.unwrap(args[0]) or args[0]
    module = ctx.required_module(plugin) if plugin.type == "call_expression" else None
    if module is None:
        ref = ctx.ref_of(plugin)
        module = ref.module if ref is not None else None
    if module in _FASTIFY_PLUGINS:
        yield _Limiter(ctx, call, module, _key_of(ctx, _options(ctx, call, 1), "keyGenerator"))


def _trusts_every_proxy(ctx: FileContext) -> Node | None:
    """The first place the file trusts every proxy's X-Forwarded-For: Express's
    `set("trust proxy", true)` / `enable("trust proxy")`, Fastify's `trustProxy: true`,
    Koa's `app.proxy = true`. A hop count, subnet or "loopback" trusts only known proxies."""
    # the setting's name is a string literal the file must spell
    settings = ctx.call_index.calls_named(("enable", "set")) if ctx.may_spell("trust proxy") else []
    for call in settings:
        fn = syntax.unwrap(call.child_by_field_name("function"))
        if fn is None or fn.type != "member_expression":
            continue
        prop = syntax.text(fn.child_by_field_name("property"))
        args = syntax.call_arguments(call)
        if not args or syntax.string_value(args[0]) != "trust proxy":
            continue
        if prop == "enable" or (
            prop == "set" and len(args) > 1 and _permissive(ctx.value_of(args[1]) or args[1])
        ):
            return call
    # Each loop below looks for a key or property written out (`trustProxy`, `proxy`)
    # in a file importing its framework: without both, a file has none of them.
    modules = ctx.imported_modules()
    pairs = ctx.nodes("pair") if "fastify" in modules and ctx.mentions("trustProxy") else []
    for pair in pairs:
        key = syntax.text(pair.child_by_field_name("key")).strip("'\"")
        if (
            key == "trustProxy"
            and "fastify" in ctx.imported_modules()
            and syntax.bool_value(pair.child_by_field_name("value")) is True
        ):
            return pair
    koa = "koa" in modules and ctx.mentions("proxy")
    for assignment in ctx.nodes("assignment_expression") if koa else []:
        left = assignment.child_by_field_name("left")
        if (
            left is not None
            and left.type == "member_expression"
            and syntax.text(left.child_by_field_name("property")) == "proxy"
            and syntax.bool_value(assignment.child_by_field_name("right")) is True
            and "koa" in ctx.imported_modules()
        ):
            return assignment
    return None


def _permissive(value: Node) -> bool:
    return syntax.bool_value(value) is True or syntax.string_value(value) == "*"


def _finding(limiter: _Limiter, trusted: tuple[FileContext, Node] | None) -> Finding | None:
    ctx = limiter.ctx
    where, key = limiter.key if limiter.key is not None else (limiter.call, None)
    header = _header_read(ctx, key) if key is not None else None
    if header is not None:
        return RATE_LIMIT_BYPASS.finding(
            ctx.location(where),
            f"the {limiter.module} key reads the `{header}` header, which the client writes: "
            "each request can claim a new address and the limit never triggers; key on req.ip "
            'with app.set("trust proxy", 1) (only your own proxies), or on the account',
        )
    if trusted is None or (key is not None and not _reads_address(ctx, key)):
        return None
    trust_ctx, trust = trusted
    return RATE_LIMIT_BYPASS.finding(
        ctx.location(where),
        f"this {limiter.module} limiter is keyed on the client address, but "
        f"{trust_ctx.rel}:{syntax.line_of(trust)} trusts every proxy, so the address comes "
        "from X-Forwarded-For and each request can claim a new one; trust only your own "
        'proxies: app.set("trust proxy", 1)',
    )


def _check_project(project: Project) -> Iterator[Finding]:
    files = [ctx for ctx in project.files if ctx.imports_any(_MODULES)]
    if not files:
        return
    trusts = [
        (ctx, node) for ctx in project.files if (node := _trusts_every_proxy(ctx)) is not None
    ]
    for ctx in files:
        trusted = _governing(trusts, ctx.rel)
        for limiter in _limiters(ctx):
            finding = _finding(limiter, trusted)
            if finding is not None:
                yield finding


def _governing(trusts: list[tuple[FileContext, Node]], rel: str) -> tuple[FileContext, Node] | None:
    """The proxy setting that governs the limiter in file `rel`: one in the same file, else
    one in a folder above it (the app's entry point above its routes and middleware). Two
    apps side by side in one repository (`a/server.js`, `b/server.js`) do not share one."""
    same = next((t for t in trusts if t[0].rel == rel), None)
    if same is not None:
        return same
    folder = PurePosixPath(rel).parent
    return next(
        (t for t in trusts if PurePosixPath(t[0].rel).parent in (folder, *folder.parents)), None
    )


def _check(analysis: AnalysisContext) -> Iterator[Finding]:
    yield from _check_project(analysis.project)


CHECKER = Checker(rules=(RATE_LIMIT_BYPASS,), check_project=_check, standalone=True)
