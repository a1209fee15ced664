"""One function's analysis: its request, response and framework parameters, the
bindings replayed until nothing changes (flow-insensitive, at most MAX_PASSES), and the
dispatch of expressions to expressions.py and calls.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext
from nodeward.source.parse import Node
from nodeward.source.scopes import MODULE
from nodeward.source.taint import (
    array_writes,
    async_flow,
    browser_data,
    callbacks,
    class_validator,
    form_parsers,
    nest,
    positions,
    stored,
)
from nodeward.source.taint.bounds import (
    EMPTY_SUMMARY,
    MAX_EXPRESSION_DEPTH,
    MAX_PASSES,
    MAX_STEPS_PER_FUNCTION,
    MAX_SUMMARY_HITS,
    NO_ROLES,
    BudgetExceeded,
    PassedRoles,
    Summary,
)
from nodeward.source.taint.calls import eval_call
from nodeward.source.taint.expressions import (
    archive_trace,
    eval_literal,
    eval_member,
    graphql_arguments,
    passed_in,
    pattern_names,
    request_member,
    static_path,
)
from nodeward.source.taint.guards import guard_kinds, may_precede
from nodeward.source.taint.handlers import HandlerRoles
from nodeward.source.taint.loops import LOOPS, check_allocation, check_loop
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.names import CALLBACK_METHODS, SENSITIVE_FIELDS, SETTLED_METHODS
from nodeward.source.taint.settling import PassReads
from nodeward.source.taint.statements import (
    check_assignment,
    check_dangerous_html,
    check_nest_returns,
)
from nodeward.source.taint.typed_fields import restrict
from nodeward.source.taint.values import (
    CLEAN,
    Hit,
    Render,
    Source,
    Taint,
    Trace,
    members,
    placed,
    union,
)

if TYPE_CHECKING:
    from nodeward.source.taint.engine import TaintEngine


_BINDING_TYPES = frozenset(
    {
        "variable_declarator",
        "assignment_expression",
        "augmented_assignment_expression",
        "for_in_statement",
    }
)

#: Reads of a variable whose reaching assignments variable_writes.py may know.
_READS = frozenset({"identifier", "shorthand_property_identifier"})


#: What the analysis of a unit looks at: bindings, calls, sinks written as statements,
#: returns, `delete`, and the nested functions whose parameters hold sources.
_UNIT_NODE_TYPES = (
    _BINDING_TYPES
    | {"call_expression", "new_expression", "unary_expression", "jsx_attribute"}
    | {"return_statement"}
    | LOOPS
    | syntax.FUNCTION_TYPES
)


class FunctionAnalysis:
    """One function (or the program's top level) with its nested callbacks."""

    def __init__(
        self,
        engine: TaintEngine,
        ctx: FileContext,
        unit: Node,
        roles: PassedRoles = NO_ROLES,
        *,
        collect: bool = True,
    ) -> None:
        """`collect=False` leaves the unit's nodes unread: a probe that only asks the
        source rules about expressions (demand.py)."""
        self.engine = engine
        self.ctx = ctx
        self.unit = unit
        self.models = engine.models
        #: variables by (name, scope): siblings' same-named `const`s are apart (scopes.py)
        self.env: dict[tuple[str, int], Taint] = {}
        self.requests: set[str] = set()
        self.responses: set[str] = set()
        self.koa: set[str] = set()
        self.messages: set[str] = set()  # browser `message` event parameters (postMessage)
        #: `message` event parameters of a WebSocket, EventSource or worker -> its name
        self.pushed: dict[str, str] = {}
        self.entries: dict[str, Node] = {}  # archive entry parameters -> their callback
        self.request_patterns: list[Node] = []  # `({ body }, res) => ...`
        #: `socket.on("chat", (data) => ...)`, an RPC method's parameters: (param, roles)
        self.socket_payloads: list[tuple[Node, HandlerRoles]] = []
        self.handshakes: set[str] = set()  # Socket.IO sockets: `.handshake.query` is the client's
        #: browser callbacks' parameters holding server data (browser_data.callback_sources)
        self.fetched_params: list[tuple[Node, Taint]] = []
        self.replies: set[str] = set()  # Fastify replies: strings are sent as text/plain
        self.nest: nest.NestHandler | None = None  # the unit is a NestJS route method
        self.graphql_args: list[Node] = []  # resolvers' `args` parameters
        #: `obj.x = value` writes per variable, kept apart from `env` so that a use in the
        #: other branch of an `if` (or after a branch that returns) does not see them
        self.member_writes: dict[tuple[str, int], dict[tuple[int, int], tuple[Node, Taint]]] = {}
        self.deleted: set[str] = set()  # `delete user.password`: variables made safe
        self.client = ctx.rel in engine.client_files
        self.module_vars = engine.module_vars.setdefault(ctx.rel, {})
        self.steps = 0
        self.returns: Taint = CLEAN
        self.hits: list[Hit] = []
        self.param_calls: dict[tuple[int, int], Taint] = {}  # see callbacks.record
        self._cache: dict[tuple[int, int], Taint] = {}
        #: the last binding pass's evaluations, when it changed nothing (see _carry)
        self._carried: dict[tuple[int, int], _Evaluation] = {}
        self._log: list[tuple[int, int]] | None = None  # keys evaluated, children first
        self._effects: dict[tuple[int, int], _Evaluation] = {}
        self._pass: PassReads | None = None  # what the current binding pass read
        self.guards: dict[tuple[int, int, SinkKind], bool] = {}
        self._note_passed_roles(roles)
        self._vars: dict[tuple[str, int], tuple[str, int]] = {}  # see var()
        self._paths: dict[int, tuple[Node, tuple[str, ...]] | None] = {}  # see path()
        self.nodes = self._collect() if collect else []

    def _note_passed_roles(self, roles: PassedRoles) -> None:
        """The parameters a caller fills with its response or Koa context."""
        if roles == NO_ROLES or self.unit.type == "program":
            return
        params = syntax.function_params(self.unit)
        for indexes, into in ((roles.responses, self.responses), (roles.koa, self.koa)):
            for index in indexes:
                name = syntax.param_name(params[index]) if index < len(params) else None
                if name is not None:
                    into.add(name)

    def _collect(self) -> list[Node]:
        """The unit's nodes the analysis looks at (_UNIT_NODE_TYPES), in document order;
        the program leaves functions to their own analysis, a function includes its nested
        callbacks."""
        if self.unit.type == "program":
            walked = syntax.walk_skipping(self.unit, syntax.FUNCTION_TYPES)
            found = [n for n in walked if n.type in _UNIT_NODE_TYPES]
        else:  # a slice of the file's index: no walk per function analysed
            found = self.ctx.nodes_within(self.unit, *_UNIT_NODE_TYPES)
        for node in found:
            if node.type in syntax.FUNCTION_TYPES:
                self._note_function(node)
        return found

    def _note_function(self, node: Node) -> None:
        """The parameters of a nested function that hold sources: archive entries, browser
        messages, GraphQL arguments, a handler's request and response."""
        if is_archive_entry_callback(node):
            params = syntax.function_params(node)
            entry = syntax.param_name(params[0]) if params else None
            if entry is not None:
                self.entries[entry] = node
        if self.client:
            event = message_listener_param(node)
            sender = browser_data.message_sender(node) if event is not None else None
            if event is not None and sender is None:
                self.messages.add(event)
            elif event is not None and sender is not None:
                self.pushed[event] = sender
            self.fetched_params += browser_data.callback_sources(self, node)
            return
        args = self.engine.graphql_args(self.ctx, node)
        if args is not None:
            self.graphql_args.append(args)
        roles = self.engine.handler_roles(self.ctx, node)
        if roles is None:
            return
        if roles.request_pattern is not None:
            self.request_patterns.append(roles.request_pattern)
        self.socket_payloads += [(param, roles) for param in roles.messages]
        self.handshakes |= {n for p in roles.handshakes if (n := syntax.param_name(p))}
        if roles.fastify and roles.response is not None:
            self.replies.add(roles.response)
        if roles.nest is not None and node == self.unit:
            self.nest = roles.nest
        for name, into in (
            (roles.request, self.requests),
            (roles.response, self.responses),
            (roles.koa, self.koa),
        ):
            if name is not None:
                into.add(name)

    def run(self) -> Summary:
        """Bind the parameters, replay the bindings until nothing changes, then check
        every call, assignment and return once; the summary is what callers reuse."""
        self._bind_parameters()
        bindings = [n for n in self.nodes if self._binds(n)]
        self._note_deletes()
        for _ in range(MAX_PASSES):
            before = (dict(self.env), {k: dict(v) for k, v in self.member_writes.items()})
            self._cache.clear()
            self._log, self._effects = [], {}
            self._pass = PassReads()
            for node in bindings:
                self._bind(node)
            if (self.env, self.member_writes) == before or self._pass.settled(self.module_vars):
                # the bindings held still, or every read saw where they ended (settling.py):
                # another pass would repeat this one, so its evaluations are reusable
                self._carried = self._effects
                break
        self._pass = None
        self._log, self._effects = None, {}
        self._cache.clear()
        self._check_nodes()
        self._carried = {}
        check_nest_returns(self)
        for hit in self.hits:
            self.engine.record(hit)
        params = frozenset(t for t in self.returns if isinstance(t.origin, int))
        return Summary(
            returns=params | frozenset(t for t in self.returns if isinstance(t.origin, Source)),
            hits=tuple(h for h in self.hits if isinstance(h.trace.origin, int))[:MAX_SUMMARY_HITS],
            calls=callbacks.summarised(self.param_calls),
        )

    def _bind_parameters(self) -> None:
        """Plain parameters carry parameter-origin traces (for the summary); the request,
        GraphQL arguments, destructured request fields and archive entries are sources."""
        if self.unit.type != "program":
            for index, param in enumerate(syntax.function_params(self.unit)):
                for name, _key in pattern_names(param):
                    if name not in self.requests | self.responses | self.koa:
                        self.env[self.var(name, param)] = frozenset({Trace(origin=index)})
        self._bind_nest_params()
        for param in self.graphql_args:
            self._bind_pattern(
                param.child_by_field_name("pattern") or param, graphql_arguments(self, param)
            )
        for param, roles in self.socket_payloads:
            self._bind_pattern(
                param.child_by_field_name("pattern") or param, socket_payload(self, param, roles)
            )
        for pattern, taint in self.fetched_params:
            self._bind_pattern(pattern, taint)
        if self.client and self.unit.type != "program":
            self._bind_top_level_callback()
        for pattern in self.request_patterns:
            for name, key in pattern_names(pattern):
                if key is not None:
                    self._assign(name, pattern, request_member(self, key, pattern))
        for name, callback in self.entries.items():
            entry = archive_trace(self, callback, f"{name} (archive entry)")
            self.env[self.var(name, callback)] = frozenset({entry})

    def _binds(self, node: Node) -> bool:
        """Whether `node` gives a variable a value (replayed on every pass)."""
        if node.type in _BINDING_TYPES:
            return True
        return node.type == "call_expression" and (
            array_writes.stores(node)
            or form_parsers.parses_request(self, node)
            or self._callback_method(node) is not None
            or (self.client and browser_data.state_update(self, node) is not None)
            or stored.result_callback(node) is not None
            or callbacks.has_function_argument(self.ctx, node)
        )

    def _note_deletes(self) -> None:
        """`delete user.password`: the variable no longer carries the secret."""
        for node in self.nodes:
            if node.type == "unary_expression" and syntax.text(node).startswith("delete"):
                target = static_path(node.named_children[0] if node.named_children else None)
                if target is not None and target[1] and target[1][-1] in SENSITIVE_FIELDS:
                    self.deleted.add(syntax.text(target[0]))

    def _check_nodes(self) -> None:
        """One pass over the unit with the final bindings: calls (and the sinks they
        reach), assignment and JSX sinks, and what the unit returns."""
        for node in self.nodes:
            if node.type in ("call_expression", "new_expression"):
                self.eval(node)
                check_allocation(self, node)
            elif node.type in LOOPS:
                check_loop(self, node)
            elif node.type in ("assignment_expression", "augmented_assignment_expression"):
                check_assignment(self, node)  # `el.innerHTML += html` too
            elif node.type == "jsx_attribute" and self.client:
                check_dangerous_html(self, node)
            elif node.type == "return_statement" and self.ctx.enclosing_function(node) == self.unit:
                value = node.named_children[0] if node.named_children else None
                self.returns = union(self.returns, self.eval(value))
        if self.unit.type == "arrow_function":
            body = self.unit.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                self.returns = union(self.returns, self.eval(body))

    def lookup(self, name: str, use: Node, depth: int = 0) -> Taint:
        """What variable `name` holds where `use` reads it: its bindings (only the
        assignments that can reach `use`, where variable_writes.py can tell), and the
        property writes into it that can have run before `use`."""
        var = self.var(name, use)
        if self._pass is not None:
            self._pass.read(var)
        reaching = None
        if use.type in _READS and depth < MAX_EXPRESSION_DEPTH // 2:
            reaching = self.engine.variable_writes(self.ctx).reaching(use)
        if reaching is not None:
            value = union(*(self.eval(v, depth) for v in reaching if v is not None))
        else:
            value = self.env.get(var, CLEAN)
        if var[1] == MODULE:
            held = self.module_vars.get(name, CLEAN)
            if self._pass is not None:
                self._pass.read_module(name, held)
            value = union(value, held)
        writes = self.member_writes.get(var)
        if not writes:
            return value
        written = [taint for write, taint in writes.values() if may_precede(write, use)]
        return union(value, *written)

    def path(self, node: Node) -> tuple[Node, tuple[str, ...]] | None:
        """static_path(node), remembered for the passes (and the member reads inside a
        member chain, which each read the chain again)."""
        key = node.id
        if key in self._paths:
            return self._paths[key]
        found = self._paths[key] = static_path(node)
        return found

    def var(self, name: str, at: Node) -> tuple[str, int]:
        """The variable `name` means where `at` is: the name and its declaring scope
        (remembered: each pass reads the same identifiers again; the scope depends on
        where `at` starts only)."""
        key = (name, at.start_byte)
        found = self._vars.get(key)
        if found is None:
            found = self._vars[key] = (name, self.ctx.scope_of(name, at))
        return found

    def mark_read(self, var: tuple[str, int]) -> None:
        """A rule read whether `var` holds anything (settling.py)."""
        if self._pass is not None:
            self._pass.read(var)

    def write_member(self, var: tuple[str, int], at: Node, taint: Taint) -> None:
        """`obj.x = taint` (or `obj.push(taint)`) at statement `at`: a property write into
        variable `var`, replacing what `at` wrote before."""
        writes = self.member_writes.setdefault(var, {})
        key = (at.start_byte, at.end_byte)
        if writes.get(key) != (at, taint):
            writes[key] = (at, taint)
            if self._pass is not None:
                self._pass.changed(var)

    def _assign(self, name: str, at: Node, taint: Taint) -> None:
        if taint:
            var = self.var(name, at)
            held = self.env.get(var, CLEAN)
            self.env[var] = grown = union(held, taint)
            if self._pass is not None and grown != held:
                self._pass.changed(var)
            if var[1] == MODULE and self.unit.type != "program":
                self.module_vars[name] = union(self.module_vars.get(name, CLEAN), taint)

    def _bind(self, node: Node) -> None:
        match node.type:
            case "variable_declarator":
                target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if target is not None and value is not None:
                    taint = self.eval(value)
                    if not self._bind_positions(target, value):
                        self._bind_pattern(target, taint)
            case "assignment_expression" | "augmented_assignment_expression":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is None or right is None:
                    return
                taint = self.eval(right)
                if left.type in ("identifier", "object_pattern", "array_pattern"):
                    self._bind_pattern(left, taint)
                else:  # obj.x = tainted: the object now holds request data
                    path = static_path(left)
                    if path is not None and path[0].type == "identifier" and taint:
                        keys = path[1] if CALL not in path[1] else ()
                        var = self.var(syntax.text(path[0]), path[0])
                        self.write_member(var, node, placed(taint, *keys))
            case "for_in_statement":
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if left is not None and right is not None:
                    self._bind_pattern(left, members(self.eval(right), "*"))
            case "call_expression":
                array_writes.record(self, node)  # `parts.push(x)`: parts now holds x
                for param, taint in form_parsers.callback_bindings(self, node):
                    self._bind_pattern(param, taint)  # `form.parse(req, (err, fields) => ...)`
                for param, taint in async_flow.bindings(self, node):
                    self._bind_pattern(param, taint)  # `async.waterfall([...], done)`
                update = browser_data.state_update(self, node) if self.client else None
                if update is not None:  # `setPost(data)`: React state the component renders
                    self._bind_pattern(update[0], self.eval(update[1]))
                results = stored.result_callback(node)
                if results is not None:  # `Comment.find({}, (err, docs) => ...)`
                    self._bind_pattern(results, stored.only_records(self.eval(node)))
                self._bind_callback_params(node)
                method = self._callback_method(node)
                callee = node.child_by_field_name("function")
                receiver = callee.child_by_field_name("object") if callee is not None else None
                callback = settled_callback(node)
                if method is None or callback is None or receiver is None:
                    return
                taint = self.eval(receiver)
                if method not in SETTLED_METHODS:
                    taint = members(taint, "[]")
                params = syntax.function_params(callback)
                if params and not (method == "then" and self._bind_positions(params[0], receiver)):
                    self._bind_pattern(params[0], taint)
            case _:
                return

    def _bind_top_level_callback(self) -> None:
        """Browser code analyses a callback written at the top level of a script as a unit
        of its own (engine.client_units): `fetch(url).then((r) => ...)` binds `r` here,
        from the receiver, as `_bind` does for a callback inside a function."""
        call = settling_call(self.unit)
        if call is None:
            return
        method = self._callback_method(call)
        callee = call.child_by_field_name("function")
        receiver = callee.child_by_field_name("object") if callee is not None else None
        params = syntax.function_params(self.unit)
        if method is None or receiver is None or not params:
            return
        taint = self.eval(receiver)
        self._bind_pattern(params[0], taint if method in SETTLED_METHODS else members(taint, "[]"))

    def _bind_callback_params(self, call: Node) -> None:
        """`dao.getAll((err, docs) => ...)`: `docs` gets what getAll calls its callback with."""
        target = self.engine.project_function(self.ctx, call)
        summary = self.engine.summary(*target) if target is not None else EMPTY_SUMMARY
        if not summary.calls or target is None:
            return
        name = self.ctx.callee_name(call) or "function"
        via = f"{name}() in {target[0].rel}"
        step = FlowStep(self.ctx.location(call), f"passed to the callback of {via}")
        arg_taints = [self.eval(a) for a in syntax.call_arguments(call)]
        for pattern, taint in callbacks.bindings(
            self.ctx, call, summary.calls, arg_taints, step, via
        ):
            self._bind_pattern(pattern, taint)

    def _bind_pattern(self, pattern: Node, taint: Taint) -> None:
        if not taint:
            return
        if pattern.type in ("identifier", "shorthand_property_identifier_pattern"):
            self._assign(syntax.text(pattern), pattern, taint)
            return
        if pattern.type in ("lexical_declaration", "variable_declaration"):
            for declarator in pattern.named_children:
                bound = declarator.child_by_field_name("name")
                if bound is not None:
                    self._bind_pattern(bound, taint)
            return
        removed = {key for _name, key in pattern_names(pattern) if key in SENSITIVE_FIELDS}
        for name, key in pattern_names(pattern):
            if key is None and removed:  # `const { password, ...rest } = user`: rest is safe
                taint = frozenset(t.clear(frozenset({SinkKind.SENSITIVE})) for t in taint)
            self._assign(name, pattern, members(taint, key) if key else taint)

    def _bind_positions(self, pattern: Node, value: Node) -> bool:
        """`const [a, b] = await Promise.all([x, y])`: bind each name to its own element;
        `const results = await Promise.all([x, y])`: keep each element at its position
        (`results[1]`). False (nothing bound) unless both sides are written by position."""
        written = syntax.unwrap(pattern.child_by_field_name("pattern") or pattern)  # TS
        values = positions.elements(value)
        if written is not None and written.type == "identifier" and values is not None:
            if positions.settles_all(value):  # `results = await Promise.all(...)`
                elements = [self.eval(v) if v is not None else CLEAN for v in values]
                self._assign(syntax.text(written), written, positions.at_positions(elements))
                return True
            return False
        names = positions.slots(written) if written is not None else None
        if names is not None and values is None:  # `const [n, f] = await service.load()`
            return self._bind_kept_positions(names, self.eval(value))
        if names is None or values is None:
            return False
        for index, name in enumerate(names):
            if name is None:
                continue
            if name.type == "rest_pattern":  # `[first, ...others]`: the rest, merged
                rest = union(*(self.eval(v) for v in values[index:] if v is not None))
                for inner in name.named_children:
                    self._bind_pattern(inner, rest)
                break
            if index < len(values):
                self._bind_pattern(positions.slot_target(name), self.eval(values[index]))
        return True

    def _bind_kept_positions(self, names: list[Node | None], taint: Taint) -> bool:
        """An array pattern over a value whose elements kept their positions (a
        `Promise.all([...])` a service returned): each name gets its own element."""
        if not positions.kept(taint):
            return False
        for index, name in enumerate(names):
            if name is None or name.type == "rest_pattern":
                continue
            self._bind_pattern(positions.slot_target(name), positions.at_position(taint, index))
        return True

    def _callback_method(self, call: Node) -> str | None:
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            return None
        method = syntax.text(callee.child_by_field_name("property"))
        if method in CALLBACK_METHODS and settled_callback(call) is not None:
            return method
        return None

    def eval(self, node: Node | None, depth: int = 0) -> Taint:
        node = syntax.unwrap(node)
        if node is None:
            return CLEAN
        self.steps += 1
        if self.steps > MAX_STEPS_PER_FUNCTION:
            raise BudgetExceeded
        if depth > MAX_EXPRESSION_DEPTH:
            self.engine.skip(self.ctx, node, "expression nested too deeply")
            return CLEAN
        key = (node.start_byte, node.end_byte)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if self._carried and key in self._carried:
            return self._carry(key)
        log = self._log
        if log is None:
            result = self._eval(node, depth + 1)
        else:
            first, hits, renders = len(log), len(self.hits), len(self.engine.renders)
            result = self._eval(node, depth + 1)
            self._effects[key] = _Evaluation(
                result,
                tuple(log[first:]),
                tuple(self.hits[hits:]),
                tuple(self.engine.renders[renders:]),
            )
            log.append(key)
        self._cache[key] = result
        return result

    def _carry(self, key: tuple[int, int]) -> Taint:
        """The check pass reads an expression the last binding pass evaluated with the
        same bindings (a pass that changed nothing saw them constant throughout): its
        taint, and the sinks and renders it recorded, again, as evaluating it would."""
        found = self._carried.pop(key)
        for inner in found.inner:  # evaluated within it: cached for this pass, as then
            carried = self._carried.pop(inner, None)
            if carried is not None:
                self._cache[inner] = carried.taint
        self.hits += found.hits
        self.engine.renders += found.renders
        self._cache[key] = found.taint
        return found.taint

    def _eval(self, node: Node, depth: int) -> Taint:
        match node.type:
            case "identifier" | "shorthand_property_identifier":
                return self.lookup(syntax.text(node), node, depth)
            case "member_expression" | "subscript_expression":
                return eval_member(self, node, depth)
            case "call_expression" | "new_expression":
                result = eval_call(self, node, depth)
                match self.engine.sites.store_call(self.ctx, node):
                    case stored.StoreCall.READ:  # records or a status, not the filter
                        result = frozenset(t for t in result if not passed_in(t))
                    case stored.StoreCall.WRITE:  # the saved record holds the values
                        write = self.engine.sites.write_of(self.ctx, node)
                        values = [self.eval(v, depth) for v in (write.values if write else ())]
                        # (an object literal written keeps its fields: `saved.title`)
                        result = frozenset(
                            t.inside() if passed_in(t) and not t.fields else t
                            for t in union(result, *values)
                        )
                    case None:
                        pass
                return union(result, self.engine.sites.read_taint(self.ctx, node))
            case "binary_expression":
                operator = syntax.text(node.child_by_field_name("operator"))
                left = self.eval(node.child_by_field_name("left"), depth)
                right = self.eval(node.child_by_field_name("right"), depth)
                if operator in ("||", "??"):
                    return union(left, right)
                if operator == "&&":  # the left value only when falsy: "", 0, null
                    return right
                if operator == "+":
                    return frozenset(t.as_string() for t in union(left, right))
                return CLEAN  # comparisons and arithmetic give booleans and numbers
            case "template_string":
                parts = [
                    self.eval(c.named_children[0] if c.named_children else None, depth)
                    for c in node.named_children
                    if c.type == "template_substitution"
                ]
                return frozenset(t.as_string() for t in union(*parts))
            case "ternary_expression":
                consequence = node.child_by_field_name("consequence")
                chosen = self.eval(consequence, depth)
                guard = guard_kinds(self, node.child_by_field_name("condition"), consequence)
                if guard:  # `ALLOWED.includes(x) ? x : "/"`
                    chosen = frozenset(t.clear(guard) for t in chosen)
                return union(chosen, self.eval(node.child_by_field_name("alternative"), depth))
            case "assignment_expression" | "augmented_assignment_expression":
                return self.eval(node.child_by_field_name("right"), depth)
            case "object" | "array":
                return eval_literal(self, node, depth)
            case "spread_element":
                return self.eval(node.named_children[0] if node.named_children else None, depth)
            case "sequence_expression":
                children = node.named_children
                return self.eval(children[-1] if children else None, depth)
            case _:
                return CLEAN

    def _bind_nest_params(self) -> None:
        """A NestJS route method's decorated parameters hold request data: `@Query() q` is
        req.query, `@Query('q') q` is req.query.q; a conversion pipe leaves a number."""
        if self.nest is None:
            return
        for name in self.nest.converted:
            self.env.pop(self.var(name, self.unit), None)
        for param in self.nest.params:
            container = request_member(self, param.source.value, param.node)
            if param.key is not None:
                container = members(container, param.key)
            elif dto := class_validator.param_shape(
                self.engine.graph, self.ctx, self.unit, param.node
            ):
                container = restrict(container, dto)  # `@Body() dto: CreateUserDto`, validated
            if param.pattern is not None:  # `@Arg("data") { title }: RecipeInput`
                self._bind_pattern(param.pattern, container)
            else:
                self.env[self.var(param.name, param.node)] = container


@dataclass(frozen=True)
class _Evaluation:
    """One expression's evaluation in a binding pass: its taint, the expressions
    evaluated within it, and the hits and renders it recorded."""

    taint: Taint
    inner: tuple[tuple[int, int], ...]
    hits: tuple[Hit, ...]
    renders: tuple[Render, ...]


def settled_callback(call: Node) -> Node | None:
    """The callback a `.then(cb)`-like call passes its value to: its first argument, or
    the `next` handler of an RxJS observer (`.subscribe({ next: (value) => ... })`)."""
    args = syntax.call_arguments(call)
    first = syntax.unwrap(args[0]) if args else None
    if first is not None and first.type == "object":
        first = syntax.unwrap(syntax.object_get(first, "next"))
        if first is not None and first.type == "method_definition":
            return first
    return first if first is not None and first.type in syntax.FUNCTION_TYPES else None


def settling_call(func: Node) -> Node | None:
    """The call `func` is the settled callback of (settled_callback), or None."""
    holder = func.parent
    if holder is not None and holder.type == "pair":  # `subscribe({ next: ... })`
        holder = holder.parent.parent if holder.parent is not None else None
    call = holder.parent if holder is not None and holder.type == "arguments" else None
    if call is None or call.type != "call_expression" or settled_callback(call) != func:
        return None
    return call


def socket_payload(fa: FunctionAnalysis, param: Node, roles: HandlerRoles) -> Taint:
    """What a WebSocket client sent with an event, or a remote caller with an RPC call:
    any JSON value (or a Buffer)."""
    location = fa.ctx.location(param)
    name = syntax.param_name(param) or "data"
    trace = Trace(
        origin=Source(f"{roles.message_origin} {name}", location),
        steps=(FlowStep(location, f"request data: {roles.message_kind} `{name}`"),),
        whole=False,
    )
    return frozenset({trace})


def is_archive_entry_callback(func: Node) -> bool:
    """`zip.on("entry", (entry) => ...)` (unzipper, tar-stream) or `{ onentry: ... }` (tar)."""
    parent = func.parent
    if parent is None:
        return False
    if parent.type == "pair":
        return syntax.property_key(parent) == "onentry"
    if parent.type == "arguments" and parent.parent is not None:
        args = syntax.call_arguments(parent.parent)
        callee = syntax.text(parent.parent.child_by_field_name("function"))
        return callee.endswith(".on") and bool(args) and syntax.string_value(args[0]) == "entry"
    return False


def message_listener_param(func: Node) -> str | None:
    """The event parameter of `addEventListener("message", (event) => ...)` or
    `window.onmessage = (event) => ...`."""
    parent = func.parent
    params = syntax.function_params(func)
    name = syntax.param_name(params[0]) if params else None
    if parent is None or name is None:
        return None
    if parent.type == "arguments" and parent.parent is not None:
        args = syntax.call_arguments(parent.parent)
        callee = syntax.text(parent.parent.child_by_field_name("function"))
        if callee.endswith(("addEventListener", ".on")) and args:
            return name if syntax.string_value(args[0]) == "message" else None
    if parent.type == "assignment_expression":
        left = syntax.text(parent.child_by_field_name("left"))
        return name if left.endswith("onmessage") else None
    return None
