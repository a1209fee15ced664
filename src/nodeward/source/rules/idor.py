"""NW504: a record loaded or changed by an id the client sends, in a handler behind
authentication that never relates the record to the signed-in user (IDOR).

The functions examined are the route's handler and the chain members that answer the
request themselves (`router.get("/:id", verifyToken, controller.read, guard.check(...))`),
each only when an authentication middleware runs before it. A record call is a model or
DAO call (`Note.findOne`, `dao.getByUserId`, `repo.updateNote`, SQL with `where id =`)
whose arguments hold a request id, written inline or through a local name
(`const { userId } = req.params`). The finding points at the call, with the place where the
id is read as the first step of its flow."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from nodeward.catalog.access import IDOR
from nodeward.findings import Finding, FlowStep
from nodeward.source import syntax
from nodeward.source.appmodel import Guard, Middleware, Route
from nodeward.source.appmodel.answering import answers
from nodeward.source.appmodel.guards import PACKAGE_GUARDS
from nodeward.source.appmodel.inspect import checks_role, mentions_session_user
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

_BY_ID = frozenset(
    {
        "findById",
        "findByIdAndUpdate",
        "findByIdAndDelete",
        "findByIdAndRemove",
        "findOne",
        "findAll",
        "findOneAndUpdate",
        "findOneAndDelete",
        "findOneAndReplace",
        "updateOne",
        "updateMany",
        "replaceOne",
        "deleteOne",
        "findByPk",
        "findUnique",
        "findFirst",
        "update",
        "destroy",
        "delete",
    }
)
_SQL_CALLS = frozenset({"query", "execute", "run", "get", "all", "raw"})
#: `req.params.noteId`, `request.body["id"]`, Koa's `ctx.params.id` / `ctx.request.body.id`
_REQUEST_ID = re.compile(
    r"\b((req|request)\.(params|query|body)|ctx\.(params|query|request\.(body|query)))"
    r"(\.\w*id\b|\[['\"]\w*id['\"]\])",
    re.IGNORECASE,
)
_SQL_BY_ID = re.compile(r"\bwhere\b[^;]*\bid\s*=", re.IGNORECASE)
#: DAO and service methods named for a record: `getByUserId`, `findNoteById`, `updateTask`.
_DAO_BY_ID = re.compile(r"^(get|find|fetch|load|read|update|delete|remove)\w*By\w*Id", re.I)
_RECORD_METHOD = re.compile(r"^(get|find|fetch|load|read|update|delete|remove|destroy)[A-Z]\w*$")
#: Receivers whose `get`/`delete` is no record access: the request, the response, maps.
_NOT_RECORDS = frozenset({"req", "request", "res", "response", "reply", "ctx", "headers"})
_OWNERSHIP_MIDDLEWARE = re.compile(
    # `authorize("owner")`, `checkOwnership`, an authorization policy or ability; a header
    # middleware (`featurePolicy()`) and `isAuthorized` (which only signs users in) are not
    r"owner|(^|[^a-z])own[A-Z_]|authoriz(e|ation)(?!d)|can[A-Z]|permission|ability",
    re.IGNORECASE,
)
#: Actions meant for other users' records: liking a post, following an account.
_SOCIAL_ACTION = re.compile(
    r"(^|/)(un)?(like|likes|vote|votes|upvote|downvote|favou?rites?|follow|star|react|"
    r"bookmark|clap)s?(/|$)|^(un)?(like|vote|upvote|downvote|favou?rite|follow|star|bookmark)",
    re.IGNORECASE,
)
_OWNER_KEY = re.compile(r"owner|author|creator|user|account|member", re.IGNORECASE)
_RESPONSE_CALLS = frozenset({"render", "json", "send", "jsonp", "flash", "end", "write"})


@dataclass(frozen=True)
class IdRead:
    """Where a request id is read, and the text it stands for (`req.params.userId`)."""

    node: Node
    text: str


def local_binding(ctx: FileContext, name: Node) -> IdRead | None:
    """The declaration of `name` in its own function before the use: `const id = req.params.id`
    binds `req.params.id`, `const { id: noteId } = req.params` binds `req.params.id`."""
    function = syntax.enclosing_function(name)
    wanted = syntax.text(name)
    for node in ctx.within(function, "variable_declarator") if function is not None else ():
        if node.start_byte > name.start_byte:
            break
        target = node.child_by_field_name("name")
        # `const { id } = req.body as { id: string }` binds req.body.id
        value = syntax.unwrap(node.child_by_field_name("value"))
        if target is None or value is None:
            continue
        if target.type == "identifier":
            if syntax.text(target) == wanted:
                return IdRead(node, syntax.text(value))
            continue
        key = _pattern_key(target, wanted)
        if key is not None:
            return IdRead(node, f"{syntax.text(value)}.{key}")
    return _decorated_param(function, wanted) if function is not None else None


#: NestJS (and routing-controllers) parameter decorators -> the request part they inject
_PARAM_DECORATORS = {"Param": "req.params", "Query": "req.query", "Body": "req.body"}
_DECORATOR = re.compile(r"@(\w+)\(\s*(?:['\"](\w+)['\"])?")
#: `@User() user`, `@CurrentUser('id') userId`, `@AuthUser() me`: the signed-in user
_USER_DECORATOR = re.compile(r"@\w*User\b")


def _decorated_param(function: Node, wanted: str) -> IdRead | None:
    """`@Param('id') id` reads req.params.id; `@Param() params` all of req.params."""
    for param in syntax.function_params(function):
        if syntax.param_name(param) != wanted:
            continue
        for decorator in param.named_children:
            if decorator.type != "decorator":
                continue
            found = _DECORATOR.match(syntax.text(decorator))
            part = _PARAM_DECORATORS.get(found.group(1)) if found else None
            if found is not None and part is not None:
                key = found.group(2)
                return IdRead(param, f"{part}.{key}" if key else part)
    return None


def _session_user_params(func: Node) -> frozenset[str]:
    """Parameters a decorator fills with the signed-in user."""
    return frozenset(
        name
        for param in syntax.function_params(func)
        if (name := syntax.param_name(param)) is not None
        and any(
            c.type == "decorator" and _USER_DECORATOR.match(syntax.text(c))
            for c in param.named_children
        )
    )


def _pattern_key(pattern: Node, wanted: str) -> str | None:
    """The property an object pattern binds `wanted` from: `{ userId }` -> userId,
    `{ id: noteId }` -> id."""
    if pattern.type != "object_pattern":
        return None
    for element in pattern.named_children:
        if element.type == "shorthand_property_identifier_pattern":
            if syntax.text(element) == wanted:
                return wanted
        elif element.type == "object_assignment_pattern":
            left = element.child_by_field_name("left")
            if left is not None and syntax.text(left) == wanted:
                return wanted
        elif element.type == "pair_pattern":
            value = element.child_by_field_name("value")
            if value is not None and syntax.text(value) == wanted:
                return syntax.text(element.child_by_field_name("key"))
    return None


def _request_id(ctx: FileContext, args: list[Node]) -> IdRead | None:
    """The first request id among the arguments, inline or through a local name."""
    for arg in args:
        if arg.type in syntax.FUNCTION_TYPES:
            continue
        for node in syntax.walk(arg):
            if node.type in ("member_expression", "subscript_expression"):
                if _REQUEST_ID.fullmatch(syntax.text(node)):
                    return IdRead(node, syntax.text(node))
                found = _member_of_binding(ctx, node)
                if found is not None:
                    return found
            elif node.type in ("identifier", "shorthand_property_identifier"):
                parent = node.parent
                if parent is not None and parent.type == "member_expression":
                    continue
                bound = local_binding(ctx, node)
                if bound is not None and _REQUEST_ID.search(bound.text):
                    return bound
    return None


def _member_of_binding(ctx: FileContext, node: Node) -> IdRead | None:
    """`params.id` where `params` holds req.params (`@Param() params`, `const p = req.params`)."""
    obj = node.child_by_field_name("object")
    prop = node.child_by_field_name("property")
    if node.type != "member_expression" or obj is None or obj.type != "identifier" or prop is None:
        return None
    bound = local_binding(ctx, obj)
    if bound is None:
        return None
    text = f"{bound.text}.{syntax.text(prop)}"
    return IdRead(bound.node, text) if _REQUEST_ID.fullmatch(text) else None


def _record_call(ctx: FileContext, call: Node) -> IdRead | None:
    """The request id a model, DAO or SQL call selects its record by."""
    chain = syntax.member_chain(call.child_by_field_name("function"))
    if chain is None or len(chain) < 2 or chain[-2] in _NOT_RECORDS:
        return None
    args = syntax.call_arguments(call)
    method = chain[-1]
    first = (syntax.unwrap(args[0]) or args[0]) if args else None
    if method in _SQL_CALLS and first is not None:
        if not _SQL_BY_ID.search(syntax.string_value(first) or syntax.text(first)):
            return None
    elif not (
        method in _BY_ID
        or _DAO_BY_ID.match(method)
        or _RECORD_METHOD.match(method)
        or (method == "find" and first is not None and first.type == "object")
    ):
        return None
    return _request_id(ctx, args)


def ownership_checked(func: Node, ctx: FileContext) -> bool:
    """The session user takes part in a query or a condition of the function (rendering
    `req.user.name` back is no ownership check)."""
    users = _session_user_params(func)
    if users and _user_param_used(ctx, func, users):
        return True
    mentions = _session_user_test(ctx, func)
    for node in ctx.within(func, "call_expression", "if_statement", "ternary_expression"):
        if node.type == "call_expression":
            args = [a for a in syntax.call_arguments(node) if a.type not in syntax.FUNCTION_TYPES]
            if any(mentions(syntax.text(a)) for a in args):
                chain = syntax.member_chain(node.child_by_field_name("function")) or []
                if not chain or chain[-1] not in _RESPONSE_CALLS:
                    return True
        else:
            test = node.child_by_field_name("condition")
            if test is not None and mentions(syntax.text(test)):
                return True
    for node in ctx.within(func, "binary_expression"):
        if mentions(syntax.text(node)):
            return True
    return any(_owner_filter(pair, mentions) for pair in ctx.within(func, "pair"))


#: the request's properties that hold the signed-in user: `const { user } = req`
_SESSION_USER_KEYS = frozenset({"user", "session", "auth", "userId", "currentUser"})


def _session_user_test(ctx: FileContext, func: Node) -> Callable[[str], bool]:
    """Whether a text names the session user: `req.user`, or a local name the function
    binds from it (`const { user } = req as Authed`, `const userId = req.user.id`,
    `const { id: me } = req.user`)."""
    aliases: set[str] = set()
    for node in ctx.within(func, "variable_declarator"):
        target = node.child_by_field_name("name")
        value = syntax.unwrap(node.child_by_field_name("value"))
        if target is None or value is None:
            continue
        text = syntax.text(value)
        if mentions_session_user(text):
            aliases.update(_bound_names(target))
        elif text in ("req", "request") and target.type == "object_pattern":
            aliases.update(
                name for key, name in _pattern_pairs(target) if key in _SESSION_USER_KEYS
            )
    if not aliases:
        return mentions_session_user
    named = re.compile(r"(?<![\w$.])(" + "|".join(map(re.escape, sorted(aliases))) + r")\b")
    return lambda text: mentions_session_user(text) or named.search(text) is not None


def _bound_names(target: Node) -> Iterator[str]:
    if target.type == "identifier":
        yield syntax.text(target)
    elif target.type == "object_pattern":
        yield from (name for _key, name in _pattern_pairs(target))


def _pattern_pairs(pattern: Node) -> Iterator[tuple[str, str]]:
    """(property, bound name) of an object pattern's plain entries."""
    for element in pattern.named_children:
        if element.type == "shorthand_property_identifier_pattern":
            yield syntax.text(element), syntax.text(element)
        elif element.type == "pair_pattern":
            key, value = element.child_by_field_name("key"), element.child_by_field_name("value")
            if key is not None and value is not None and value.type == "identifier":
                yield syntax.text(key), syntax.text(value)


