"""Browser sources beyond the URL rows of dom.toml: what a page fetches from the server
(XMLHttpRequest, fetch, axios, jQuery's ajax helpers, Angular's HttpClient), what a
Socket.IO server pushes to it, and Angular's ActivatedRoute (the URL, through the router).

React state set from such data (`const [post, setPost] = useState()`; `setPost(data)`)
holds it where the component renders `post`.

Data from the app's own server is stored data: one user's record shown to another
(OriginKind.FETCHED, reported with a lower confidence than URL and postMessage data, since
the server may have checked it). ActivatedRoute is the URL itself (OriginKind.BROWSER)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext, Ref
from nodeward.source.parse import Node
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.names import GLOBAL_OBJECTS, SETTLED_METHODS
from nodeward.source.taint.nest import injected_type, this_field
from nodeward.source.taint.values import OriginKind, Source, Taint, Trace, union

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

#: What an ActivatedRoute (and its snapshot) exposes of the URL; `data`, `title` and
#: `routeConfig` are the route's own configuration.
_URL_MEMBERS = frozenset({"queryParams", "queryParamMap", "params", "paramMap", "fragment", "url"})
_ROUTE_MEMBERS = _URL_MEMBERS | {"snapshot"}
_CONFIG_MEMBERS = frozenset({"data", "title", "routeConfig", "outlet", "component"})
#: HttpClient and axios methods: each answers with what the server sent.
_HTTP_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "jsonp"}
)
_JQUERY_AJAX = frozenset({"ajax", "get", "getJSON", "post"})
_JQUERY_NAMES = frozenset({"$", "jQuery"})
#: The bases whose calls client_source may answer for in a file that imports no axios.
_CALLED_GLOBALS = _JQUERY_NAMES | {"fetch", "axios"}
_AXIOS = frozenset({"axios"})
#: answer_words() beyond the names of pushed messages: may_answer's steps and bases.
_ANSWER_WORDS = _ROUTE_MEMBERS | _HTTP_METHODS | _CALLED_GLOBALS | {"responseText", "response"}
_HTML_KINDS = frozenset({SinkKind.DOM_XSS, SinkKind.XSS})
#: Socket.IO events that carry no message of the server's (a reason, an error).
_LIFECYCLE_EVENTS = frozenset(
    {
        "connect",
        "disconnect",
        "connect_error",
        "error",
        "reconnect",
        "reconnect_attempt",
        "reconnect_error",
        "reconnect_failed",
        "ping",
        "open",
        "close",
    }
)
_SOCKET_FACTORIES = frozenset(
    {Ref("socket.io-client", (CALL,)), Ref("socket.io-client", ("io", CALL))}
)


def client_source(
    fa: FunctionAnalysis, base: Node, steps: tuple[str, ...], node: Node
) -> Taint | None:
    """A browser source read as a path from `base` (`this.route.snapshot.queryParams`,
    `fetch(url)`, `xhr.responseText`, `axios.get(url)`, `$.getJSON(url)`), or None."""
    if not steps:
        return None
    name = syntax.text(base)
    if name in fa.pushed and steps[:1] == ("data",):
        return fetched(fa, node, f"{name}.data (a message from {fa.pushed[name]})")
    if steps[-1] == "responseText" or (steps == ("response",) and _is_xhr(fa, base)):
        return fetched(fa, node, f"{name}.{steps[-1]} (an XMLHttpRequest response)")
    if base.type == "this":
        return _injected_source(fa, steps, node)
    if steps[0] != CALL and (len(steps) < 2 or steps[1] != CALL):
        return None
    if name == "fetch" and steps[0] == CALL and fa.ctx.declaration(name, base) is None:
        return fetched(fa, node, "the response of fetch()")
    if (steps[0] == CALL or steps[0] in _HTTP_METHODS) and _is_axios(fa, base):
        return fetched(fa, node, f"the response of {_called(name, steps)}")
    if name in _JQUERY_NAMES and steps[0] in _JQUERY_AJAX:
        return fetched(fa, node, f"the response of {name}.{steps[0]}()")
    return None


def may_answer(fa: FunctionAnalysis, name: str, this: bool, steps: tuple[str, ...]) -> bool:
    """Whether client_source can answer for some non-empty prefix of `steps` read from a
    base spelled `name` (`this`: the base is `this`): one necessary condition per branch of
    client_source, so that demand.py need not ask every prefix of every member chain of a
    served script. A new branch of client_source needs its condition here too
    (tests/source/taint/test_demand.py finds the same seeds with and without this filter
    in every browser fixture)."""
    if not steps:
        return False
    if name in fa.pushed and steps[0] == "data":
        return True
    if "responseText" in steps or steps[0] == "response":
        return True
    if this:  # _injected_source: `this.<field>.<route member or HTTP method>`
        return len(steps) > 1 and (steps[1] in _ROUTE_MEMBERS or steps[1] in _HTTP_METHODS)
    if steps[0] != CALL and (len(steps) < 2 or steps[1] != CALL):
        return False
    # fetch, jQuery's helpers, or axios (_is_axios: a global spelled `axios`, or a path
    # from the module, which the file must import: FileContext.imports_any)
    return name in _CALLED_GLOBALS or fa.ctx.imports_any(_AXIOS)


def answer_words(fa: FunctionAnalysis) -> frozenset[str] | None:
    """The words one of which a chain spells, as its base or as a step, when may_answer
    holds for it (one or more per branch); None when any chain may (the file imports
    axios: any name can hold an instance)."""
    if fa.ctx.imports_any(_AXIOS):
        return None
    return frozenset(fa.pushed) | _ANSWER_WORDS


def _called(name: str, steps: tuple[str, ...]) -> str:
    return f"{name}()" if steps[0] == CALL else f"{name}.{steps[0]}()"


def _injected_source(fa: FunctionAnalysis, steps: tuple[str, ...], node: Node) -> Taint | None:
    """`this.route.snapshot...` with `route` an ActivatedRoute; `this.http.get(url)` with
    `http` an HttpClient (a constructor parameter property, a typed field or `inject(T)`)."""
    if len(steps) < 2:
        return None
    route = steps[1] in _ROUTE_MEMBERS and (
        steps[1] != "snapshot" or len(steps) == 2 or steps[2] in _URL_MEMBERS
    )
    http = len(steps) > 2 and steps[1] in _HTTP_METHODS and steps[2] == CALL
    if not route and not http:
        return None
    declared = injected_type(node, steps[0])
    if route and declared == "ActivatedRoute":
        described = f"this.{steps[0]}.{steps[1]} (the URL, through Angular's ActivatedRoute)"
        # a whole snapshot also holds the route's configuration, which is not the URL
        return frozenset(
            replace(t, overwritten=_CONFIG_MEMBERS) for t in url_data(fa, node, described)
        )
    if http and declared == "HttpClient":
        return fetched(fa, node, f"the response of this.{steps[0]}.{steps[1]}() (HttpClient)")
    return None


def _is_xhr(fa: FunctionAnalysis, base: Node) -> bool:
    value = syntax.unwrap(fa.ctx.value_of(base))
    return (
        value is not None
        and value.type == "new_expression"
        and syntax.text(value.child_by_field_name("constructor")) == "XMLHttpRequest"
    )


def _is_axios(fa: FunctionAnalysis, base: Node) -> bool:
    """`axios` imported, loaded by a script tag (a global), or an `axios.create()` instance."""
    ref = fa.ctx.ref_of(base)
    if ref is not None:
        return ref.module == "axios" and ref.path in ((), ("create", CALL))
    return syntax.text(base) == "axios" and fa.ctx.declaration("axios", base) is None


def message_sender(listener: Node) -> str | None:
    """What a `message` listener listens to when it is not the window (postMessage): the
    WebSocket, EventSource or worker it was added to (`ws` for `ws.onmessage = ...`)."""
    parent = listener.parent
    target = None
    if parent is not None and parent.type == "arguments" and parent.parent is not None:
        target = syntax.unwrap(parent.parent.child_by_field_name("function"))
    elif parent is not None and parent.type == "assignment_expression":
        target = syntax.unwrap(parent.child_by_field_name("left"))
    if target is None or target.type != "member_expression":
        return None  # `addEventListener(...)`, `onmessage = ...`: the window's
    receiver = syntax.text(target.child_by_field_name("object"))
    return None if receiver in GLOBAL_OBJECTS else receiver


def callback_sources(fa: FunctionAnalysis, func: Node) -> list[tuple[Node, Taint]]:
    """The parameter of a callback that receives server data: a Socket.IO listener
    (`socket.on("chat", (msg) => ...)`) or a jQuery ajax callback (`$.get(url, (data) =>
    ...)`, `$.ajax({ success: (data) => ... })`); empty for any other function."""
    params = syntax.function_params(func)
    parent = func.parent
    if not params or parent is None:
        return []
    call = None
    if parent.type == "arguments":
        call = parent.parent
    elif parent.type == "pair" and syntax.property_key(parent) == "success":
        holder = parent.parent.parent if parent.parent is not None else None
        call = holder.parent if holder is not None and holder.type == "arguments" else None
    if call is None or call.type != "call_expression":
        return []
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "member_expression":
        return []
    receiver = syntax.unwrap(callee.child_by_field_name("object"))
    method = syntax.text(callee.child_by_field_name("property"))
    described = None
    if method in _JQUERY_AJAX and syntax.text(receiver) in _JQUERY_NAMES:
        described = f"the response of {syntax.text(callee)}()"
    elif method == "on" and parent.type == "arguments":
        event = _socket_event(fa, call, receiver)
        described = f"a Socket.IO message {event!r}" if event is not None else None
    if described is None:
        return []
    pattern = params[0].child_by_field_name("pattern") or params[0]
    return [(pattern, fetched(fa, params[0], described))]


def _socket_event(fa: FunctionAnalysis, call: Node, receiver: Node | None) -> str | None:
    """The event a Socket.IO client listens to with `call`, or None when the receiver is
    not a socket (a DOM element, jQuery, an emitter) or the event carries no message."""
    args = syntax.call_arguments(call)
    event = syntax.string_value(args[0]) if args else None
    if event is None or event in _LIFECYCLE_EVENTS or receiver is None:
        return None
    value = syntax.unwrap(fa.ctx.value_of(receiver))
    if value is not None and value.type == "call_expression":
        callee = syntax.text(value.child_by_field_name("function"))
        if callee in ("io", "io.connect") or fa.ctx.callee(value) in _SOCKET_FACTORIES:
            return event
    field = this_field(receiver)
    if field is not None and injected_type(receiver, field) == "Socket":
        return event  # `private socket: Socket = io(url)` (socket.io-client's type)
    last = syntax.text(receiver).rsplit(".", 1)[-1].removesuffix("()")
    return event if "socket" in last.lower() else None


def sanitized(arg_taints: list[Taint]) -> Taint:
    """`sanitizer.sanitize(SecurityContext.HTML, html)` (Angular's DomSanitizer),
    `purify.sanitize(html)`: markup that can no longer run script."""
    return frozenset(t.clear(_HTML_KINDS).as_string() for t in union(*arg_taints))


def fetched(fa: FunctionAnalysis, node: Node, described: str) -> Taint:
    """Data the server sent: any JSON value, stored by whoever wrote it."""
    return _browser_source(fa, node, described, OriginKind.FETCHED, maybe_object=True)


def url_data(fa: FunctionAnalysis, node: Node, described: str) -> Taint:
    """Data in the page's URL (an Angular route's parameters): always strings."""
    return _browser_source(fa, node, described, OriginKind.BROWSER, maybe_object=False)


def _browser_source(
    fa: FunctionAnalysis, node: Node, described: str, kind: OriginKind, *, maybe_object: bool
) -> Taint:
    location = fa.ctx.location(node)
    what = "server data" if kind is OriginKind.FETCHED else "browser data"
    trace = Trace(
        origin=Source(described, location, kind),
        steps=(FlowStep(location, f"{what}: {described}"),),
        maybe_object=maybe_object,
        whole=False,
    )
    return frozenset({trace})


def react_states(ctx: FileContext) -> dict[tuple[str, int], Node]:
    """React state setters by (name, declaring scope): `const [post, setPost] =
    useState(...)` maps `setPost` to the `post` identifier it updates."""
    found: dict[tuple[str, int], Node] = {}
    if not ctx.mentions("useState"):
        return found  # (a callee's text is the source's: every declarator read for none)
    for declarator in ctx.nodes("variable_declarator"):
        value = syntax.unwrap(declarator.child_by_field_name("value"))
        pattern = declarator.child_by_field_name("name")
        if value is None or value.type != "call_expression" or pattern is None:
            continue
        callee = syntax.text(value.child_by_field_name("function"))
        if not callee.endswith("useState") or pattern.type != "array_pattern":
            continue
        elements = pattern.named_children
        if len(elements) > 1 and elements[0].type == elements[1].type == "identifier":
            name = syntax.text(elements[1])
            found[(name, ctx.scope_of(name, elements[1]))] = elements[0]
    return found


def state_update(fa: FunctionAnalysis, call: Node) -> tuple[Node, Node] | None:
    """The React state a call sets and the expression it sets it from: `setPost(value)`,
    or `promise.then(setPost)` (the setter handed the settled value); None for others."""
    states = fa.engine.react_states(fa.ctx)
    callee = syntax.unwrap(call.child_by_field_name("function"))
    args = syntax.call_arguments(call)
    if not states or callee is None or not args:
        return None
    state = _state_of(fa.ctx, states, callee)
    if state is not None:
        return state, args[0]
    receiver = callee.child_by_field_name("object") if callee.type == "member_expression" else None
    if (
        receiver is None
        or syntax.text(callee.child_by_field_name("property")) not in SETTLED_METHODS
    ):
        return None
    state = _state_of(fa.ctx, states, syntax.unwrap(args[0]))
    return (state, receiver) if state is not None else None


def _state_of(
    ctx: FileContext, states: dict[tuple[str, int], Node], setter: Node | None
) -> Node | None:
    if setter is None or setter.type != "identifier":
        return None
    name = syntax.text(setter)
    return states.get((name, ctx.scope_of(name, setter)))
