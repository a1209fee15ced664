"""Expression evaluation besides calls: literals, member reads, and the sources the
handler's parameters stand for (request data, GraphQL arguments, browser data, archive
entries, database records with secret fields)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.context import CALL
from nodeward.source.parse import Node
from nodeward.source.taint import fetched_fields, form_parsers, merge_order, positions
from nodeward.source.taint.bounds import MAX_PATH_STEPS
from nodeward.source.taint.browser_data import answer_words, client_source, may_answer
from nodeward.source.taint.environment import environment_source
from nodeward.source.taint.handshakes import handshake_source
from nodeward.source.taint.model import Shape
from nodeward.source.taint.names import (
    BROWSER_GLOBALS,
    CONTAINERS,
    GLOBAL_OBJECTS,
    PATH_ONLY,
    RECORD_READS,
    UPLOAD_FILE_NAMES,
    UPLOAD_SERVER_PATHS,
    UPLOAD_SOURCES,
)
from nodeward.source.taint.values import (
    CLEAN,
    CODE_OPERATORS,
    MAX_STEPS,
    OriginKind,
    Source,
    Taint,
    Trace,
    members,
    placed,
    union,
)

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis


def static_path(node: Node | None) -> tuple[Node, tuple[str, ...]] | None:
    """`res.status(400).send` -> (res, ("status", "()", "send")), without recursion."""
    steps: list[str] = []
    current = syntax.unwrap(node)
    while current is not None:
        if len(steps) > MAX_PATH_STEPS:
            return None  # longer than any modelled path: a builder chain in generated code
        match current.type:
            case "identifier" | "this":
                return current, tuple(reversed(steps))
            case "member_expression":
                steps.append(syntax.text(current.child_by_field_name("property")))
                current = syntax.unwrap(current.child_by_field_name("object"))
            case "subscript_expression":
                key = syntax.string_value(current.child_by_field_name("index"))
                if key is None:
                    return None
                steps.append(key)
                current = syntax.unwrap(current.child_by_field_name("object"))
            case "call_expression":
                steps.append(CALL)
                current = syntax.unwrap(current.child_by_field_name("function"))
            case "new_expression":
                steps.append(CALL)
                current = syntax.unwrap(current.child_by_field_name("constructor"))
            case _:
                return None
    return None


def property_key(key: Node | None) -> str:
    """The name a literal's property is stored under; "[]" when it is computed."""
    if key is None:
        return "[]"
    if key.type in ("property_identifier", "number"):
        return syntax.text(key)
    return syntax.string_value(key) or "[]"


def pattern_names(pattern: Node) -> Iterator[tuple[str, str | None]]:
    """(bound name, the property it was destructured from or None) for a binding pattern."""
    if pattern.type == "identifier":
        yield syntax.text(pattern), None
        return
    for node in syntax.walk(pattern):
        if node.type == "shorthand_property_identifier_pattern":
            yield syntax.text(node), syntax.text(node)
        elif node.type == "pair_pattern":
            value = node.child_by_field_name("value")
            if value is not None and value.type == "identifier":
                yield syntax.text(value), syntax.property_key(node)
        elif node.type == "assignment_pattern":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier" and node.parent is pattern:
                yield syntax.text(left), None
        elif node.type in ("rest_pattern", "array_pattern"):
            for child in node.named_children:
                if child.type == "identifier":
                    yield syntax.text(child), None
        elif node.type in ("required_parameter", "optional_parameter"):
            inner = node.child_by_field_name("pattern")
            if inner is not None and inner.type == "identifier":
                yield syntax.text(inner), None


def eval_literal(fa: FunctionAnalysis, node: Node, depth: int) -> Taint:
    parts: list[Taint] = []
    for child in node.named_children:
        if child.type == "pair":
            value = fa.eval(child.child_by_field_name("value"), depth)
            key = property_key(child.child_by_field_name("key"))
            if key in CODE_OPERATORS and value:
                value = code_clause(fa, child, key, value)
            parts = _written_over(parts, key) if node.type == "object" else parts
            parts.append(placed(value, key))
        elif child.type == "spread_element":  # `{ ...req.body }` is still the body
            spread = child.named_children[0] if child.named_children else None
            if node.type == "object":  # `{ ...req.body, ...DEFAULTS }`: DEFAULTS' keys win
                parts = merge_order.written_over(parts, merge_order.literal_keys(fa.ctx, spread))
            parts.append(fa.eval(child, depth))
        elif child.type == "shorthand_property_identifier":
            name = syntax.text(child)
            parts = _written_over(parts, name)
            parts.append(placed(fa.lookup(name, child), name))
        elif child.type not in ("comment", "method_definition"):
            parts.append(members(fa.eval(child, depth), "*"))  # array elements
    return union(*parts)


