"""Secrets built from guessable randomness: Math.random and uuid v1 (NW213), and tokens
derived from data an attacker knows, such as a timestamp or an email (NW214)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import pairwise

from nodeward.catalog.auth import INSECURE_RANDOM_TOKEN, PREDICTABLE_TOKEN
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.call_index import in_document_order
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules import naming
from nodeward.source.word_starts import starts_inside, word_starts

#: Name words that make a value a secret someone could use if they guessed it.
SECRET_VALUE_WORDS = frozenset(
    {
        "token",
        "otp",
        "nonce",
        "secret",
        "password",
        "passwd",
        "pwd",
        "salt",
        "sid",
        "csrf",
        "xsrf",
        "pin",
        "apikey",
        "passcode",
        "invite",
        "totp",
    }
)
#: Two-word names: `resetCode`, `verificationCode`, `sessionId`, `apiKey`.
SECRET_VALUE_PAIRS = frozenset(
    {
        ("reset", "code"),
        ("verification", "code"),
        ("verify", "code"),
        ("confirmation", "code"),
        ("confirm", "code"),
        ("auth", "code"),
        ("access", "code"),
        ("session", "id"),
        ("session", "key"),
        ("api", "key"),
        ("secret", "key"),
        ("access", "key"),
        ("temp", "password"),
        ("one", "time"),
        ("magic", "link"),
        ("invite", "code"),
        ("recovery", "code"),
        ("activation", "code"),
        ("activation", "key"),
    }
)
_GUESSABLE = re.compile(
    r"\bDate\.now\(\)|\bnew Date\(|\.getTime\(\)|\bemail\b|\busername\b|\buserId\b|\buser\.id\b"
    r"|\b_id\b|\btimestamp\b|\bperformance\.now\(\)|\bprocess\.hrtime|\.(login|user_?name)\b",
)
_UNGUESSABLE = re.compile(
    r"random|uuid|nanoid|secret|salt|SECRET|KEY|hmac|Hmac|cuid|getRandomValues",
)


#: the modules of the generators _weak_generator() knows besides Math.random (which
#: calls_named() files under "random")
_UUID_MODULES = ("uuid", "node-uuid")
#: What _is_hash_or_time() needs in a value's text, and so in the file's: a digest call
#: or `Date` (each of its clock forms names it).
_HASH_OR_TIME_WORDS = ("createHash", "md5(", "sha1(", "sha256(", "Date")
_HASH_OR_TIME_BYTES = tuple(word.encode() for word in _HASH_OR_TIME_WORDS)


@lru_cache(maxsize=4096)  # the same few names recur in every file
def is_secret_value_name(name: str | None) -> bool:
    if not name:
        return False
    parts = naming.words(name)
    if not parts:
        return False
    if set(parts) & SECRET_VALUE_WORDS or "".join(parts).endswith("apikey"):
        return not ({"length", "expires", "expiry", "ttl", "header", "name"} & set(parts))
    return any((a, b) in SECRET_VALUE_PAIRS for a, b in pairwise(parts))


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    reported_lines: set[int] = set()
    index = ctx.call_index
    uuids = (call for call, _ref in index.calls_into(_UUID_MODULES))
    for call in in_document_order(index.calls_named(("random",)), uuids):
        kind = _weak_generator(ctx, call)
        if kind is None:
            continue
        name = _secret_context(ctx, call)
        if name is None or syntax.line_of(call) in reported_lines:
            continue
        reported_lines.add(syntax.line_of(call))
        yield INSECURE_RANDOM_TOKEN.finding(
            ctx.location(call),
            f"{kind} builds `{name}`, but it is predictable; use "
            "crypto.randomBytes(32).toString('hex') or crypto.randomUUID()",
        )
    yield from _predictable(ctx, reported_lines)


def _weak_generator(ctx: FileContext, call: Node) -> str | None:
    if ctx.callee_name(call) == "Math.random":
        return "Math.random()"
    ref = ctx.callee(call)
    if (
        ref is not None
        and ref.module in _UUID_MODULES
        and ref.path[-1:]
        in (
            ("v1",),
            ("v6",),
        )
    ):
        return f"uuid {ref.path[-1]}() (timestamp and MAC address)"
    return None


def _secret_context(ctx: FileContext, call: Node) -> str | None:
    """The secret-like name the generated value ends up under, or None."""
    target = naming.target_name(call)
    if is_secret_value_name(target):
        return target
    loop_target = _accumulated_into(call)
    if is_secret_value_name(loop_target):
        return loop_target
    function = naming.function_name(call)
    if is_secret_value_name(function):
        return f"{function}()"
    if _passed_to_cookie(ctx, call):
        return "a cookie value"
    return None


def _accumulated_into(call: Node) -> str | None:
    """`token += chars[Math.floor(Math.random() * n)]` and `code.push(...)` inside a loop."""
    node: Node | None = call
    while node is not None and node.type not in ("expression_statement", "statement_block"):
        if node.type == "augmented_assignment_expression":
            return naming.last_name(node.child_by_field_name("left"))
        if node.type == "call_expression" and syntax.text(node).split("(")[0].endswith(".push"):
            fn = node.child_by_field_name("function")
            obj = fn.child_by_field_name("object") if fn is not None else None
            return naming.last_name(obj)
        node = node.parent
    return None


def _passed_to_cookie(ctx: FileContext, call: Node) -> bool:
    node: Node | None = call.parent
    for _ in range(6):
        if node is None:
            return False
        if node.type == "call_expression" and ctx.callee_name(node).endswith(".cookie"):
            args = syntax.call_arguments(node)
            return len(args) > 1 and args[1].start_byte <= call.start_byte < args[1].end_byte
        node = node.parent
    return False


def _predictable(ctx: FileContext, reported_lines: set[int]) -> Iterator[Finding]:
    if not any(ctx.mentions(word) for word in _HASH_OR_TIME_WORDS):
        return
    # every value _is_hash_or_time() accepts holds one of the words in its text
    starts = word_starts(ctx.parsed.text.source, _HASH_OR_TIME_BYTES)
    for value, name in _named_values(ctx, lambda value: starts_inside(starts, value)):
        if not is_secret_value_name(name) or syntax.line_of(value) in reported_lines:
            continue
        source = syntax.text(value)
        guessable = _GUESSABLE.search(source)
        if len(source) > 400 or _UNGUESSABLE.search(source) or guessable is None:
            continue
        if not _is_hash_or_time(source):
            continue
        reported_lines.add(syntax.line_of(value))
        yield PREDICTABLE_TOKEN.finding(
            ctx.location(value),
            f"`{name}` is derived only from guessable data ({guessable.group(0)}...), so "
            "anyone can compute it; use crypto.randomBytes(32).toString('hex')",
        )


def _is_hash_or_time(source: str) -> bool:
    """A digest (`createHash(...)`, md5(...)) or the clock itself (`Date.now()`,
    `String(Date.now())`, `Date.now().toString(36)`)."""
    if "createHash" in source or re.search(r"\b(?:md5|sha1|sha256)\(", source):
        return True
    stripped = re.sub(r"\.toString\(\d*\)|^String\(|^\`|\`$|\)$", "", source.strip())
    return bool(
        re.fullmatch(r"Date\.now\(\)|new Date\(\)\.getTime\(\)|\$\{Date\.now\(\)\}", stripped)
    )


def _named_values(
    ctx: FileContext, may_report: Callable[[Node], bool]
) -> Iterator[tuple[Node, str]]:
    """(value, the name it is stored under or compared to) of the values `may_report`
    accepts; the names of the others are not read."""
    for decl in ctx.nodes("variable_declarator"):
        value = decl.child_by_field_name("value")
        if value is None or not may_report(value):
            continue
        name = decl.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            yield value, syntax.text(name)
    for assign in ctx.nodes("assignment_expression"):
        right = assign.child_by_field_name("right")
        if right is None or not may_report(right):
            continue
        target = naming.last_name(assign.child_by_field_name("left"))
        if target is not None:
            yield right, target
    for pair in ctx.nodes("pair"):
        value = pair.child_by_field_name("value")
        if value is None or not may_report(value):
            continue
        key = syntax.property_key(pair)
        if key is not None:
            yield value, key
    for compare in ctx.nodes("binary_expression"):
        # `if (req.query.token === md5(req.query.email))`: the expected token, computed
        # (a side `may_report` accepts lies inside the comparison: the comparison first)
        if not may_report(compare) or syntax.operator(compare) not in ("==", "===", "!=", "!=="):
            continue
        left, right = compare.child_by_field_name("left"), compare.child_by_field_name("right")
        if left is None or right is None:
            continue
        for computed, other in ((right, left), (left, right)):
            if computed.type != "call_expression" or not may_report(computed):
                continue
            compared = naming.last_name(other)
            if compared is not None:
                yield computed, compared


CHECKER = Checker(rules=(INSECURE_RANDOM_TOKEN, PREDICTABLE_TOKEN), check_file=_check_file)
