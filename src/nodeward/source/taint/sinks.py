"""Sinks reached by calls: model rows, store writes, views rendered with request data,
sandboxed vm code, browser sinks, regex literals; the shape and guard checks every sink
applies before it records a hit."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from nodeward.findings import Confidence, FlowStep
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node, SourceText, parse
from nodeward.source.taint import (
    config_origin,
    content_type,
    stored,
)
from nodeward.source.taint.archive import extracted_by
from nodeward.source.taint.bounds import MAX_HITS_PER_SINK
from nodeward.source.taint.express_reply import declared_not_html
from nodeward.source.taint.expressions import origin_kind, property_key, static_path
from nodeward.source.taint.guards import FIXED_ORIGIN, guarded, substring_check_at
from nodeward.source.taint.json_bodies import holds_json_object
from nodeward.source.taint.model import SinkKind, SinkRow
from nodeward.source.taint.names import JQUERY_HTML_METHODS
from nodeward.source.taint.plain_storage import check_plain_fields
from nodeward.source.taint.regex import constant_pattern, is_catastrophic
from nodeward.source.taint.values import (
    CLEAN,
    Hit,
    OriginKind,
    Render,
    Source,
    Taint,
    Trace,
    union,
)

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis


RENDER_OPTIONS = (
    "the locals of res.render(), whose keys the view engine also reads as options "
    "(hbs `layout` names the file to read; ejs and pug options have run code)"
)


def check_store_write(
    fa: FunctionAnalysis,
    call: Node,
    receiver: Node | None,
    method: str,
    args: list[Node],
    arg_taints: list[Taint],
    receiver_taint: Taint,
) -> None:
    """Request data written to a database store (stored.py): recorded as STORE hits,
    which the stored-XSS rule joins with the reads of the same store."""
    if method == "save" and not args and receiver_taint:  # doc.field = x; doc.save()
        for found in stored.saved_stores(fa.ctx, receiver, receiver_taint):
            label = f"{syntax.text(receiver)}.save()"
            store_write(fa, call, call, receiver_taint, found.key, label)
        return
    write = fa.engine.sites.write_of(fa.ctx, call)
    if write is None:
        return
    for value in write.values:
        index = next((i for i, a in enumerate(args) if a == value), None)
        if index is not None:
            store_write(fa, call, value, arg_taints[index], write.store.key, write.label)


def store_write(
    fa: FunctionAnalysis, call: Node, arg: Node, taint: Taint, store: str, label: str
) -> None:
    # Each hit's trace says which record field it writes (stored.written_field); when
    # some traces were not kept (more than the sink records, or a full union), the
    # written fields are unknown and every hit counts for any field.
    check_plain_fields(fa, call, arg, store, label)
    complete = len(taint) <= MAX_HITS_PER_SINK
    start = len(fa.hits)
    sink(fa, call, arg, taint, SinkKind.STORE, label, Confidence.HIGH)
    fa.hits[start:] = [
        replace(hit, store=store, trace=hit.trace if complete else replace(hit.trace, fields=()))
        for hit in fa.hits[start:]
    ]


def vm_sandbox_sinks(fa: FunctionAnalysis, call: Node, args: list[Node]) -> None:
    """`vm.runInContext("libxml.parseXml(data, { noent: true })", { libxml, data })`: the
    fixed code calls sandboxed functions on sandboxed values. Each call in the code is
    checked as if written here, with the sandbox's entries in place of its names."""
    code = syntax.string_value(args[0])
    sandbox = syntax.unwrap(fa.ctx.value_of(args[1]))
    if sandbox is not None and sandbox.type == "call_expression":  # vm.createContext({..})
        inner = syntax.call_arguments(sandbox)
        sandbox = syntax.unwrap(fa.ctx.value_of(inner[0])) if inner else None
    if not code or sandbox is None or sandbox.type != "object":
        return
    entries = {key: value for key, value, _pair in syntax.object_entries(sandbox)}
    tree = parse(SourceText("vm.js", code.encode(), tuple(code.splitlines())))
    for inner_call in syntax.walk(tree.root):
        if inner_call.type != "call_expression":
            continue
        path = static_path(inner_call.child_by_field_name("function"))
        if path is None or syntax.text(path[0]) not in entries:
            continue
        base = fa.ctx.ref_of(entries[syntax.text(path[0])])
        if base is None:
            continue
        ref = fa.engine.resolve_ref(fa.ctx, base.then(*path[1]))
        inner_args = syntax.call_arguments(inner_call)
        outer_args = [entries.get(syntax.text(a), a) for a in inner_args]
        taints = [
            fa.eval(entries[syntax.text(a)]) if syntax.text(a) in entries else CLEAN
            for a in inner_args
        ]
        method = syntax.text(call.child_by_field_name("function")).rsplit(".", 1)[-1]
        for row in fa.models.sinks_for(ref.module, ref.path):
            if row.condition is not None and not condition_holds(fa.ctx, row.condition, inner_args):
                continue
            label = f"{row.label} run by vm {method}()"
            for index in row.argument.select(len(inner_args)):
                sink(fa, call, outer_args[index], taints[index], row.kind, label, Confidence.HIGH)