def code_clause(fa: FunctionAnalysis, pair: Node, key: str, value: Taint) -> Taint:
    """Request data written into a query's JavaScript (`{ $where: `this.a > ${x}` }`): the
    flow names the clause, which is where the fix goes."""
    step = FlowStep(fa.ctx.location(pair), f"builds a MongoDB {key} clause (JavaScript)")
    return frozenset(replace(t, steps=(*t.steps, step)[:MAX_STEPS]) for t in value)


def _written_over(parts: list[Taint], key: str) -> list[Taint]:
    """What the earlier entries of an object literal still hold once a later property
    `key` replaces theirs: `{ ...req.body, theme: "dark" }` has a clean `theme`."""
    if key in ("*", "[]") or not any(parts):  # a computed key: which one is not known
        return parts  # (and a literal of clean values, the usual one, has nothing to drop)
    return [
        frozenset(o for t in part if (o := t.overwrite(key)) is not None) if part else part
        for part in parts
    ]


def eval_member(fa: FunctionAnalysis, node: Node, depth: int) -> Taint:
    path = fa.path(node)
    if path is not None:
        base, steps = path
        source = (
            request_source(fa, base, steps, node)
            or environment_source(fa, base, steps, node)
            or handshake_source(fa, base, steps, node)
        )
        if source is not None:
            return source
    written = fa.engine.field_writes(fa.ctx).overriding_value(node, fa.unit)
    if written is not None:  # `doc.owner = user;` earlier in the block decides
        return fa.eval(written, depth)
    obj = node.child_by_field_name("object")
    if node.type == "member_expression":
        prop = syntax.text(node.child_by_field_name("property"))
    else:
        index = node.child_by_field_name("index")
        position = positions.index_of(index)
        if position is not None:  # `results[1]` of `await Promise.all([...])`
            return positions.at_position(fa.eval(obj, depth), position)
        prop = syntax.string_value(index) or "[]"
    if prop == "length":
        return CLEAN
    taint = fetched_fields.scalar_field(members(fa.eval(obj, depth), prop), prop)
    if prop in UPLOAD_FILE_NAMES or prop in UPLOAD_SERVER_PATHS:
        taint = frozenset(t.clear(PATH_ONLY) if is_upload(t) else t for t in taint)
    if prop in form_parsers.SERVER_PATHS:  # formidable's `files.doc.filepath`
        taint = frozenset(
            t.clear(PATH_ONLY) if form_parsers.is_parsed_form(t) else t for t in taint
        )
    return taint


def request_member(fa: FunctionAnalysis, key: str, node: Node) -> Taint:
    """`body` destructured from the request parameter: the same source as req.body."""
    shape = fa.models.sources.get(("@request", (key,)))
    if shape is None:
        return CLEAN
    location = fa.ctx.location(node)
    trace = Trace(
        origin=Source(f"req.{key}", location),
        steps=(FlowStep(location, f"request data: req.{key}"),),
        maybe_object=shape is Shape.OBJECT,
        whole=key in CONTAINERS,
        cleared=fa.models.source_cleared.get(("@request", (key,)), frozenset())
        | fa.engine.request_cleared,
    )
    return frozenset({trace})


def graphql_arguments(fa: FunctionAnalysis, param: Node) -> Taint:
    """A GraphQL resolver's arguments: client data, but of the types the schema declares,
    which the server checks before the resolver runs: a `String` argument cannot carry
    a `{ "$ne": null }` operator object, and an input type only its declared fields."""
    location = fa.ctx.location(param)
    name = syntax.param_name(param) or "args"
    trace = Trace(
        origin=Source(f"GraphQL {name}", location),
        steps=(FlowStep(location, f"request data: GraphQL resolver arguments `{name}`"),),
        maybe_object=False,
        whole=False,
    )
    return frozenset({trace})


