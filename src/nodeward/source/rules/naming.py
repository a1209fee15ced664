"""What names say about values: `dbPassword`, `JWT_SECRET`, `resetToken`.

Several rules judge a value by the name it is stored under (a variable, a property, an
assignment target) or by the function it is built in. Names are split into lower-case
words (camelCase, snake_case, kebab-case) so `userPassword`, `USER_PASSWORD` and
`user-password` read the same."""

from __future__ import annotations

import re

from nodeward.source import syntax
from nodeward.source.parse import Node

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pass", "pw"})
#: Words that, next to "password", mean the value is not the password itself.
NOT_A_PASSWORD = frozenset(
    {
        "hash",
        "hashed",
        "digest",
        "encrypted",
        "crypt",
        "salt",
        "field",
        "label",
        "placeholder",
        "regex",
        "pattern",
        "policy",
        "length",
        "min",
        "max",
        "rule",
        "rules",
        "error",
        "message",
        "msg",
        "reset",
        "url",
        "route",
        "path",
        "input",
        "type",
        "strength",
        "visible",
        "show",
        "valid",
        "expires",
        "expiry",
        "changed",
        "at",
    }
)


def may_name_password(source: bytes) -> bool:
    """A necessary condition of any name in `source` passing is_password_name(): every
    such name holds "password", "passwd" or a word of PASSWORD_WORDS, so "pass" or "pw"
    in some case. A string key may write a letter as an escape (`"\\pass"` is "pass"),
    which adds a backslash before it."""
    lowered = source.lower()
    if b"pass" in lowered or b"pw" in lowered:
        return True
    if b"\\" not in lowered:
        return False
    unescaped = lowered.replace(b"\\", b"")
    return b"pass" in unescaped or b"pw" in unescaped


def words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def is_password_name(name: str) -> bool:
    lowered = name.lower()
    if "pass" not in lowered and "pw" not in lowered:
        # what may_name_password() asks of a file, asked of the name: "password",
        # "passwd" and every word of PASSWORD_WORDS hold one of the two (most names
        # do not, and need not be split into words)
        return False
    parts = words(name)
    if "password" in lowered or "passwd" in lowered:
        hit = True
    else:
        hit = bool(parts) and parts[-1] in PASSWORD_WORDS
    return hit and not (set(parts) & NOT_A_PASSWORD)


def last_name(node: Node | None) -> str | None:
    """The name an expression is known by: `pwd`, `user.password` -> `password`,
    `req.body['password']` -> `password`."""
    chain = syntax.member_chain(node)
    return chain[-1] if chain else None


def target_name(value: Node) -> str | None:
    """The name the value of an expression is stored under: `const token = <value>`,
    `user.token = <value>`, `{ token: <value> }`, `token += <value>`; it walks up through
    calls, concatenations and templates (`String(<value>)`, `"a" + <value>`)."""
    node = value
    parent = node.parent
    steps = 0
    while parent is not None and steps < 8:
        match parent.type:
            case "variable_declarator":
                name = parent.child_by_field_name("name")
                return syntax.text(name) if name is not None and name.type == "identifier" else None
            case "assignment_expression" | "augmented_assignment_expression":
                return last_name(parent.child_by_field_name("left"))
            case "pair":
                return syntax.property_key(parent)
            case "public_field_definition" | "field_definition":
                name = parent.child_by_field_name("name") or parent.child_by_field_name("property")
                return syntax.text(name) if name is not None else None
            case "return_statement" | "arrow_function":
                return function_name(parent)
            case (
                "call_expression"
                | "arguments"
                | "member_expression"
                | "binary_expression"
                | "template_substitution"
                | "template_string"
                | "parenthesized_expression"
                | "as_expression"
                | "non_null_expression"
                | "subscript_expression"
                | "ternary_expression"
                | "await_expression"
            ):
                node, parent = parent, parent.parent
                steps += 1
            case _:
                return None
    return None


def function_name(node: Node) -> str | None:
    """The name of the function `node` is in: a declaration, a method, or the variable or
    property a function expression is assigned to."""
    func = node if node.type in syntax.FUNCTION_TYPES else syntax.enclosing_function(node)
    if func is None:
        return None
    name = func.child_by_field_name("name")
    if name is not None:
        return syntax.text(name)
    parent = func.parent
    if parent is not None and parent.type == "variable_declarator":
        return syntax.text(parent.child_by_field_name("name"))
    if parent is not None and parent.type == "pair":
        return syntax.property_key(parent)
    if parent is not None and parent.type == "assignment_expression":
        return last_name(parent.child_by_field_name("left"))
    return None
