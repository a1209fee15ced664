"""Calls: which callee a call names (a model row, a project function's summary, a
method the engine knows by name) and what its result carries."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from nodeward.findings import Confidence, FlowStep
from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext, Ref
from nodeward.source.parse import Node
from nodeward.source.taint import (
    browser_data,
    callbacks,
    form_parsers,
    line_breaks,
    log_format,
    merge_order,
    orm_filters,
    positions,
    promises,
    zod,
)
from nodeward.source.taint.bounds import MAX_PATH_STEPS, NO_ROLES, PassedRoles
from nodeward.source.taint.call_sites import CallShape, EvaluatedCall
from nodeward.source.taint.expressions import (
    archive_trace,
    record_read,
    request_source,
    static_path,
)
from nodeward.source.taint.guards import guarded, inside
from nodeward.source.taint.heuristics import heuristic_sinks
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.names import (
    BOOLEAN_METHODS,
    BROWSER_GLOBALS,
    CHAINABLE,
    ESCAPED_KINDS,
    ESCAPING_NAME,
    HASHED_KINDS,
    HASHING_CALL,
    JQUERY_TEXT_SETTERS,
    MERGING_KINDS,
    NUMBER_METHODS,
    REGEX_METHODS,
    STORE_HANDLE,
    STORE_WRITE_METHOD,
    STRING_METHODS,
    VM_RUNNERS,
)
from nodeward.source.taint.sinks import (
    check_regex_literal,
    check_row,
    check_store_write,
    dom_sinks,
    fits,
    is_jquery,
    record_render,
    sink,
    vm_sandbox_sinks,
)
from nodeward.source.taint.values import (
    CLEAN,
    Taint,
    members,
    union,
)

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis


def call_shape(fa: FunctionAnalysis, call: Node) -> CallShape:
    """The call's syntax the rules read, found once per call site (CallSites.shapes)."""
    key = (fa.ctx.rel, call.id)
    found = fa.engine.sites.shapes.get(key)
    if found is not None:
        return found
    fn = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    receiver = (
        fn.child_by_field_name("object")
        if fn is not None and fn.type == "member_expression"
        else None
    )
    method = (
        syntax.text(fn.child_by_field_name("property"))
        if fn is not None and receiver is not None
        else ""
    )
    fn_path = static_path(fn)
    base = syntax.text(fn_path[0]) if fn_path is not None else ""
    # static_path(call) walks the callee again after its CALL step, one step longer
    path = (
        (fn_path[0], (*fn_path[1], CALL))
        if fn_path is not None and len(fn_path[1]) < MAX_PATH_STEPS
        else None
    )
    found = CallShape(fn, syntax.call_arguments(call), receiver, method, path, fn_path, base)
    fa.engine.sites.shapes[key] = found
    return found


def callee_ref(fa: FunctionAnalysis, call: Node) -> Ref | None:
    shape = call_shape(fa, call)
    path = shape.fn_path
    if path is not None:
        steps = path[1]
        name = shape.fn_base
        if name in fa.responses:
            while len(steps) > 2 and steps[0] in CHAINABLE and steps[1] == CALL:
                steps = steps[2:]
            return Ref("@response", steps)
        if name in fa.koa:
            return Ref("@koa", steps)
        if name in fa.requests:
            return Ref("@request", steps)
    ref = _module_callee(fa, call)
    if ref is not None:
        return ref
    if path is not None:
        base, steps = path
        name = shape.fn_base
        if base.type == "identifier" and fa.ctx.declaration(name) is None:
            var = fa.var(name, base)
            fa.mark_read(var)
            # `document.body.innerHTML = html` writes into the page, not into a project
            # object: document.write stays the browser's
            local = var in fa.env or (var in fa.member_writes and name not in BROWSER_GLOBALS)
            if not local and name not in ("window", "globalThis"):
                return Ref("global", (name, *steps))
            if name in ("window", "globalThis"):
                return Ref("global", steps)
    return None


