"""NW222 from a validation schema: the shortest password a rule lets through.

- zod, Joi, yup and superstruct-like chains under a password key:
  `z.object({ password: z.string().min(4) })`, `Joi.string().min(3)`;
- express-validator chains on a password field: `body("password").isLength({ min: 4 })`,
  `check("newPassword").isLength({ min: 6 })`.

A chain that also checks strength (`isStrongPassword`, `zxcvbn`, `.regex(...)` with
lookaheads is still judged by its minimum) or asks for at least 8 characters is not
reported, nor are sign-in forms (`loginSchema`, a `/login` route), whose `min(1)` only
says the field is required and whose minimum is no policy."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.catalog.auth import WEAK_PASSWORD_POLICY
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

#: the password a user chooses (not `oldPassword`/`currentPassword`, which are checked
#: against the stored one)
_PASSWORD_KEY = re.compile(
    r"(?:new_?)?(?:password|passwd|pass|pwd|pw)(?:1|_?confirm(?:ation)?)?", re.IGNORECASE
)
_VALIDATOR_FIELDS = frozenset({"body", "check", "checkBody", "param", "query"})
_SCHEMA_MIN = frozenset({"min", "minLength", "minlength"})
_STRENGTH = re.compile(r"isStrongPassword|zxcvbn|passwordStrength|owasp|strongPassword", re.I)
_LOGIN_CONTEXT = re.compile(r"(?i)log-?in|sign-?in|authenticat|credential")
#: NIST SP 800-63B: at least 8 characters for memorized secrets a user chooses
SHORTEST_ACCEPTABLE = 8
#: how far up a rule looks for what names its schema or route
_CONTEXT_LEVELS = 8


def _chain_calls(outermost: Node) -> list[Node]:
    """The calls of a method chain, innermost first: `z.string().min(4).max(64)`."""
    calls: list[Node] = []
    node: Node | None = outermost
    while node is not None and node.type == "call_expression":
        calls.append(node)
        function = node.child_by_field_name("function")
        node = function.child_by_field_name("object") if function is not None else None
        node = syntax.unwrap(node)
    return calls[::-1]


def _method(call: Node) -> str:
    function = call.child_by_field_name("function")
    if function is not None and function.type == "member_expression":
        prop = function.child_by_field_name("property")
        return syntax.text(prop) if prop is not None else ""
    return syntax.text(function) if function is not None else ""


def _minimum(call: Node) -> int | None:
    """`min(4)`, `minLength(4)`, `isLength({ min: 4 })`: the lower bound a call sets."""
    args = syntax.call_arguments(call)
    if not args:
        return None
    method = _method(call)
    if method in _SCHEMA_MIN:
        value = syntax.number_value(args[0])
    elif method == "isLength":
        value = syntax.number_value(syntax.object_get(args[0], "min"))
    else:
        return None
    return int(value) if value is not None else None


def _login_context(ctx: FileContext, node: Node) -> bool:
    """A sign-in form: the rule sits in a schema, function or route named for signing in."""
    if _LOGIN_CONTEXT.search(ctx.rel.rsplit("/", 1)[-1]):
        return True
    for level, ancestor in enumerate(syntax.ancestors(node)):
        if level > _CONTEXT_LEVELS:
            break
        named = ancestor.child_by_field_name("name") or ancestor.child_by_field_name("key")
        if named is not None and _LOGIN_CONTEXT.search(syntax.text(named)):
            return True
        if ancestor.type == "call_expression":
            first = syntax.call_arguments(ancestor)[:1]
            path = syntax.string_value(first[0]) if first else None
            if path is not None and _LOGIN_CONTEXT.search(path):
                return True
    return False


def _weak_rule(chain: list[Node]) -> tuple[Node, int] | None:
    """The call setting a minimum below 8, in a chain that checks no strength."""
    if _STRENGTH.search(syntax.text(chain[-1])):
        return None  # isStrongPassword(), refine((v) => zxcvbn(v).score >= 3)
    for call in chain:
        shortest = _minimum(call)
        if shortest is not None:
            return (call, shortest) if shortest < SHORTEST_ACCEPTABLE else None
    return None


def _validator_chains(ctx: FileContext) -> Iterator[list[Node]]:
    """express-validator: `body("password")...` chains, outermost call each."""
    for call in ctx.call_index.calls_named(_VALIDATOR_FIELDS):
        function = call.child_by_field_name("function")
        args = syntax.call_arguments(call)
        if function is None or function.type != "identifier" or not args:
            continue
        if syntax.text(function) not in _VALIDATOR_FIELDS:
            continue
        field = syntax.string_value(args[0])
        if field is None or not _PASSWORD_KEY.fullmatch(field.rsplit(".", 1)[-1]):
            continue
        outer = call
        while (parent := _chained_call(outer)) is not None:
            outer = parent
        yield _chain_calls(outer)


def _chained_call(call: Node) -> Node | None:
    """The call made on `call`'s result (`x.isLength(...)` for `x`), or None."""
    member = call.parent
    if member is None or member.type != "member_expression":
        return None
    outer = member.parent
    return outer if outer is not None and outer.type == "call_expression" else None


def _schema_chains(ctx: FileContext) -> Iterator[list[Node]]:
    """zod / Joi / yup: the chain under a password key of an object literal."""
    for pair in ctx.nodes("pair"):
        key = pair.child_by_field_name("key")
        value = syntax.unwrap(pair.child_by_field_name("value"))
        if key is None or value is None or value.type != "call_expression":
            continue
        if _PASSWORD_KEY.fullmatch(syntax.text(key).strip("'\"`")):
            chain = _chain_calls(value)
            if chain and any(_method(call) == "string" for call in chain):
                yield chain


def weak_password_schemas(ctx: FileContext) -> Iterator[Finding]:
    # _weak_rule() reports only a call _minimum() reads, whose method's text is written
    # in the file
    if not any(ctx.mentions(method) for method in (*_SCHEMA_MIN, "isLength")):
        return
    for chain in (*_validator_chains(ctx), *_schema_chains(ctx)):
        weak = _weak_rule(chain)
        if weak is None or _login_context(ctx, chain[-1]):
            continue
        call, shortest = weak
        plural = "" if shortest == 1 else "s"
        yield WEAK_PASSWORD_POLICY.finding(
            ctx.location(call),
            f"The password rule `{' '.join(syntax.text(call).split())[:40]}` accepts "
            f"passwords of {shortest} character{plural}; require at least 12 (e.g. "
            "min(12)) or check the strength with zxcvbn",
        )
