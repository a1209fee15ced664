"""Security headers: whether an Express app sets them at all, hides X-Powered-By, and
does not switch Helmet's protections off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.headers import (
    HELMET_PROTECTION_DISABLED,
    MISSING_SECURITY_HEADERS,
    X_POWERED_BY_EXPOSED,
)
from nodeward.checks import Checker
from nodeward.findings import Finding, SourceLocation
from nodeward.source import syntax
from nodeward.source.appmodel import App
from nodeward.source.context import FileContext
from nodeward.source.frameworks.base import Framework
from nodeward.source.frameworks.express import EXPRESS
from nodeward.source.frameworks.fastify import FASTIFY
from nodeward.source.frameworks.nestjs import NESTJS
from nodeward.source.parse import Node
from nodeward.source.rules.express import (
    express_apps,
    header_sets,
    is_test_file,
    resolve,
)
from nodeward.source.rules.framework_fixes import helmet_fix

#: Helmet 7/8 option names (and their legacy aliases) whose `false` drops a key defence.
_PROTECTIONS = {
    "contentSecurityPolicy": "Content-Security-Policy",
    "strictTransportSecurity": "Strict-Transport-Security",
    "hsts": "Strict-Transport-Security",
    "xContentTypeOptions": "X-Content-Type-Options",
    "noSniff": "X-Content-Type-Options",
    "xFrameOptions": "X-Frame-Options",
    "frameguard": "X-Frame-Options",
}
_SCRIPT_DIRECTIVES = frozenset({"defaultsrc", "scriptsrc", "scriptsrcelem"})
_UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "*")
_NONCE_OR_HASH = re.compile(r"'(nonce-|sha256-|sha384-|sha512-|strict-dynamic)")
_HEADER_MODULES = ("helmet", "lusca")
_FASTIFY_HELMET = frozenset({"@fastify/helmet", "fastify-helmet"})
_POWERED_BY_HIDERS = frozenset({"hidePoweredBy", "xPoweredBy"})
#: the calls _file_evidence() reads: into these modules, and these methods
_EVIDENCE_MODULES = frozenset({*_HEADER_MODULES, "hide-powered-by"})
_EVIDENCE_METHODS = ("register", "disable", "removeHeader", "set")


@dataclass(frozen=True)
class HeaderEvidence:
    """What a project does about response headers, gathered across all its files."""

    sets_headers: bool
    hides_powered_by: bool


def _helmet_hides_powered_by(ctx: FileContext, call: Node) -> bool:
    args = syntax.call_arguments(call)
    options = resolve(ctx, args[0]) if args else None
    for key in _POWERED_BY_HIDERS:
        if syntax.bool_value(syntax.object_get(options, key)) is False:
            return False
    return True


def _is_fastify_helmet(ctx: FileContext, plugin: Node) -> bool:
    """`app.register(helmet)`, `app.register(require("@fastify/helmet"), {...})`, also
    `import("@fastify/helmet")` and through a TS cast."""
    ref = ctx.ref_of(syntax.unwrap(plugin))
    if ref is not None:
        return ref.module in _FASTIFY_HELMET
    text = syntax.text(plugin)
    return any(f'"{m}"' in text or f"'{m}'" in text for m in _FASTIFY_HELMET)


def _file_evidence(ctx: FileContext) -> HeaderEvidence:
    sets_headers = hides = False
    for call, ref in ctx.call_index.calls_into(_EVIDENCE_MODULES):
        if ref.module in _HEADER_MODULES:
            sets_headers = True
            if ref.module == "helmet" and not ref.path:
                hides = hides or _helmet_hides_powered_by(ctx, call)
            elif ref.module == "helmet" and ref.path[-1:] and ref.path[-1] in _POWERED_BY_HIDERS:
                hides = True
        if ref.module == "hide-powered-by":
            hides = True
    for call, _receiver, method in ctx.call_index.method_calls(_EVIDENCE_METHODS):
        args = syntax.call_arguments(call)
        if method == "register" and args and _is_fastify_helmet(ctx, args[0]):
            sets_headers = True
        first = (syntax.string_value(args[0]) or "").lower() if args else ""
        if first == "x-powered-by" and (
            method in ("disable", "removeHeader")
            or (method == "set" and len(args) > 1 and syntax.bool_value(args[1]) is False)
        ):
            hides = True
    for _call, name, _value in header_sets(ctx, ctx.parsed.root):
        if name in ("content-security-policy", "x-frame-options"):
            sets_headers = True
    return HeaderEvidence(sets_headers, hides)


@dataclass(frozen=True)
class _AppCreation:
    """Where an app is created, its framework, and whether it sends X-Powered-By."""

    location: SourceLocation
    framework: Framework
    powered_by: bool
    #: The framework whose header plugin applies: Fastify's for Nest on FastifyAdapter.
    platform: Framework


def _app_creations(analysis: AnalysisContext) -> list[_AppCreation]:
    """Express apps (`express()`, also those the app model cannot route), then Fastify
    (`fastify()`) and NestJS (`NestFactory.create(...)`) apps from the app model. Fastify
    sends no X-Powered-By; Nest does on its default Express platform, not on Fastify's."""
    found = [
        _AppCreation(ctx.location(call), EXPRESS, True, EXPRESS)
        for ctx in analysis.project.files
        if not is_test_file(ctx.rel)
        for call in express_apps(ctx)
    ]
    for app in analysis.app_model.apps:
        if is_test_file(app.location.path):
            continue
        # Express apps come from every `express()` call above; other frameworks are not
        # judged (Koa, Hapi: no header plugin the rule knows)
        if app.framework is FASTIFY:
            found.append(_AppCreation(app.location, app.framework, False, app.framework))
        elif app.framework is NESTJS:
            on_fastify = _on_fastify_adapter(app)
            platform = FASTIFY if on_fastify else NESTJS
            found.append(_AppCreation(app.location, app.framework, not on_fastify, platform))
    return found