def _module_callee(fa: FunctionAnalysis, call: Node) -> Ref | None:
    """ctx.callee through project modules to the package (resolve_ref), once per call."""
    key = (fa.ctx.rel, call.id)
    callees = fa.engine.sites.callees
    if key in callees:
        return callees[key]
    ref = fa.ctx.callee(call)
    found = callees[key] = fa.engine.resolve_ref(fa.ctx, ref) if ref is not None else None
    return found


def eval_call(fa: FunctionAnalysis, call: Node, depth: int) -> Taint:
    """What a call's result carries; records the sinks it reaches on the way. The rules
    are tried in order: request sources, methods known by name, model rows, sinks known by
    name, project functions (their summaries), then built-in methods and unknown calls."""
    shape = call_shape(fa, call)
    path = shape.path
    if path is not None and call.type == "call_expression":
        source = request_source(fa, path[0], path[1], call)
        if source is not None:
            return source
    site = _evaluate(fa, call, shape, depth)
    check_store_write(
        fa, call, site.receiver, site.method, site.args, site.arg_taints, site.receiver_taint
    )
    callbacks.record(fa.param_calls, fa.unit, call, site.arg_taints)
    result = _result(fa, site, depth)
    if result and site.fn is not None and HASHING_CALL.search(syntax.text(site.fn)[:200]):
        return frozenset(t.clear(HASHED_KINDS) for t in result)
    return result


def _result(fa: FunctionAnalysis, site: EvaluatedCall, depth: int) -> Taint:
    for rule in (_known_methods, _modelled, _named_sinks, _project_call):
        result = rule(fa, site, depth)
        if result is not None:
            return result
    return _builtin_result(fa, site, depth)


def _evaluate(fa: FunctionAnalysis, call: Node, shape: CallShape, depth: int) -> EvaluatedCall:
    args = shape.args
    arg_taints = [fa.eval(a, depth) for a in args]
    receiver = shape.receiver
    receiver_taint = fa.eval(receiver, depth) if receiver is not None else CLEAN
    ref = callee_ref(fa, call)
    key = (ref.module, ref.path) if ref is not None else None
    return EvaluatedCall(
        call, shape.fn, args, arg_taints, receiver, receiver_taint, shape.method, key
    )


def _known_methods(fa: FunctionAnalysis, site: EvaluatedCall, depth: int) -> Taint | None:
    """Methods and framework calls the engine knows by name, before any model row."""
    call, args, arg_taints, method = site.node, site.args, site.arg_taints, site.method
    receiver, receiver_taint, key = site.receiver, site.receiver_taint, site.key
    if site.fn is not None and loads_code(site.fn) and arg_taints:
        # `require(req.query.mod)`, `await import(req.body.plugin)`: the client picks the
        # module whose top-level code runs (any .js file the process can read)
        label = f"{syntax.text(site.fn)}()"
        sink(fa, call, args[0], arg_taints[0], SinkKind.CODE, label, Confidence.HIGH)
        return CLEAN
    if key == ("global", ("JSON", "parse")) and arg_taints:
        # text built from request data (`'{"name":"' + req.query.name + '"}'`) parses to
        # an object the client shapes: `{"$ne": 1}` or a `$where` reaches a query as such
        return frozenset(replace(t, maybe_object=True) for t in arg_taints[0])
    if key is not None and key[1][:1] == ("Promise",):  # `return Promise.all([a, b])`
        settled = positions.settled(call, lambda v: fa.eval(v, depth))
        if settled is not None:
            return settled
    if key in log_format.FORMAT_CALLS:  # util.format("%s", x) keeps x; "%j" escapes it
        return log_format.formatted(site)
    if method == "emit" and any(arg_taints[1:]):  # bus.emit("job", x): bus.on("job", f)
        for listener in fa.engine.listeners.of(fa.ctx, call):
            apply_summary(fa, call, listener, arg_taints[1:], skipped=1)
    if method == "mv" and receiver_taint and args:  # express-fileupload: file.mv(path)
        label = f"{syntax.text(receiver)}.mv()" if receiver is not None else "mv()"
        sink(fa, call, args[0], arg_taints[0], SinkKind.PATH, label, Confidence.MEDIUM)
    if method == "getEntries" and call.type == "call_expression":  # adm-zip
        return frozenset({archive_trace(fa, call, "entry.entryName (adm-zip entry)")})
    if method in zod.PARSE_METHODS and arg_taints:  # `Body.parse(req.body)`
        parsed = zod.parse_call(fa.engine.graph, fa.ctx, call)
        if parsed is not None:
            return zod.parsed_taint(parsed, arg_taints[0])
    if method == "select" and receiver_taint:  # a projection: `.select("-password")`
        return frozenset(t.clear(frozenset({SinkKind.SENSITIVE})) for t in receiver_taint)
    if key in (("@response", ("render",)), ("@koa", ("render",))) and args:
        record_render(fa, call, args, depth)
        return CLEAN
    if fa.client and dom_sinks(fa, call, method, receiver, args, arg_taints):
        return CLEAN
    if method == "parse" and not fa.client and form_parsers.parses_request(fa, call):
        return form_parsers.promised(fa, call)  # formidable 3: [fields, files]
    if not fa.client:
        orm_filters.check(fa, site)  # `prisma.user.findFirst({ where: { token } })`
    if fa.client and method in JQUERY_TEXT_SETTERS and args and is_jquery(receiver):
        return receiver_taint  # `$("<li>").text(x)`: x is the element's text, never HTML
    if fa.client and method == "sanitize" and arg_taints:
        return browser_data.sanitized(arg_taints)
    if key is not None and key[0] == "vm" and key[1][-1:] in VM_RUNNERS and len(args) > 1:
        vm_sandbox_sinks(fa, call, args)
    return None