RENDER_VIEW = "the view name of res.render(), the template file the engine reads and runs"


def record_render(fa: FunctionAnalysis, call: Node, args: list[Node], depth: int) -> None:
    view_taint = fa.eval(args[0], depth)
    # `res.render(req.query.view)`: the client picks the file the engine reads (and, with
    # `../`, a file outside the views folder), as with ejs.renderFile(req.query.view)
    sink(fa, call, args[0], view_taint, SinkKind.PATH, RENDER_VIEW, Confidence.HIGH)
    view = view_pattern(fa.ctx, args[0])
    if view is None or len(args) < 2:
        return
    data = syntax.unwrap(fa.ctx.value_of(args[1]))
    variables: dict[str, Taint] = {}
    fields: dict[str, dict[str, Taint]] = {}
    every: list[Taint] = []
    if data is not None and data.type == "object":
        every += [
            frozenset(t for t in fa.eval(child, depth) if t.whole)
            for child in data.named_children
            if child.type == "spread_element"
        ]
        for key, value, _pair in syntax.object_entries(data):
            taint = fa.eval(value, depth)
            if taint:
                variables[key] = taint
                literal = local_object(fa, value, call)
                if literal is not None:
                    fields[key] = {
                        k: frozenset(t for t in fa.eval(v, depth) if isinstance(t.origin, Source))
                        for k, v, _p in syntax.object_entries(literal)
                    }
    else:
        # a whole request object, or an object whose fields hold request data: a
        # helper's `return { title, term: req.query.q }` taints only `term`
        every.append(frozenset(t for t in fa.eval(args[1], depth) if t.whole or t.fields))
    sources = {
        k: frozenset(t for t in v if isinstance(t.origin, Source)) for k, v in variables.items()
    }
    sources = {k: v for k, v in sources.items() if v}
    every_taint = frozenset(t for t in union(*every) if isinstance(t.origin, Source))
    containers = frozenset(
        t for t in every_taint if origin_kind(t) is OriginKind.REQUEST and t.whole
    )
    if containers:  # `res.render(view, { ...req.body })`: the client sets engine options
        sink(fa, call, args[1], containers, SinkKind.PATH, RENDER_OPTIONS, Confidence.HIGH)
    if sources or every_taint:
        label = f"{fa.ctx.callee_name(call) or 'render'}()"
        location = fa.ctx.location(call)
        fa.engine.renders.append(Render(view, sources, every_taint, location, label, fields))