def _user_param_used(ctx: FileContext, func: Node, users: frozenset[str]) -> bool:
    """A user parameter (`@User('id') userId`) handed to a call or compared."""
    body = func.child_by_field_name("body")
    for node in ctx.within(body, "identifier") if body is not None else ():
        if syntax.text(node) not in users:
            continue
        for parent in syntax.ancestors(node):
            if parent.type in ("binary_expression", "arguments", "pair"):
                return True
            if parent == body:
                break
    return False


def _owner_filter(pair: Node, mentions: Callable[[str], bool]) -> bool:
    """`ownerId: req.user.id` in a filter built apart (`const where = { id, ownerId: ... }`),
    not a `user: req.user` handed to the view."""
    key = syntax.text(pair.child_by_field_name("key"))
    if not _OWNER_KEY.search(key) or not mentions(syntax.text(pair)):
        return False
    for node in syntax.ancestors(pair):
        if node.type == "call_expression":
            chain = syntax.member_chain(node.child_by_field_name("function")) or []
            return not chain or chain[-1] not in _RESPONSE_CALLS
        if node.type in syntax.FUNCTION_TYPES:
            break
    return True


def _ownership_middleware(middleware: Middleware) -> bool:
    ref = middleware.ref
    if ref is not None and PACKAGE_GUARDS.get(ref.module, Guard.AUTH) is not Guard.AUTH:
        return False  # helmet's and the header packages' middleware
    return _OWNERSHIP_MIDDLEWARE.search(middleware.name) is not None