def _modelled(fa: FunctionAnalysis, site: EvaluatedCall, _depth: int) -> Taint | None:
    """A callee the library models describe: a sanitizer, sink rows, or a clean result."""
    key = site.key
    if key is None:
        return None
    cleared = fa.models.sanitizers.get(key)
    if cleared is not None:
        return frozenset(
            t.clear(cleared).as_string() for t in union(*site.arg_taints, site.receiver_taint)
        )
    rows = fa.models.sinks_for(*key)
    if rows:
        for row in rows:
            if key[0].startswith("@"):  # name the handler's own variable: res.send()
                written = fa.ctx.callee_name(site.node)
                row = replace(row, label=f"{written}()") if written else row
            taints = site.arg_taints
            if row.kind is SinkKind.LOG:  # `console.log("user %j", x)` prints x as JSON
                taints = log_format.logged_arguments(site.args, taints)
            check_row(fa, site.node, row, site.args, taints, Confidence.HIGH)
        if key == ("global", ("Object", "assign")):  # later sources write over earlier ones
            return merge_order.merged(fa.ctx, site.args, site.arg_taints)
        if all(row.kind in MERGING_KINDS for row in rows):
            return union(*site.arg_taints)  # Object.assign / _.merge return the merge
        return record_read(fa, site.node, site.receiver, site.method, site.args)
    if key in fa.models.clean_results:
        return CLEAN
    return None


def _named_sinks(fa: FunctionAnalysis, site: EvaluatedCall, _depth: int) -> Taint | None:
    """A sink recognised by method and receiver names (heuristics.py)."""
    if heuristic_sinks(fa, site):
        return record_read(fa, site.node, site.receiver, site.method, site.args)
    return None


def _project_call(fa: FunctionAnalysis, site: EvaluatedCall, _depth: int) -> Taint | None:
    """A project function (or schema method): its summary applied to the arguments."""
    call = site.node
    target = (
        fa.engine.project_function(fa.ctx, call)
        or fa.engine.schema_methods.summarisable(call)
        or fa.engine.schema_methods.static_method(call)
        if call.type == "call_expression"
        else None
    )
    if target is None:
        return _table_call(fa, site) if call.type == "call_expression" else None
    check_merge(fa, call, target, site.args, site.arg_taints)
    result = union(apply_summary(fa, call, target, site.arg_taints), closure_returns(fa, target))
    escaping = escaping_kinds(syntax.text(site.fn).rsplit(".", 1)[-1] if site.fn else "")
    return frozenset(t.clear(escaping) for t in result) if escaping else result