def view_pattern(ctx: FileContext, node: Node) -> str | None:
    """The view `res.render` names: a constant, or for a name built by concatenation
    (`'xss/' + level + '/index'`, a template literal) a glob with `*` for each part not
    known here, which served.py matches against the views (a bounded number of them)."""
    parts: list[str] = []
    for part in view_parts(node):
        if part is not None and part.type in ("string_fragment", "escape_sequence"):
            value: str | None = syntax.text(part)  # a constant piece of a template literal
        else:
            value = constant_text(ctx, part)
        parts.append(glob_escape(value) if value is not None else "*")
    pattern = re.sub(r"\*+", "*", "".join(parts))
    if pattern.strip("*/") == "":
        return None  # nothing constant: any view at all (the view-name sink reports it)
    return pattern


def constant_text(ctx: FileContext, part: Node | None) -> str | None:
    """The text a constant piece of a view name adds: a string, or an integer (`level = 2`)."""
    value = ctx.value_of(part) if part is not None else None
    text = syntax.string_value(value)
    if text is not None:
        return text
    number = syntax.number_value(value)
    return str(int(number)) if number is not None and number == int(number) else None


def view_parts(node: Node | None) -> list[Node | None]:
    node = syntax.unwrap(node)
    if node is None:
        return [None]
    if (
        node.type == "binary_expression"
        and syntax.text(node.child_by_field_name("operator")) == "+"
    ):
        return view_parts(node.child_by_field_name("left")) + view_parts(
            node.child_by_field_name("right")
        )
    if node.type == "template_string" and any(
        c.type == "template_substitution" for c in node.named_children
    ):
        parts: list[Node | None] = []
        for child in node.named_children:
            if child.type == "template_substitution":
                parts.append(child.named_children[0] if child.named_children else None)
            else:
                parts.append(child)
        return parts
    return [node]


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def local_object(fa: FunctionAnalysis, value: Node, before: Node) -> Node | None:
    """The object literal `value` names when this unit binds it exactly once, before
    `before`, with no spread: `output = { products, searchTerm: q }`."""
    named = syntax.unwrap(value)
    found: Node | None = None
    if named is not None and named.type == "object":
        found = named
    elif named is not None and named.type in ("identifier", "shorthand_property_identifier"):
        name = syntax.text(named)
        bound = [
            n.child_by_field_name("value" if n.type == "variable_declarator" else "right")
            for n in fa.nodes
            if n.start_byte < before.start_byte
            and (
                (
                    n.type == "variable_declarator"
                    and syntax.text(n.child_by_field_name("name")) == name
                )
                or (
                    n.type == "assignment_expression"
                    and syntax.text(n.child_by_field_name("left")) == name
                )
            )
        ]
        found = syntax.unwrap(bound[0]) if len(bound) == 1 else None
    else:
        return None
    if found is None or found.type != "object":
        return None
    if any(c.type == "spread_element" for c in found.named_children):
        return None
    return found


def dom_sinks(
    fa: FunctionAnalysis,
    call: Node,
    method: str,
    receiver: Node | None,
    args: list[Node],
    arg_taints: list[Taint],
) -> bool:
    """Browser sinks recognised by method names (jQuery, Angular's DomSanitizer,
    insertAdjacentHTML); document.write and $(...) are model rows."""
    receiver_text = syntax.text(receiver) if receiver is not None else ""
    index: int | None = None
    if method in JQUERY_HTML_METHODS and is_jquery(receiver):
        index = 0
    elif method == "insertAdjacentHTML":
        index = 1
    elif method.startswith("bypassSecurityTrust"):
        index = 0
    if index is None or index >= len(args):
        return False
    label = f"{receiver_text}.{method}()" if len(receiver_text) < 40 else f"{method}()"
    sink(fa, call, args[index], arg_taints[index], SinkKind.DOM_XSS, label, Confidence.HIGH)
    return True


def is_jquery(receiver: Node | None) -> bool:
    """`$("#id")`, `jQuery(el)`, `$list`: a receiver named as jQuery code names its objects."""
    return receiver is not None and syntax.text(receiver).startswith(("$(", "jQuery(", "$"))