def _answering_functions(route: Route) -> Iterator[tuple[Node, FileContext]]:
    """The handler and the chain members that answer the request, each behind an
    authentication middleware and no ownership or role middleware (staff roles such as
    `isAccounting` may act on every user's records)."""
    if _SOCIAL_ACTION.search(route.path) or _SOCIAL_ACTION.match(_handler_name(route)):
        return
    authenticated = False
    for middleware in route.chain:
        signs_in = middleware.has(Guard.AUTH)
        if _ownership_middleware(middleware):
            return
        # a role check sits at or after the sign-in (app-wide `featurePolicy()` is no role)
        if (authenticated or signs_in) and checks_role(middleware):
            return
        func, ctx = middleware.definition, middleware.definition_ctx
        if authenticated and func is not None and ctx is not None and answers(func):
            yield func, ctx
        authenticated = authenticated or signs_in
    handler = route.handler
    if authenticated and handler.function is not None and handler.ctx is not None:
        yield handler.function, handler.ctx


def _handler_name(route: Route) -> str:
    """The handler's name, or the name of the factory or declaration that holds it
    (`export function likePost () { return async (req, res) => ... }`)."""
    func = route.handler.function
    for node in (func, *syntax.ancestors(func)) if func is not None else ():
        if node.type in ("function_declaration", "method_definition", "variable_declarator"):
            return syntax.text(node.child_by_field_name("name"))
        if node.type == "pair":
            return syntax.text(node.child_by_field_name("key"))
    return route.handler.name.rsplit(".", 1)[-1]


def idor_findings(route: Route) -> Iterator[Finding]:
    """NW504 on a route that is neither privileged nor incomplete (the caller decides)."""
    for func, ctx in _answering_functions(route):
        if ownership_checked(func, ctx):
            continue
        for call in ctx.within(func, "call_expression"):
            read = _record_call(ctx, call)
            if read is None:
                continue
            yield IDOR.finding(
                ctx.location(call),
                f"{route.label} loads a record by an id from the request "
                f"(`{' '.join(syntax.text(call).split())[:70]}`) and never compares it to the "
                "session user; "
                "scope the query to req.user (e.g. { _id: req.params.id, owner: req.user.id })",
                flow=(
                    FlowStep(ctx.location(read.node), f"the record id comes from {read.text}"),
                    FlowStep(ctx.location(call), "the record is selected by it"),
                ),
            )
            return
