"""RPC servers: the methods a remote client calls are request handlers.

- xmlrpc: `const server = xmlrpc.createServer({...}); server.on("ns.method", (err, params,
  callback) => ...)`: `params` is what the client sent (also for the `NotFound` event,
  `(method, params)`);
- jayson: `jayson.server({ add(args, callback) {...} })` (or `new jayson.Server(...)`,
  `jayson/promise`): each method's first parameter;
- json-rpc-2.0: `const server = new JSONRPCServer(); server.addMethod("echo", (params) =>
  ...)`: the method's first parameter.

A method is recognised by its registration on a server that the library creates; the
server and the library are looked up in the declarations around the method (block by
block up to the file's top level), so only functions passed to such a registration pay for
the lookup. These handlers register no HTTP route: `nodeward routes` does not list them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from nodeward.source import syntax
from nodeward.source.context import Ref
from nodeward.source.frameworks.base import Defaults, Fixes, HandlerRoles
from nodeward.source.parse import Node

_XMLRPC = frozenset({"xmlrpc"})
_XMLRPC_FACTORIES = frozenset({"createServer", "createSecureServer"})
#: xmlrpc events the server emits itself, with no call's parameters
_XMLRPC_LIFECYCLE = frozenset({"error", "listening", "close", "connection", "request"})
_JAYSON = frozenset({"jayson", "jayson/promise"})
_JAYSON_SERVERS = frozenset({"server", "Server"})
_JSON_RPC_2 = frozenset({"json-rpc-2.0"})
_JSON_RPC_2_SERVERS = frozenset({"JSONRPCServer", "JSONRPCServerAndClient"})
_JSON_RPC_2_METHODS = frozenset({"addMethod", "addMethodAdvanced"})
_DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration"})
_KIND = "RPC call parameters"
_ORIGIN = "RPC call"


def _registration(func: Node) -> tuple[Node, str, Node] | None:
    """`(call, method, receiver)` when `func` is the last argument of `receiver.method(...)`."""
    args = func.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    if call is None:
        return None
    arguments = syntax.call_arguments(call)
    callee = call.child_by_field_name("function")
    if len(arguments) != 2 or arguments[1] != func or callee is None:
        return None
    if callee.type != "member_expression":
        return None
    receiver = syntax.unwrap(callee.child_by_field_name("object"))
    if receiver is None or receiver.type != "identifier":
        return None
    return call, syntax.text(callee.child_by_field_name("property")), receiver


def _declared_value(start: Node, name: str) -> Node | None:
    """The initial value of the variable `name` declared in a block around `start`."""
    for block in syntax.ancestors(start):
        if block.type not in ("statement_block", "program"):
            continue
        for statement in block.named_children:
            if statement.type == "export_statement":
                statement = statement.child_by_field_name("declaration") or statement
            if statement.type not in _DECLARATIONS:
                continue
            for declarator in statement.named_children:
                if syntax.text(declarator.child_by_field_name("name")) == name:
                    return declarator.child_by_field_name("value")
    return None


def _module_of(start: Node, name: str) -> str | None:
    """The module that the name `name` was imported from (`import * as x from "m"`,
    `import { x } from "m"`, `const x = require("m")`, `const { x } = require("m")`)."""
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    for block in syntax.ancestors(start):
        if block.type != "program":
            continue
        for statement in block.named_children:
            if statement.type == "import_statement":
                clause = next(
                    (c for c in statement.named_children if c.type == "import_clause"), None
                )
                if clause is not None and word.search(syntax.text(clause)):
                    return syntax.string_value(statement.child_by_field_name("source"))
    return _required(start, name, word)


def _required(start: Node, name: str, word: re.Pattern[str]) -> str | None:
    for block in syntax.ancestors(start):
        if block.type not in ("statement_block", "program"):
            continue
        for statement in block.named_children:
            if statement.type not in _DECLARATIONS:
                continue
            for declarator in statement.named_children:
                bound = declarator.child_by_field_name("name")
                value = syntax.unwrap(declarator.child_by_field_name("value"))
                if bound is None or value is None or not word.search(syntax.text(bound)):
                    continue
                while value.type == "member_expression":  # require("m").Server
                    value = syntax.unwrap(value.child_by_field_name("object"))
                    if value is None:
                        return None
                if (
                    value.type == "call_expression"
                    and syntax.text(value.child_by_field_name("function")) == "require"
                ):
                    arguments = syntax.call_arguments(value)
                    return syntax.string_value(arguments[0]) if arguments else None
                return None
    return None


def _created_by(func: Node, server: Node, modules: frozenset[str], names: frozenset[str]) -> bool:
    """`server` names a value made by `lib.<names>(...)`, `new lib.<names>(...)` or
    `new <names>(...)`, with `lib` (or the class) imported from one of `modules`."""
    value = syntax.unwrap(_declared_value(func, syntax.text(server)))
    if value is None or value.type not in ("call_expression", "new_expression"):
        return False
    callee = value.child_by_field_name("function") or value.child_by_field_name("constructor")
    if callee is None:
        return False
    if callee.type == "member_expression":
        base = syntax.unwrap(callee.child_by_field_name("object"))
        if syntax.text(callee.child_by_field_name("property")) not in names or base is None:
            return False
        return _module_of(func, syntax.text(base)) in modules
    return syntax.text(callee) in names and _module_of(func, syntax.text(callee)) in modules


def _jayson_method(func: Node) -> bool:
    """`jayson.server({ add(args, cb) {...}, sub: (args, cb) => ... })`."""
    holder = func.parent  # the object (a method) or the pair (a function value)
    if holder is not None and holder.type == "pair":
        holder = holder.parent
    args = holder.parent if holder is not None and holder.type == "object" else None
    call = args.parent if args is not None and args.type == "arguments" else None
    if call is None:
        return False
    callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if callee is None or callee.type != "member_expression":
        return False
    base = syntax.unwrap(callee.child_by_field_name("object"))
    return (
        syntax.text(callee.child_by_field_name("property")) in _JAYSON_SERVERS
        and base is not None
        and _module_of(func, syntax.text(base)) in _JAYSON
    )


def _payload(func: Node) -> Node | None:
    """The parameter holding a remote call's parameters, when `func` is an RPC method."""
    params = syntax.function_params(func)
    if not params:
        return None
    if func.parent is not None and func.parent.type in ("pair", "object"):
        return params[0] if _jayson_method(func) else None
    found = _registration(func)
    if found is None:
        return None
    call, method, receiver = found
    if method == "on":
        event = syntax.string_value(syntax.call_arguments(call)[0])
        if event is None or event in _XMLRPC_LIFECYCLE or len(params) < 2:
            return None
        return params[1] if _created_by(func, receiver, _XMLRPC, _XMLRPC_FACTORIES) else None
    if method in _JSON_RPC_2_METHODS and _created_by(
        func, receiver, _JSON_RPC_2, _JSON_RPC_2_SERVERS
    ):
        return params[0]
    return None


class Rpc(Defaults):
    name = "rpc"
    label = "RPC server"
    fixes = Fixes(
        rate_limit="limit the calls a client may make per second",
        global_rate_limit="limit calls per client",
        csrf="authenticate each call with a token, not a cookie",
        helmet="set the security headers on the HTTP server that carries the calls",
    )
    creations: Mapping[Ref, bool] = MappingProxyType({})
    modules = _XMLRPC | _JAYSON | _JSON_RPC_2
    chains_registrations = False
    calls: frozenset[str] = frozenset()
    models = ""

    def handler_roles(self, func: Node, *, routed: bool) -> HandlerRoles | None:
        """An RPC method: the parameter with the call's parameters is request data."""
        payload = _payload(func)
        if payload is None:
            return None
        return HandlerRoles(messages=(payload,), message_kind=_KIND, message_origin=_ORIGIN)


RPC = Rpc()
