"""Home-made "encryption" (NW215): XOR of the data with a fixed key, and functions named
encrypt/decrypt/cipher that only base64-encode or shift letters (rot13)."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.catalog.auth import HOMEMADE_ENCRYPTION
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.rules import naming

#: Words of a function name that say it encrypts (`encryptPayload`, `decipher`, `xorCrypt`).
_CIPHER_WORDS = frozenset(
    {"encrypt", "decrypt", "encryption", "decryption", "cipher", "decipher", "crypt"}
)
#: ... or hides data, which a constant-byte XOR inside it is meant to do.
_HIDING_WORDS = _CIPHER_WORDS | {"obfuscate", "deobfuscate", "scramble", "unscramble", "xor"}
#: Words of a name that make a value a key.
_KEY_WORDS = frozenset({"key", "secret", "passphrase", "password", "pwd", "cipher", "xorkey"})
#: Functions whose XORs mix bits, not hide data: hashes, checksums, comparisons, PRNGs,
#: WebSocket frame masks.
_MIXING_WORDS = frozenset(
    {
        "hash",
        "checksum",
        "crc",
        "fnv",
        "murmur",
        "digest",
        "equal",
        "equals",
        "compare",
        "random",
        "rng",
        "seed",
        "mask",
        "unmask",
        "shuffle",
        "uuid",
    }
)
_CHAR_CODES = frozenset({"charCodeAt", "codePointAt"})
#: Calls a base64-only "cipher" may make: encoding, string and array plumbing. Any other
#: call might be a real cipher (crypto.createCipheriv, a helper in another file).
_ENCODING_CALLS = frozenset(
    {
        "from",
        "toString",
        "btoa",
        "atob",
        "fromCharCode",
        "fromCodePoint",
        "charCodeAt",
        "codePointAt",
        "split",
        "join",
        "map",
        "reverse",
        "replace",
        "stringify",
        "parse",
        "slice",
        "substring",
        "substr",
        "concat",
        "encodeURIComponent",
        "decodeURIComponent",
        "String",
        "Buffer",
        "toUpperCase",
        "toLowerCase",
        "trim",
        "charAt",
        "indexOf",
        "push",
        "forEach",
        "reduce",
        "isBuffer",
        "encode",
        "decode",
    }
)
_BASE64 = frozenset({"base64", "base64url"})


#: Words one of which a file must hold for its functions to be read as ciphers (a byte
#: search, so that files without them cost nothing).
_CIPHER_BYTES = (b"crypt", b"Crypt", b"CRYPT", b"cipher", b"Cipher", b"CIPHER")


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    source = ctx.parsed.text.source
    ciphers: set[int] = set()  # the functions whose XOR is reported: one finding each
    reported: list[Node] = []
    xors = ctx.nodes("binary_expression") if b"^" in source else []
    for node in xors:
        finding = _xor_cipher(ctx, node, ciphers)
        if finding is not None:
            reported.append(node)
            yield finding
    # a function around a reported XOR (`encrypt` mapping a XOR over the text) is no
    # base64-only cipher: its weakness is reported once, at the XOR
    around_xor = {
        a.id for node in reported for a in syntax.ancestors(node) if a.type in syntax.FUNCTION_TYPES
    }
    if not _may_hold_cipher_word(source):
        return
    for func in ctx.nodes(*syntax.FUNCTION_TYPES):
        if func.id not in around_xor:
            finding = _encoding_only_cipher(ctx, func)
            if finding is not None:
                yield finding


def _may_hold_cipher_word(source: bytes) -> bool:
    """Whether a word of _CIPHER_BYTES is in `source`. Each is "rypt" or "ipher" in some
    case: the lower-cased bytes are searched for those two first (three passes over the
    file instead of six when, as in most files, neither is there)."""
    lowered = source.lower()
    if b"rypt" not in lowered and b"ipher" not in lowered:
        return False
    return any(word in source for word in _CIPHER_BYTES)


def _xor_cipher(ctx: FileContext, node: Node, seen: set[int]) -> Finding | None:
    operator = node.child_by_field_name("operator")
    if operator is None or operator.type != "^":
        return None
    left = syntax.unwrap(node.child_by_field_name("left"))
    right = syntax.unwrap(node.child_by_field_name("right"))
    if left is None or right is None or _accumulated(node):
        return None
    names = _enclosing_names(node)
    if names & _MIXING_WORDS:
        return None
    hiding = bool(names & _HIDING_WORDS)
    key = next(
        (
            b
            for a, b in ((left, right), (right, left))
            if (_element(a) or (hiding and b.type == "number")) and _keyish(b, hiding)
        ),
        None,
    )
    if key is None:
        return None
    func = syntax.enclosing_function(node)
    owner = func.id if func is not None else -1
    if owner in seen:
        return None  # one finding per cipher function
    seen.add(owner)
    where = naming.function_name(node)
    within = f" in `{where}`" if where else ""
    return HOMEMADE_ENCRYPTION.finding(
        ctx.location(node),
        f"`{_short(node)}`{within} XORs the data with a fixed key ({_short(key)}): a "
        "repeating-key XOR falls to one known plaintext or to frequency analysis, and the "
        "key ships with the code; use crypto.createCipheriv('aes-256-gcm', key, iv) with a "
        "random IV and a key from the environment",
    )


def _accumulated(node: Node) -> bool:
    """`diff |= a[i] ^ b[i]`: a constant-time comparison, not a cipher."""
    parent = syntax.parent_of(node)
    while parent is not None and parent.type == "parenthesized_expression":
        parent = syntax.parent_of(parent)
    if parent is None:
        return False
    operator = syntax.text(parent.child_by_field_name("operator"))
    return operator in ("|", "|=", "^=", "&&", "||")


def _enclosing_names(node: Node) -> set[str]:
    """The words of the names of the functions around `node` (a `.map` callback's
    own function has no name: its enclosing `encrypt` does)."""
    words: set[str] = set()
    for ancestor in syntax.ancestors(node):
        if ancestor.type in syntax.FUNCTION_TYPES:
            name = naming.function_name(ancestor)
            if name is not None:
                words.update(naming.words(name))
    return words


def _element(node: Node) -> bool:
    """One character code or byte of some data: `s.charCodeAt(i)`, `buf[i]`."""
    return node.type == "subscript_expression" or _char_code(node) is not None


def _char_code(node: Node) -> Node | None:
    """The receiver of `x.charCodeAt(...)`, or None."""
    if node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    if function is None or function.type != "member_expression":
        return None
    if syntax.text(function.child_by_field_name("property")) not in _CHAR_CODES:
        return None
    return function.child_by_field_name("object")


def _keyish(node: Node, hiding: bool) -> bool:
    """A key: cycled over the data (`key[i % key.length]`), named like one, or (in a
    function that hides data) a constant byte."""
    if node.type == "number":
        return hiding
    receiver = _char_code(node)
    if receiver is not None:
        index = syntax.call_arguments(node)
    elif node.type == "subscript_expression":
        receiver = node.child_by_field_name("object")
        index = [i for i in (node.child_by_field_name("index"),) if i is not None]
    else:
        return bool(_name_words(node) & _KEY_WORDS) and not _name_words(node) & _MIXING_WORDS
    words = _name_words(receiver) if receiver is not None else set()
    if words & _MIXING_WORDS:
        return False  # a WebSocket frame's `maskKey[i & 3]` is random per frame
    return any("%" in syntax.text(i) for i in index) or bool(words & _KEY_WORDS)


def _name_words(node: Node) -> set[str]:
    name = naming.last_name(node) if node.type != "identifier" else syntax.text(node)
    return set(naming.words(name)) if name is not None else set()


def _short(node: Node) -> str:
    text = " ".join(syntax.text(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _encoding_only_cipher(ctx: FileContext, func: Node) -> Finding | None:
    """A function named like a cipher whose only work is base64 or rot13."""
    name = naming.function_name(func)
    if name is None or not set(naming.words(name)) & _CIPHER_WORDS:
        return None
    calls = ctx.nodes_within(func, "call_expression", "new_expression")
    if not calls or not all(_encoding_call(ctx, call) for call in calls):
        return None
    encoding = _encoding_used(ctx, func, calls)
    if encoding is None:
        return None
    return HOMEMADE_ENCRYPTION.finding(
        ctx.location(func.child_by_field_name("name") or func),
        f"`{name}` only {encoding}: that is an encoding anyone reverses, not encryption; use "
        "crypto.createCipheriv('aes-256-gcm', key, iv) with a random IV and a key from the "
        "environment",
    )


#: the longest name _callee_last() is compared with
_LONGEST_CALLEE = max(len(name) for name in (*_ENCODING_CALLS, "btoa", "atob", "fromCharCode"))


def _encoding_call(ctx: FileContext, call: Node) -> bool:
    """Whether a call only encodes. A call of a helper that XORs is not: the XOR is
    reported where it is, once."""
    return _callee_last(call) in _ENCODING_CALLS


def _callee_last(call: Node) -> str:
    """The called name without its receiver: `toString` of `Buffer.from(x).toString()`;
    "" for a callee longer than every name it is compared with (an inline function's
    text would be decoded for nothing)."""
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if function is not None and function.type == "member_expression":
        function = function.child_by_field_name("property")
    if function is None or function.end_byte - function.start_byte > _LONGEST_CALLEE:
        return ""
    return syntax.text(function)


def _encoding_used(ctx: FileContext, func: Node, calls: list[Node]) -> str | None:
    for call in calls:
        last = _callee_last(call)
        if last in ("btoa", "atob"):
            return f"base64-{'encodes' if last == 'btoa' else 'decodes'} with {last}()"
        if any(syntax.string_value(arg) in _BASE64 for arg in syntax.call_arguments(call)):
            return "base64-encodes or decodes"
    numbers = {syntax.text(n) for n in ctx.nodes_within(func, "number")}
    shifts = any(_callee_last(c) == "fromCharCode" for c in calls)
    if shifts and "13" in numbers:
        return "shifts letters by 13 (rot13)"
    return None


CHECKER = Checker(rules=(HOMEMADE_ENCRYPTION,), check_file=_check_file)