def _on_fastify_adapter(app: App) -> bool:
    """`NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter())`, the
    creation possibly spread over several lines."""
    lines = syntax.text(app.ctx.parsed.root).splitlines()
    last = app.location.end_line or app.location.line
    written = "\n".join(lines[app.location.line - 1 : last])
    return "FastifyAdapter" in written or "NestFastifyApplication" in written


def _helmet_in_chains(analysis: AnalysisContext) -> bool:
    """A header plugin the app model found registered in a way no single file shows:
    a file @fastify/autoload loads whose default export is @fastify/helmet."""
    for app in analysis.app_model.apps:
        chain = [use.middleware for use in app.uses]
        chain += [middleware for route in app.routes for middleware in route.chain]
        if any(m.ref is not None and m.ref.module in _FASTIFY_HELMET for m in chain):
            return True
    return False


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    project = analysis.project
    apps = _app_creations(analysis)
    if not apps:
        return
    evidence = [_file_evidence(ctx) for ctx in project.files]
    sets_headers = any(e.sets_headers for e in evidence) or _helmet_in_chains(analysis)
    hides = any(e.hides_powered_by for e in evidence)
    for app in apps:
        label = app.framework.label
        if not sets_headers:
            yield MISSING_SECURITY_HEADERS.finding(
                app.location,
                f"{label} app created here, but no security-header middleware (helmet, "
                "@fastify/helmet, lusca or a Content-Security-Policy/X-Frame-Options header) "
                f"is applied anywhere in the project; {helmet_fix(app.platform)}",
            )
        if app.powered_by and not hides:
            yield X_POWERED_BY_EXPOSED.finding(
                app.location,
                f"{label} app created here keeps the default `X-Powered-By: Express` header; "
                "add app.disable('x-powered-by') or app.use(helmet())",
            )


def _helmet_option_objects(ctx: FileContext) -> Iterator[tuple[Node, Node]]:
    """(call, options) for `helmet({...})` and `helmet.contentSecurityPolicy({...})`."""
    for call, ref in ctx.call_index.calls_into(("helmet",)):
        if len(ref.path) > 1:
            continue
        args = syntax.call_arguments(call)
        options = resolve(ctx, args[0]) if args else None
        if options is not None and options.type == "object":
            yield call, options


def _csp_directives(ctx: FileContext, call: Node, options: Node) -> Node | None:
    ref = ctx.callee(call)
    if ref is not None and ref.path == ("contentSecurityPolicy",):
        return resolve(ctx, syntax.object_get(options, "directives"))
    csp = resolve(ctx, syntax.object_get(options, "contentSecurityPolicy"))
    return resolve(ctx, syntax.object_get(csp, "directives"))


def _unsafe_sources(ctx: FileContext, directives: Node | None) -> Iterator[tuple[str, Node]]:
    for key, value, _pair in syntax.object_entries(directives):
        if key.replace("-", "").lower() not in _SCRIPT_DIRECTIVES:
            continue
        sources = resolve(ctx, value)
        if sources is None or sources.type != "array":
            continue
        items = sources.named_children
        texts = [syntax.string_value(item) for item in items]
        # A nonce, hash or a function (Helmet's per-request nonce) makes CSP2+ browsers
        # ignore 'unsafe-inline', which is then only a fallback for very old browsers.
        nonced = any(
            (t is not None and _NONCE_OR_HASH.match(t)) or item.type in syntax.FUNCTION_TYPES
            for t, item in zip(texts, items, strict=True)
        )
        for t, item in zip(texts, items, strict=True):
            if t in _UNSAFE_SOURCES and not (t == "'unsafe-inline'" and nonced):
                yield f"{key} allows {t}", item


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    for call, options in _helmet_option_objects(ctx):
        ref = ctx.callee(call)
        if ref is not None and not ref.path:
            for key, value, pair in syntax.object_entries(options):
                if key in _PROTECTIONS and syntax.bool_value(value) is False:
                    yield HELMET_PROTECTION_DISABLED.finding(
                        ctx.location(pair),
                        f"helmet({{ {key}: false }}) turns off the {_PROTECTIONS[key]} header; "
                        f"remove `{key}: false` and configure the header instead",
                    )
        for what, item in _unsafe_sources(ctx, _csp_directives(ctx, call, options)):
            yield HELMET_PROTECTION_DISABLED.finding(
                ctx.location(item),
                f"Content-Security-Policy {what}, which lets injected scripts run; use "
                "nonces or hashes for inline scripts and list trusted origins explicitly",
            )


CHECKER = Checker(
    rules=(MISSING_SECURITY_HEADERS, X_POWERED_BY_EXPOSED, HELMET_PROTECTION_DISABLED),
    check_file=_check_file,
    check_project=_check_project,
)