def check_row(
    fa: FunctionAnalysis,
    call: Node,
    row: SinkRow,
    args: list[Node],
    arg_taints: list[Taint],
    confidence: Confidence,
) -> None:
    if row.condition is not None and not condition_holds(fa.ctx, row.condition, args, call):
        return
    if row.kind is SinkKind.PATH and fastify_reply(fa, call) is not None:
        return  # @fastify/static's reply.sendFile/download serve only files under its root
    target = syntax.unwrap(args[0]) if args else None
    if (
        row.kind is SinkKind.MASS_ASSIGNMENT
        and row.argument.to_end  # variadic merges; `Model.updateOne(filter, body)` is not
        and target is not None
        and target.type == "object"
    ):
        return  # Object.assign({}, req.body) copies; what the copy reaches is checked
    for index in row.argument.select(len(args)):
        sink(fa, call, args[index], arg_taints[index], row.kind, row.label, confidence)


def sink(
    fa: FunctionAnalysis,
    call: Node,
    arg: Node,
    taint: Taint,
    kind: SinkKind,
    label: str,
    confidence: Confidence,
) -> None:
    if taint and kind is SinkKind.XSS:
        taint = html_body(fa, call, arg, taint)
    if not taint:
        return
    kind_taint = frozenset(t for t in taint if fits(kind, t))
    if kind in (SinkKind.REDIRECT, SinkKind.SSRF) and (
        fixed_target(arg, kind) or config_origin.fixed_by_config(fa, arg)
    ):
        return
    live = [t for t in kind_taint if kind not in t.cleared]
    if kind is SinkKind.SENSITIVE and fa.deleted & {
        syntax.text(n) for n in syntax.walk(arg) if n.type == "identifier"
    }:
        return  # `delete user.password` before sending
    live = unguarded(fa, call, arg, kind, live)
    if not live:
        return
    location = fa.ctx.location(call)
    weak = substring_check_at(fa, call, arg) if kind in (SinkKind.REDIRECT, SinkKind.SSRF) else None
    # the origin breaks ties: set order varies from run to run (hash randomisation)
    ranked = sorted(live, key=lambda t: (isinstance(t.origin, int), len(t.steps), repr(t.origin)))
    for trace in ranked[:MAX_HITS_PER_SINK]:
        # (the fields say where in the argument the data sits: stored.py reads them)
        checked = (weak,) if weak is not None else ()
        final = replace(
            trace, steps=(*trace.steps, *checked, FlowStep(location, f"reaches {label}"))
        )
        any_shape = kind is SinkKind.NOSQL and trace.in_code_clause
        fa.hits.append(Hit(kind, location, label, final, confidence, any_shape))


def unguarded(
    fa: FunctionAnalysis, call: Node, arg: Node, kind: SinkKind, traces: list[Trace]
) -> list[Trace]:
    """The traces no check before the sink guards. In an object literal each property is
    checked on its own: `isEmail(req.body.user)` says nothing of the `password` in
    `find({ user: req.body.user, password: req.body.password })`."""
    literal = syntax.unwrap(arg)
    if literal is None or literal.type != "object":
        return [] if guarded(fa, call, arg, kind) else traces
    values: dict[str, Node] = {}
    for child in literal.named_children:
        if child.type == "shorthand_property_identifier":
            values[syntax.text(child)] = child
        value = child.child_by_field_name("value") if child.type == "pair" else None
        if value is not None:
            values[property_key(child.child_by_field_name("key"))] = value
    return [
        t
        for t in traces
        if not guarded(fa, call, values.get(t.fields[0], arg) if t.fields else arg, kind)
    ]


