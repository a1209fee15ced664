"""JSON Web Tokens: decoding without verifying, algorithm pinning and expiry
(jsonwebtoken, jose, jwt-decode, express-jwt)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.catalog.auth import JWT_DECODE_AS_VERIFY, JWT_IGNORE_EXPIRATION, JWT_VERIFY_ALGORITHMS
from nodeward.checks import Checker
from nodeward.findings import Finding, Severity
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules.express import resolve

_DECODERS = (
    ("jsonwebtoken", ("decode",)),
    ("jose", ("decodeJwt",)),
    ("jwt-decode", ()),
    ("jwt-decode", ("jwtDecode",)),
    ("jwt-decode", ("default",)),
)
_EXPRESS_JWT = (("express-jwt", ()), ("express-jwt", ("expressjwt",)))
_VERIFY_NAME = re.compile(r"verify", re.IGNORECASE)
#: A verification key that names an asymmetric key: the algorithm is not HS256, and which
#: one (RS256, ES256, ...) only the issuer knows.
ASYMMETRIC_KEY = re.compile(r"public|pubkey|cert|pem|jwks|rsa|ecdsa|\.key\b", re.IGNORECASE)
#: A key that names a shared (HMAC) secret.
_SHARED_SECRET = re.compile(r"secret|hmac", re.IGNORECASE)
_REQUEST_PARAMS = frozenset({"req", "request", "next", "ctx"})


def _calls(ctx: FileContext, targets: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Node]:
    modules = {module for module, _path in targets}
    return [
        call
        for call, ref in ctx.call_index.calls_into(modules)
        if call.type == "call_expression"
        and any(ref.is_(module, *path) for module, path in targets)
    ]


def _options(ctx: FileContext, call: Node, index: int) -> Node | None:
    """The options object at argument `index` when it is a literal (or a variable bound
    to one); None when absent, a callback, or built elsewhere."""
    args = syntax.call_arguments(call)
    if len(args) <= index:
        return None
    value = resolve(ctx, args[index])
    return value if value is not None and value.type == "object" else None


def _opaque_options(ctx: FileContext, call: Node, index: int) -> bool:
    """Options exist but this file cannot read them (variable from elsewhere, call, spread)."""
    args = syntax.call_arguments(call)
    if len(args) <= index:
        return False
    value = resolve(ctx, args[index])
    if value is None or value.type in syntax.FUNCTION_TYPES:
        return False
    return value.type != "object" or syntax.has_spread(value)


# -- NW201 ---------------------------------------------------------------------------


def _verifies(ctx: FileContext, func: Node | None) -> bool:
    scope = func if func is not None else ctx.parsed.root
    for node in syntax.walk(scope):
        if node.type == "call_expression" and _VERIFY_NAME.search(ctx.callee_name(node)):
            return True
    return False


def _stored_on_request(decode: Node, func: Node | None) -> bool:
    """`req.user = jwt.decode(t)` or `const u = jwt.decode(t); ...; req.user = u`."""
    names = set()
    parent = decode.parent
    while parent is not None and parent.type in ("await_expression", "as_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "variable_declarator":
        target = parent.child_by_field_name("name")
        if target is not None and target.type == "identifier":
            names.add(syntax.text(target))
    scope = func if func is not None else decode
    for node in syntax.walk(scope):
        if node.type != "assignment_expression":
            continue
        chain = syntax.member_chain(node.child_by_field_name("left")) or []
        if not chain or chain[0] not in ("req", "request", "res"):
            continue
        right = node.child_by_field_name("right")
        right_text = syntax.text(right)
        if right is not None and (
            (decode.start_byte >= right.start_byte and decode.end_byte <= right.end_byte)
            or any(re.search(rf"\b{re.escape(n)}\b", right_text) for n in names)
        ):
            return True
    return False


def _in_request_handler(func: Node | None) -> bool:
    while func is not None:
        params = {syntax.param_name(p) for p in syntax.function_params(func)}
        if params & _REQUEST_PARAMS:
            return True
        func = syntax.enclosing_function(func)
    return False


def _decode_findings(ctx: FileContext) -> Iterator[Finding]:
    for call in _calls(ctx, _DECODERS):
        func = syntax.enclosing_function(call)
        if _verifies(ctx, func):
            continue
        if _stored_on_request(call, func) or _in_request_handler(func):
            yield JWT_DECODE_AS_VERIFY.finding(
                ctx.location(call),
                f"{ctx.callee_name(call)}() reads the token without checking its signature, "
                "and the request is then handled with its claims; anyone can forge them. "
                "Use jwt.verify(token, key, { algorithms: [...] })",
            )


# -- NW202 / NW203 -------------------------------------------------------------------


def _none_algorithms(ctx: FileContext, algorithms: Node | None) -> Iterator[Node]:
    value = resolve(ctx, algorithms)
    items = value.named_children if value is not None and value.type == "array" else [value]
    for item in items:
        if item is not None and (syntax.string_value(item) or "").lower() == "none":
            yield item


def is_shared_secret(ctx: FileContext, key: Node) -> bool:
    """The key is an HMAC secret: a string literal that is no PEM, or a name (variable,
    property, environment variable) that says secret and not public key. jsonwebtoken then
    accepts only the HS algorithms and refuses unsigned tokens, whatever the token's header
    says, so there is no algorithm to confuse."""
    value = resolve(ctx, key)
    if value is not None and value.type in ("string", "template_string"):
        return "BEGIN" not in syntax.text(value)
    names = syntax.text(key) + (" " + syntax.text(value) if value is not None else "")
    return _SHARED_SECRET.search(names) is not None and ASYMMETRIC_KEY.search(names) is None


def _verify_findings(ctx: FileContext) -> Iterator[Finding]:
    for call in ctx.calls_to("jsonwebtoken", "verify"):
        args = syntax.call_arguments(call)
        if len(args) < 2:
            continue  # not a complete call (or spread arguments): nothing to judge
        options = _options(ctx, call, 2)
        algorithms = syntax.object_get(options, "algorithms")
        if (
            algorithms is None
            and not _opaque_options(ctx, call, 2)
            and not is_shared_secret(ctx, args[1])
        ):
            yield JWT_VERIFY_ALGORITHMS.finding(
                ctx.location(call),
                f"{ctx.callee_name(call)}() accepts whatever algorithm the token names; "
                'pin it: { algorithms: ["RS256"] } (or the one you sign with)',
            )
        for item in _none_algorithms(ctx, algorithms):
            yield JWT_VERIFY_ALGORITHMS.finding(
                ctx.location(item),
                f'{ctx.callee_name(call)}() accepts algorithm "none", i.e. unsigned tokens; '
                "remove it from `algorithms`",
            )
        ignore = syntax.object_get(options, "ignoreExpiration")
        if (
            ignore is not None
            and syntax.bool_value(resolve(ctx, ignore)) is True
            and not syntax.object_has(options, "maxAge")
        ):
            yield JWT_IGNORE_EXPIRATION.finding(
                ctx.location(ignore),
                f"{ctx.callee_name(call)}() is told to ignoreExpiration, so expired and "
                "stolen tokens stay valid forever; remove it",
            )
    for call in _calls(ctx, _EXPRESS_JWT):
        options = _options(ctx, call, 0)
        if options is None:
            continue
        algorithms = syntax.object_get(options, "algorithms")
        if algorithms is None and not syntax.has_spread(options):
            yield JWT_VERIFY_ALGORITHMS.finding(
                ctx.location(call),
                "express-jwt is configured without `algorithms`, so tokens choose their "
                'own (and express-jwt 6+ refuses to start); add algorithms: ["RS256"]',
            )
        for item in _none_algorithms(ctx, algorithms):
            yield JWT_VERIFY_ALGORITHMS.finding(
                ctx.location(item),
                'express-jwt accepts algorithm "none", i.e. unsigned tokens; remove it',
            )


def _sign_findings(ctx: FileContext) -> Iterator[Finding]:
    for call in ctx.calls_to("jsonwebtoken", "sign"):
        options = _options(ctx, call, 2)
        for item in _none_algorithms(ctx, syntax.object_get(options, "algorithm")):
            yield JWT_VERIFY_ALGORITHMS.finding(
                ctx.location(item),
                f'{ctx.callee_name(call)}() issues unsigned tokens (algorithm "none"); '
                'sign with a real algorithm, e.g. "RS256" or "HS256"',
            )
        args = syntax.call_arguments(call)
        payload = resolve(ctx, args[0]) if args else None
        if payload is None or payload.type != "object" or syntax.has_spread(payload):
            continue  # a payload built elsewhere may carry `exp`
        if syntax.object_has(payload, "exp") or syntax.object_has(options, "expiresIn"):
            continue
        if _opaque_options(ctx, call, 2):
            continue
        yield JWT_IGNORE_EXPIRATION.finding(
            ctx.location(call),
            f"{ctx.callee_name(call)}() issues a token without expiresIn, valid forever; "
            'add { expiresIn: "15m" } (or the session length you need)',
            severity=Severity.LOW,
        )


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    yield from _decode_findings(ctx)
    yield from _verify_findings(ctx)
    yield from _sign_findings(ctx)


CHECKER = Checker(
    rules=(JWT_DECODE_AS_VERIFY, JWT_VERIFY_ALGORITHMS, JWT_IGNORE_EXPIRATION),
    check_file=_check_file,
)