def _table_call(fa: FunctionAnalysis, site: EvaluatedCall) -> Taint | None:
    """`sinks[name](x)`: every function of the table may run (tables.py)."""
    targets = fa.engine.sites.table_functions(fa.ctx, site.node)
    if not targets:
        return None
    return union(
        *(
            union(apply_summary(fa, site.node, t, site.arg_taints), closure_returns(fa, t))
            for t in targets
        )
    )


def _builtin_result(fa: FunctionAnalysis, site: EvaluatedCall, depth: int) -> Taint:
    """String, array, regex and promise built-ins; otherwise an unknown call, whose result
    may carry any of its inputs (string and array helpers, path.join, wrappers)."""
    call, args, arg_taints, method = site.node, site.args, site.arg_taints, site.method
    receiver, receiver_taint = site.receiver, site.receiver_taint
    if method in REGEX_METHODS and receiver_taint and args:
        check_regex_literal(fa, call, args[0], receiver_taint)
    if method in ("test", "exec") and receiver is not None and args:
        check_regex_literal(fa, call, receiver, arg_taints[0])
    if method in BOOLEAN_METHODS or method in NUMBER_METHODS:
        return CLEAN
    if method in ("map", "flatMap", "then") and args and args[0].type in syntax.FUNCTION_TYPES:
        # the array of what the callback returns: `rows.map((r) => escape(r.text))`; the
        # promise of it: `load(id).then(() => "done").then((s) => exec(s))` runs "done"
        returned = fa.engine.sites.returned_values(fa.ctx, args[0])
        return union(*(fa.eval(value, depth) for value in returned))
    cleared = line_breaks.cleared_by(method, args)  # `replace(/[\r\n]/g, "")`, split("\n")
    if cleared:
        return frozenset(t.clear(cleared).as_string() for t in receiver_taint)
    if line_breaks.joins_lines(method, args):
        return line_breaks.with_line_breaks(frozenset(t.as_string() for t in receiver_taint))
    if method in ("replace", "replaceAll") and len(args) > 1 and "&lt;" in syntax.text(args[1]):
        escaped = frozenset({SinkKind.XSS, SinkKind.DOM_XSS})  # .replace(/</g, "&lt;")
        return frozenset(t.clear(escaped).as_string() for t in receiver_taint)
    if method in STRING_METHODS:
        return frozenset(t.as_string() for t in union(receiver_taint, *arg_taints))
    if method == "get" and len(args) == 1 and not receiver_taint:
        return CLEAN  # a lookup (Map, cache, store): the value stored, not the key
    if method is not None and store_write(receiver, method):
        return CLEAN  # `db.createUser({ name })` answers the new record's id, not the name
    if call.type == "new_expression" and syntax.text(site.fn) == "Promise" and args:
        return union(*(fa.eval(v, depth) for v in promises.resolved_values(args[0])))
    return union(receiver_taint, *(members(a, "*") for a in arg_taints))


def store_write(receiver: Node | None, method: str) -> bool:
    """A write through a database handle the engine cannot resolve (a parameter, a field):
    what comes back is the store's answer (an id, a record, a status), which is stored data
    for the rules that follow records, not the request values written."""
    if receiver is None or not STORE_WRITE_METHOD.match(method):
        return False
    return STORE_HANDLE.search(syntax.text(receiver)) is not None