def html_body(fa: FunctionAnalysis, call: Node, arg: Node, taint: Taint) -> Taint:
    """What of a response body the browser parses as HTML."""
    if NOT_HTML.search(syntax.text(call.child_by_field_name("function"))):
        return CLEAN  # res.type("text/plain").send(x)
    if plain_reply(fa, call):
        return CLEAN  # Fastify sends strings as text/plain unless told otherwise
    if declared_not_html(call, fa.unit):
        return CLEAN  # res.set("Content-Type", "application/json") earlier
    body = syntax.unwrap(arg)
    if body is not None and body.type in ("object", "array"):
        return CLEAN  # res.send({ ... }) answers JSON
    if holds_json_object(arg):
        return CLEAN  # `let result = {}; ...; res.send(result)` answers JSON too
    if method_name(call) == "send":
        return string_bodies(taint)  # res.send(wrap(x)) of an object answers JSON
    return taint


def mass_assignment(fa: FunctionAnalysis, call: Node, arg: Node, taint: Taint, label: str) -> None:
    # _sink keeps only whole request bodies (see shape_fits)
    sink(fa, call, arg, taint, SinkKind.MASS_ASSIGNMENT, label, Confidence.MEDIUM)


def check_regex_literal(fa: FunctionAnalysis, call: Node, regex_node: Node, taint: Taint) -> None:
    """A constant regex (a literal or `new RegExp("...")`, directly or through a constant)
    applied to request data."""
    pattern = constant_pattern(fa.ctx, regex_node)
    if pattern is not None and is_catastrophic(pattern):
        label = f"regular expression /{pattern}/"
        sink(fa, call, regex_node, taint, SinkKind.REDOS, label, Confidence.HIGH)


def fastify_reply(fa: FunctionAnalysis, call: Node) -> str | None:
    """The name of the Fastify handler's reply a call is made on (`reply.m(...)`)."""
    path = static_path(call.child_by_field_name("function"))
    name = syntax.text(path[0]) if path is not None else None
    return name if name in fa.replies else None


def plain_reply(fa: FunctionAnalysis, call: Node) -> bool:
    """`reply.send(x)` on a Fastify reply with no HTML content type set."""
    reply = fastify_reply(fa, call)
    if reply is None:
        return False
    handler = content_type.handler_of(call, reply, fa.unit)
    declared = content_type.fastify_reply_type(handler, reply, call)
    return declared is not content_type.BodyType.HTML


def fixed_target(arg: Node, kind: SinkKind) -> bool:
    """A URL whose origin is fixed by a literal prefix cannot send the user or the server
    elsewhere; for redirects a same-site path ("/x", not "//x") is fixed too. So is a
    value encoded whole (`encodeURIComponent(x)` keeps no `/` or `:`: a relative path),
    but not one encoded after a prefix that leaves the host open (`"https://" + ...`)."""
    value = syntax.unwrap(arg)
    if value is not None and value.type == "call_expression":
        callee = syntax.text(value.child_by_field_name("function"))
        if callee == "encodeURIComponent":
            return True
    prefix = syntax.literal_prefix(arg)
    if not prefix:
        return False
    if FIXED_ORIGIN.match(prefix):
        return True
    return (
        kind is SinkKind.REDIRECT
        and len(prefix) > 1
        and prefix[0] == "/"
        and prefix[1] not in "/\\"
    )


NOT_HTML = re.compile(r"\.type\(\s*['\"`](text/plain|text|txt|json|application/json)['\"`]")


def fits(kind: SinkKind, trace: Trace) -> bool:
    """The value can do harm at this sink: its shape fits, or it sits in a query's
    JavaScript clause (`$where`), where a string is enough."""
    return (kind is SinkKind.NOSQL and trace.in_code_clause) or shape_fits(kind, trace)