def request_source(
    fa: FunctionAnalysis, base: Node, steps: tuple[str, ...], node: Node
) -> Taint | None:
    name = syntax.text(base)
    if fa.client:
        return dom_source(fa, name, steps, node) or client_source(fa, base, steps, node)
    if name in fa.requests:
        pseudo = "@request"
    elif name in fa.koa:
        pseudo = "@koa"
    else:
        return None
    shape = fa.models.sources.get((pseudo, steps))
    if shape is None:
        return None
    members = [s for s in steps if s != CALL]
    described = ".".join([name, *members])
    if steps and steps[-1] == CALL:
        args = syntax.call_arguments(node) if node.type == "call_expression" else []
        header = syntax.string_value(args[0]) if args else None
        described = f"{described}({header!r})" if header else described + "()"
    whole = steps[-1] in CONTAINERS
    cleared = fa.models.source_cleared.get((pseudo, steps), frozenset())
    if pseudo == "@request":
        cleared |= fa.engine.request_cleared
    trace = Trace(
        origin=Source(described, fa.ctx.location(node)),
        steps=(FlowStep(fa.ctx.location(node), f"request data: {described}"),),
        maybe_object=shape is Shape.OBJECT,
        whole=whole,
        cleared=cleared,
    )
    return frozenset({trace})


def may_read_browser_source(fa: FunctionAnalysis, base: Node, steps: tuple[str, ...]) -> bool:
    """Whether request_source, in browser code, can answer for some prefix of `steps` read
    from `base`: dom_source needs a browser global or a message parameter, client_source
    browser_data.may_answer (environment_source never answers in browser code)."""
    name = syntax.text(base)
    return (
        name in BROWSER_GLOBALS
        or name in fa.messages
        or may_answer(fa, name, base.type == "this", steps)
    )


def browser_source_words(fa: FunctionAnalysis) -> frozenset[str] | None:
    """The words one of which a member chain of browser code spells (as its base or as a
    step) when may_read_browser_source holds for it; None when any chain may."""
    words = answer_words(fa)
    return None if words is None else words | BROWSER_GLOBALS | frozenset(fa.messages)


def archive_trace(fa: FunctionAnalysis, node: Node, described: str) -> Trace:
    location = fa.ctx.location(node)
    return Trace(
        origin=Source(described, location, OriginKind.ARCHIVE),
        steps=(FlowStep(location, f"archive entry: {described}"),),
        maybe_object=False,
        whole=False,
    )


def record_read(
    fa: FunctionAnalysis, call: Node, receiver: Node | None, method: str, args: list[Node]
) -> Taint:
    """A database read of a model with secret fields, unless it projects them away."""
    if receiver is None or method not in RECORD_READS:
        return CLEAN
    if receiver.type == "identifier":
        model = syntax.text(receiver)
    elif receiver.type == "member_expression":  # `db.User.findAll()`
        model = syntax.text(receiver.child_by_field_name("property"))
    else:
        return CLEAN
    if model not in fa.engine.record_models or projects(args):
        return CLEAN
    location = fa.ctx.location(call)
    described = f"a {model} record from {syntax.text(receiver)}.{method}()"
    trace = Trace(
        origin=Source(described, location, OriginKind.RECORD),
        steps=(FlowStep(location, f"database record: {described} (no projection)"),),
    )
    return frozenset({trace})


def dom_source(fa: FunctionAnalysis, name: str, steps: tuple[str, ...], node: Node) -> Taint | None:
    if name not in BROWSER_GLOBALS and name not in fa.messages:
        return None  # a local variable, not the browser's
    full = (name, *steps)
    while full and full[0] in GLOBAL_OBJECTS:
        full = full[1:]
    if full[:2] == ("document", "location"):
        full = full[1:]
    if name in fa.messages and steps == ("data",):
        described = f"{name}.data (a postMessage message)"
    elif full and fa.models.sources.get(("@dom", full)) is not None:
        described = ".".join(full)
    else:
        return None
    trace = Trace(
        origin=Source(described, fa.ctx.location(node), OriginKind.BROWSER),
        steps=(FlowStep(fa.ctx.location(node), f"browser data: {described}"),),
        maybe_object=False,
        whole=False,
    )
    return frozenset({trace})


def is_upload(trace: Trace) -> bool:
    origin = trace.origin
    return isinstance(origin, Source) and origin.description.startswith(UPLOAD_SOURCES)


def projects(args: list[Node]) -> bool:
    """`find(q, "name email")`, `find(q, { password: 0 })`, `findAll({ attributes: ... })`."""
    if len(args) > 1 and syntax.unwrap(args[1]) is not None:
        second = syntax.unwrap(args[1])
        if second is not None and second.type in ("string", "template_string", "object", "array"):
            return True
    return bool(args) and syntax.object_get(args[0], "attributes") is not None


def origin_kind(trace: Trace) -> OriginKind | None:
    return trace.origin.kind if isinstance(trace.origin, Source) else None


def passed_in(trace: Trace) -> bool:
    """Request data or a parameter's value: what a caller hands to a database call, as
    opposed to records and browser data the call's result may itself be."""
    return isinstance(trace.origin, int) or trace.origin.kind is OriginKind.REQUEST