def check_merge(
    fa: FunctionAnalysis,
    call: Node,
    target: tuple[FileContext, Node],
    args: list[Node],
    taints: list[Taint],
) -> None:
    """A project function that merges or sets by path without a key guard (merges.py)."""
    target_ctx, func = target
    if not any(taints):
        return  # nothing reaches the call: no need to know what the callee does
    if target_ctx is fa.ctx and inside(call, func):
        return  # the merge's own recursion: its callers are what is reported
    merge = fa.engine.merges.of(target_ctx, func)
    if merge is None:
        return
    where = merge.describe(target_ctx.rel)
    step = FlowStep(target_ctx.location(func), where)
    label = f"{fa.ctx.callee_name(call) or 'function'}(), a {where}"
    for index in merge.indexes(len(args)):
        taint = merge.reaching(taints[index], step)
        sink(fa, call, args[index], taint, SinkKind.PROTOTYPE, label, merge.confidence)


def closure_returns(fa: FunctionAnalysis, target: tuple[FileContext, Node]) -> Taint:
    """What a function nested in this unit returns from the variables it closes over
    (`function criteria() { return { $where: `...${threshold}` }; }`): its summary
    only knows its own parameters."""
    target_ctx, func = target
    if target_ctx is not fa.ctx or func == fa.unit or not inside(func, fa.unit):
        return CLEAN
    return union(*(fa.eval(value) for value in fa.engine.sites.returned_values(target_ctx, func)))


def apply_summary(
    fa: FunctionAnalysis,
    call: Node,
    target: tuple[FileContext, Node],
    arg_taints: list[Taint],
    skipped: int = 0,
) -> Taint:
    """`target`'s summary applied at `call`; the first `skipped` arguments are not the
    callee's (`bus.emit("job", cmd)` hands the listener `cmd` only)."""
    target_ctx, func = target
    passed = syntax.call_arguments(call)[skipped:]
    summary = fa.engine.summary(target_ctx, func, passed_roles(fa, passed))
    if not summary.returns and not summary.hits:
        return CLEAN
    name = fa.ctx.callee_name(call) or "function"
    via = f"{name}() in {target_ctx.rel}"
    step = FlowStep(fa.ctx.location(call), f"passed to {name}() in {target_ctx.rel}")
    result: list[Taint] = []
    for inner in summary.returns:
        if isinstance(inner.origin, int):
            if inner.origin < len(arg_taints):
                result.append(
                    frozenset(t.through(inner, step, via) for t in arg_taints[inner.origin])
                )
        else:
            result.append(frozenset({inner}))
    for hit in summary.hits:
        index = hit.trace.origin
        if not isinstance(index, int) or index >= len(arg_taints):
            continue
        for outer in arg_taints[index]:
            trace = outer.through(hit.trace, step, via)
            if hit.kind in trace.cleared or not (hit.any_shape or fits(hit.kind, trace)):
                continue
            # a check of another argument (`if (isEmail(email)) login(email, page, res)`)
            # says nothing of this one
            if guarded(fa, call, passed[index] if index < len(passed) else None, hit.kind):
                continue
            fa.hits.append(replace(hit, trace=trace))
    return union(*result)


def passed_roles(fa: FunctionAnalysis, passed: list[Node]) -> PassedRoles:
    """The arguments that hand the caller's response (or Koa context) to the callee:
    `sendResult(page, res)` sends or redirects with it as a handler would."""
    names = [syntax.text(a) if a.type == "identifier" else "" for a in passed]
    if not fa.responses.intersection(names) and not fa.koa.intersection(names):
        return NO_ROLES
    return PassedRoles(
        frozenset(i for i, n in enumerate(names) if n in fa.responses),
        frozenset(i for i, n in enumerate(names) if n in fa.koa),
    )


def escaping_kinds(function_name: str) -> frozenset[SinkKind]:
    """A project function named like an escaper (`escapeHtml`, `sanitizeInput`) is
    trusted to escape for HTML, headers and logs, whatever its body does."""
    return ESCAPED_KINDS if ESCAPING_NAME.search(function_name) else frozenset()


def loads_code(fn: Node) -> bool:
    """`require` or a dynamic `import`: both run the module they are given."""
    if fn.type == "import":
        return True
    return fn.type == "identifier" and syntax.text(fn) == "require"