def shape_fits(kind: SinkKind, trace: Trace) -> bool:
    origin = origin_kind(trace)
    if origin is OriginKind.STORED:  # second-order injection into other sinks is out of scope
        return kind is SinkKind.XSS and not trace.whole
    if origin is OriginKind.RECORD or kind is SinkKind.SENSITIVE:
        # records only matter when sent to the client whole; parameters may carry them
        return kind is SinkKind.SENSITIVE and origin is not OriginKind.REQUEST and trace.whole
    if origin is OriginKind.ARCHIVE:
        return kind is SinkKind.PATH
    if origin is OriginKind.FETCHED:  # what the page renders or runs of the server's data
        return kind in (SinkKind.DOM_XSS, SinkKind.CODE)
    if origin is OriginKind.BROWSER and kind is SinkKind.LOG:
        return False  # the visitor's own console, not a log file
    match kind:
        case SinkKind.SQL:  # `query({ sql, values: [x] })` (mysql, pg `text`): bound values
            return trace.fields[:1] != ("values",)
        case SinkKind.NOSQL:
            return trace.maybe_object
        case SinkKind.LOG:  # objects are printed inspected or as JSON: newlines escaped
            return not trace.whole and not trace.fields
        case SinkKind.XSS:
            return not trace.whole  # whole objects are sent as JSON
        case SinkKind.MASS_ASSIGNMENT:
            return trace.whole and is_body(trace)
        case SinkKind.LENGTH_BOUND:
            return trace.maybe_object and origin is not OriginKind.BROWSER
        case SinkKind.LOOP_BOUND:
            return origin is not OriginKind.BROWSER
        case _:
            return True


def is_body(trace: Trace) -> bool:
    """A whole request container the client fills with any keys it likes: the body, or the
    query string (`?role=admin`; Express and Koa parse `?a[b]=1` into objects too)."""
    origin = trace.origin
    if isinstance(origin, int):
        return True
    return origin.description.endswith((".body", ".request.body", ".query", ".request.query"))


def method_name(call: Node) -> str:
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "member_expression":
        return ""
    return syntax.text(callee.child_by_field_name("property"))


def string_bodies(taint: Taint) -> Taint:
    """The traces of a response body that may be a string holding the data. A trace with a
    property path holds the data inside an object (`return { article }`, a service's
    `{ profile: { username } }`): Nest, Koa and Fastify serialise an object body as JSON,
    which the browser does not parse as HTML."""
    return frozenset(t for t in taint if not t.fields)


#: programs that run their `-c` (cmd: `/c`) argument as a command line
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "fish", "cmd", "powershell", "pwsh"})


def condition_holds(
    ctx: FileContext, condition: str, args: list[Node], call: Node | None = None
) -> bool:
    wanted = condition.split(":", 1)[1]
    if condition.startswith("shell-program:"):
        return runs_shell(ctx, args, wanted)
    if condition.startswith("extracted-by:"):
        return call is not None and extracted_by(ctx, call, frozenset(wanted.split(",")))
    options = [ctx.value_of(a) for a in args]
    present = [
        syntax.object_get(o, wanted) for o in options if o is not None and o.type == "object"
    ]
    if condition.startswith("no-option:"):
        return not any(p is not None for p in present)
    return any(p is not None and syntax.bool_value(p) is not False for p in present)


def runs_shell(ctx: FileContext, args: list[Node], flag: str) -> bool:
    """`spawn('sh', ['-c', cmd])`, `spawn('/bin/bash', ['-c', cmd])`, `spawn('cmd.exe',
    ['/c', cmd])`: the program is a shell and its argument list carries the command flag."""
    program = syntax.string_value(ctx.value_of(args[0])) if args else None
    if program is None:
        return False
    name = re.split(r"[\\/]", program)[-1].lower().removesuffix(".exe")
    if name not in SHELLS:
        return False
    argv = syntax.unwrap(ctx.value_of(args[1])) if len(args) > 1 else None
    if argv is None or argv.type != "array":
        return False
    flags = {flag, "/c", "-Command", "-lc", "-ic"}
    items = argv.named_children
    at = next((i for i, item in enumerate(items) if syntax.string_value(item) in flags), None)
    if at is None:
        return False
    # `spawn('sh', ['-c', 'convert "$1"', 'sh', name])`: a constant script reads what
    # follows it as positional parameters ($0, $1, ...), which the shell never parses.
    script = items[at + 1] if at + 1 < len(items) else None
    return script is None or syntax.string_value(ctx.value_of(script)) is None
