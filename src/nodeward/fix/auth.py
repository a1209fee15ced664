"""Authentication: `algorithms` pinned on jwt.verify (NW202), bcrypt cost raised (NW212),
express-rate-limit in front of login routes (NW720)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.manifest import dependency_edit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.rules.jwt import ASYMMETRIC_KEY

BCRYPT_COST = "12"
LIMITER = "loginLimiter"


def _jwt_algorithms(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        call = jsedit.node_at(file, finding, "call_expression") if file is not None else None
        ref = file.ctx.callee(call) if file is not None and call is not None else None
        if (
            file is not None
            and call is not None
            and ref is not None
            and ref.module == "express-jwt"
        ):
            yield _express_jwt(file, call, finding)
            continue
        if file is None or call is None or ref is None or not ref.is_("jsonwebtoken", "verify"):
            yield NeedsPerson(finding, "not a jwt.verify() call without `algorithms`")
            continue
        args = syntax.call_arguments(call)
        signed = _signing_algorithms(file)
        algorithm = next(iter(signed)) if len(signed) == 1 else None
        if algorithm is None and (len(args) < 2 or ASYMMETRIC_KEY.search(syntax.text(args[1]))):
            yield NeedsPerson(
                finding, "the key may be asymmetric: pin the algorithm the issuer signs with"
            )
            continue
        algorithm = algorithm or "HS256"
        q = file.style.quote
        option = f"algorithms: [{q}{algorithm}{q}]"
        edit = _options_edit(file, args, option)
        if edit is None:
            yield NeedsPerson(finding, "the verify options are not an object literal")
            continue
        note = (
            f"the file signs its tokens with {algorithm}"
            if signed
            else "HS256 matches a shared secret; use the algorithm your tokens are signed with"
        )
        yield Fix(f"accept only {algorithm} in jwt.verify()", (finding,), (edit,), note=note)


def _express_jwt(file: FileText, call: Node, finding: Finding) -> Proposal:
    """expressjwt({ secret, ... }) given `algorithms` (express-jwt 6+ requires it)."""
    args = syntax.call_arguments(call)
    options = syntax.unwrap(args[0]) if args else None
    if options is None or options.type != "object" or syntax.has_spread(options):
        return NeedsPerson(finding, "the express-jwt options are not an object literal")
    if syntax.object_has(options, "algorithms"):
        return NeedsPerson(finding, "`algorithms` accepts none: remove it by hand")
    signed = _signing_algorithms(file)
    secret = syntax.object_get(options, "secret")
    algorithm = next(iter(signed)) if len(signed) == 1 else None
    if algorithm is None and (secret is None or ASYMMETRIC_KEY.search(syntax.text(secret))):
        return NeedsPerson(
            finding, "the key may be asymmetric: pin the algorithm the issuer signs with"
        )
    algorithm = algorithm or "HS256"
    q = file.style.quote
    edit = jsedit.add_properties(file, options, [f"algorithms: [{q}{algorithm}{q}]"])
    return Fix(f"accept only {algorithm} in express-jwt", (finding,), (edit,))


def _signing_algorithms(file: FileText) -> set[str]:
    """The literal `algorithm`s the file's jwt.sign() calls use."""
    found = set()
    for call in file.ctx.calls:
        ref = file.ctx.callee(call)
        if ref is None or not ref.is_("jsonwebtoken", "sign"):
            continue
        args = syntax.call_arguments(call)
        options = syntax.unwrap(args[2]) if len(args) > 2 else None
        value = syntax.string_value(syntax.object_get(options, "algorithm"))
        if value is not None and value.lower() != "none":
            found.add(value)
    return found


def _options_edit(file: FileText, args: list[Node], option: str) -> Edit | None:
    if len(args) == 2:
        return Edit(file.rel, args[1].end_byte, args[1].end_byte, f", {{ {option} }}")
    third = syntax.unwrap(args[2])
    if third is None:
        return None
    if third.type == "object" and not syntax.has_spread(third):
        return jsedit.add_properties(file, third, [option])
    if third.type in ("arrow_function", "function_expression", "function"):
        return Edit(file.rel, args[2].start_byte, args[2].start_byte, f"{{ {option} }}, ")
    return None


def _bcrypt_cost(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        number = jsedit.node_at(file, finding, "number") if file is not None else None
        if file is None or number is None:
            yield NeedsPerson(finding, "the cost is not a number literal at the call")
            continue
        edit = Edit(file.rel, number.start_byte, number.end_byte, BCRYPT_COST)
        yield Fix(
            f"raise the bcrypt cost to {BCRYPT_COST}",
            (finding,),
            (edit,),
            note="stored hashes keep their cost until users sign in again and are rehashed",
        )


def _rate_limits(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    by_file: dict[str, tuple[FileText, list[tuple[Finding, Node]]]] = {}
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        call = jsedit.node_at(file, finding, "call_expression") if file is not None else None
        args = syntax.call_arguments(call) if call is not None else []
        if file is None or call is None or len(args) < 2 or "express" not in _modules(file):
            yield NeedsPerson(finding, "not an Express route registration with a handler")
            continue
        text = file.source.decode("utf-8", "replace")
        imported = jsedit.local_name_of(file, "express-rate-limit", "rateLimit") is not None
        if re.search(rf"\b{LIMITER}\b", text) or (
            not imported and re.search(r"\brateLimit\b", text)
        ):
            yield NeedsPerson(finding, f"the file already uses the names rateLimit or {LIMITER}")
            continue
        by_file.setdefault(file.rel, (file, []))[1].append((finding, args[-1]))
    for file, routes in by_file.values():
        dependency = dependency_edit(workspace, file.rel, "express-rate-limit")
        if isinstance(dependency, str):
            yield from (NeedsPerson(f, dependency) for f, _ in routes)
            continue
        s = file.style
        local, import_edit = jsedit.add_import(
            file, "rateLimit", "express-rate-limit", named="rateLimit"
        )
        definition = (
            f"const {LIMITER} = {local}({{ windowMs: 15 * 60 * 1000, limit: 5 }}){s.semicolon}"
        )
        imports = [n for n in file.parsed.root.named_children if jsedit.is_import(n)]
        anchor = imports[-1] if imports else file.parsed.root.named_children[0]
        place = jsedit.lines_after if imports else jsedit.lines_before
        edits = [e for e in (import_edit, dependency) if e is not None]
        edits.append(place(file, anchor, ["", definition] if imports else [definition, ""]))
        edits += [Edit(file.rel, h.start_byte, h.start_byte, f"{LIMITER}, ") for _, h in routes]
        yield Fix(
            "limit login attempts: 5 per 15 minutes and client",
            tuple(f for f, _ in routes),
            tuple(edits),
            note="then install express-rate-limit and update the lockfile: npm install"
            if dependency is not None
            else "",
        )


def _modules(file: FileText) -> frozenset[str]:
    return file.ctx.imported_modules()


FIXERS: Iterable[Fixer] = (
    Fixer("jwt-algorithms", frozenset({"NW202"}), _jwt_algorithms),
    Fixer("bcrypt-cost", frozenset({"NW212"}), _bcrypt_cost),
    Fixer("login-rate-limit", frozenset({"NW720"}), _rate_limits),
)
