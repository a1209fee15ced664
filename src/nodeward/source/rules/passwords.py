"""Password storage: fast hashes (NW210), plaintext storage and comparison (NW211) and
bcrypt work factors below 10 (NW212)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.auth import BCRYPT_LOW_COST, PLAINTEXT_PASSWORD, WEAK_PASSWORD_HASH
from nodeward.checks import Checker
from nodeward.findings import Finding
from nodeward.project import Project
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.modules import ModuleGraph
from nodeward.source.parse import Node
from nodeward.source.rules import naming
from nodeward.source.taint.names import HASHING_CALL
from nodeward.source.word_starts import starts_inside, word_starts

#: Password-hashing libraries: a project using one stores hashes, often from a model hook.
PASSWORD_HASHERS = frozenset(
    {
        "bcrypt",
        "bcryptjs",
        "bcrypt-nodejs",
        "argon2",
        "@node-rs/argon2",
        "@node-rs/bcrypt",
        "scrypt-kdf",
        "@phc/argon2",
        "pbkdf2",
        "crypto-pbkdf2",
    }
)
#: Fast digests from npm packages: (module, path) of the hashing call.
FAST_HASH_PACKAGES: dict[tuple[str, tuple[str, ...]], str] = {
    ("md5", ()): "md5",
    ("blueimp-md5", ()): "md5",
    ("sha1", ()): "sha1",
    ("js-sha1", ()): "sha1",
    ("js-sha256", ()): "sha256",
    ("js-sha256", ("sha256",)): "sha256",
    ("js-sha512", ()): "sha512",
    ("js-sha512", ("sha512",)): "sha512",
    ("crypto-js", ("MD5",)): "md5",
    ("crypto-js", ("SHA1",)): "sha1",
    ("crypto-js", ("SHA256",)): "sha256",
    ("crypto-js", ("SHA512",)): "sha512",
    ("crypto-js", ("SHA3",)): "sha3",
    ("crypto-js/md5", ()): "md5",
    ("crypto-js/sha1", ()): "sha1",
    ("crypto-js/sha256", ()): "sha256",
    ("crypto-js/sha512", ()): "sha512",
}
BCRYPT_MODULES = ("bcrypt", "bcryptjs", "bcrypt-nodejs", "@node-rs/bcrypt")
#: bcrypt function -> index of its cost argument.
BCRYPT_COST_ARGUMENT = {"hash": 1, "hashSync": 1, "genSalt": 0, "genSaltSync": 0}
MIN_BCRYPT_COST = 10
#: A file that imports none of these computes no digest NW210 judges.
_DIGEST_MODULES = frozenset({"crypto", *(module for module, _path in FAST_HASH_PACKAGES)})
_STORE_METHODS = frozenset(
    {
        "create",
        "insert",
        "insertOne",
        "insertMany",
        "build",
        "save",
        "update",
        "updateOne",
        "findOneAndUpdate",
        "findByIdAndUpdate",
        "upsert",
        "add",
        "set",
    }
)
_QUERY_METHODS = frozenset(
    {
        "findOne",
        "find",
        "findFirst",
        "findUnique",
        "findAll",
        "where",
        "findOneBy",
        "findBy",
        "count",
        "exists",
        "findOneAndUpdate",
        "get",
    }
)
_NAME_NODES = frozenset({"identifier", "property_identifier", "shorthand_property_identifier"})
_REQUEST_ROOTS = frozenset({"req", "request", "ctx", "body"})
_REQUEST_PARTS = frozenset({"body", "query", "params", "fields"})
_CONFIRMATION = re.compile(r"confirm|repeat|retype|again|verif", re.IGNORECASE)
#: From the first statement keyword only (atomic): any later password comparison is
#: reachable from it, and starting again at every later keyword would be quadratic.
_SQL_PLAINTEXT = re.compile(
    r"\A(?>.*?\b(?:select|update|delete)\b)"
    r".*\bpass(?:word|wd)?\s*+=\s*+(?:\?|\$\d+|:\w+|@\w+|\$\{|['\"]\s*\+)",
    re.IGNORECASE | re.DOTALL,
)


_STORING_VERBS = frozenset(
    {
        "hash",
        "encrypt",
        "crypt",
        "encode",
        "store",
        "save",
        "set",
        "create",
        "generate",
        "make",
        "secure",
        "salt",
        "update",
        "register",
        "signup",
    }
)
#: Words that make a password-mentioning name about something else: a reset token is
#: random and is rightly stored as a SHA-256 digest.
_PASSWORD_ADJACENT = frozenset(
    {"token", "reset", "code", "otp", "nonce", "key", "expires", "expiry", "changed", "length"}
)


def mentions_password(name: str | None) -> bool:
    if not name:
        return False
    parts = naming.words(name)
    if set(parts) & _PASSWORD_ADJACENT:
        return False
    return (
        "password" in name.lower()
        or "passwd" in name.lower()
        or bool(set(parts) & naming.PASSWORD_WORDS)
    )


def _check_project(analysis: AnalysisContext) -> Iterator[Finding]:
    project = analysis.project
    helpers: dict[tuple[str, str], str] = {}
    for ctx in project.files:
        yield from _fast_hashes(ctx, helpers)
    if helpers:
        yield from _helper_calls(project, analysis.module_graph, helpers)
    for ctx in project.files:
        yield from _bcrypt_costs(ctx)
        # both report only what is_password_name() (or a `pass` SQL column) accepts
        source = ctx.parsed.text.source
        if naming.may_name_password(source):
            starts = word_starts(source.lower(), _PASSWORD_NAME_BYTES)
            yield from _plaintext_comparisons(ctx, starts)
            yield from _plaintext_queries(ctx, starts)


# -- NW210 ---------------------------------------------------------------------------


def _fast_hashes(ctx: FileContext, helpers: dict[tuple[str, str], str]) -> Iterator[Finding]:
    """Fast digests of passwords; a digest of a function's own parameter is a hashing
    helper (`export const hash = (data) => createHash("md5")...`), recorded in `helpers`
    under (file, name) so its callers can be judged."""
    if not ctx.imports_any(_DIGEST_MODULES):
        return
    for call, ref in ctx.call_index.calls_into(_DIGEST_MODULES):
        args = syntax.call_arguments(call)
        chain = _method_chain(call)
        outer = chain[-1] if chain else call
        if ref.module == "crypto" and ref.path in (("createHash",), ("createHmac",)):
            algorithm = syntax.string_value(args[0]) if args else None
            inputs = [a for c in chain if _method(c) == "update" for a in syntax.call_arguments(c)]
            label = f"crypto.{ref.path[0]}({algorithm!r})" if algorithm else f"crypto.{ref.path[0]}"
        elif (ref.module, ref.path) in FAST_HASH_PACKAGES:
            inputs = args[:1]
            label = f"{ref.module} ({FAST_HASH_PACKAGES[(ref.module, ref.path)]})"
        else:
            continue
        if not _about_password(inputs, outer):
            helper = _helper_name(call, inputs)
            if helper is not None:
                helpers[(ctx.rel, helper)] = label
            continue
        yield WEAK_PASSWORD_HASH.finding(
            ctx.location(call),
            f"A password is hashed with {label}, a fast digest that GPUs crack at billions of "
            "guesses per second; use bcrypt.hash(password, 12) or argon2.hash(password)",
        )


def _helper_name(call: Node, inputs: list[Node]) -> str | None:
    """The name of the function around `call` when what it hashes is that function's
    own parameter."""
    func = syntax.enclosing_function(call)
    if func is None:
        return None
    params = {syntax.param_name(p) for p in syntax.function_params(func)}
    if not any(syntax.text(i) in params for i in inputs):
        return None
    return naming.function_name(func)


def _helper_calls(
    project: Project, graph: ModuleGraph, helpers: dict[tuple[str, str], str]
) -> Iterator[Finding]:
    """`security.hash(req.body.password)`: a password given to a fast hashing helper."""
    if not helpers:
        return
    helper_names = {name for _rel, name in helpers}
    helper_files = {rel for rel, _name in helpers}
    for ctx in project.files:
        # a call reaches a helper only in a helper's file or through an import of one
        # (every access path starts at an imported module)
        if ctx.rel not in helper_files and not any(
            (target := graph.resolve(ctx.rel, module)) is not None and target.rel in helper_files
            for module in ctx.imported_modules()
        ):
            continue
        for call in ctx.calls:
            ref = ctx.callee(call)
            if ref is None:
                fn = call.child_by_field_name("function")
                key = (ctx.rel, syntax.text(fn)) if fn is not None else None
            else:
                names = [step for step in ref.path if step != "()"]
                if not names or names[-1] not in helper_names:
                    continue  # resolving the module is the costly part: names first
                target = graph.resolve(ctx.rel, ref.module)
                key = (target.rel, names[-1]) if target is not None else None
            label = helpers.get(key) if key is not None else None
            # the helper lookup is cheap, the password test walks the call: lookup first
            args = syntax.call_arguments(call) if label is not None else []
            if label is None or not args or not _about_password(args[:1], call):
                continue
            yield WEAK_PASSWORD_HASH.finding(
                ctx.location(call),
                f"A password is hashed with {syntax.text(call.child_by_field_name('function'))}"
                f"(), which uses {label}, a fast digest that GPUs crack at billions of guesses "
                "per second; use bcrypt.hash(password, 12) or argon2.hash(password)",
            )


def _method(call: Node) -> str | None:
    fn = call.child_by_field_name("function")
    if fn is None or fn.type != "member_expression":
        return None
    return syntax.text(fn.child_by_field_name("property"))


def _method_chain(call: Node) -> list[Node]:
    """The calls chained on `call`: `createHash(a).update(b).digest(c)` -> [update, digest]."""
    chain: list[Node] = []
    current = call
    while True:
        member = current.parent
        if member is None or member.type != "member_expression":
            return chain
        outer = member.parent
        if outer is None or outer.type != "call_expression":
            return chain
        chain.append(outer)
        current = outer


def _about_password(inputs: list[Node], outer: Node) -> bool:
    for node in inputs:
        for part in syntax.walk(node):
            if part.type in _NAME_NODES and mentions_password(syntax.text(part)):
                return True
    if mentions_password(naming.target_name(outer)):
        return True
    function = naming.function_name(outer)
    # `hashPassword()`, `encryptPassword()`; not protocol helpers such as `passwordDigest()`
    return mentions_password(function) and bool(set(naming.words(function or "")) & _STORING_VERBS)


# -- NW212 ---------------------------------------------------------------------------


def _bcrypt_costs(ctx: FileContext) -> Iterator[Finding]:
    if not ctx.imports_any(frozenset(BCRYPT_MODULES)):
        return
    for call, ref in ctx.call_index.calls_into(BCRYPT_MODULES):
        if len(ref.path) != 1:
            continue
        index = BCRYPT_COST_ARGUMENT.get(ref.path[0])
        args = syntax.call_arguments(call)
        if index is None or len(args) <= index:
            continue
        cost = syntax.number_value(ctx.value_of(args[index]))
        if cost is None or cost >= MIN_BCRYPT_COST:
            continue
        yield BCRYPT_LOW_COST.finding(
            ctx.location(args[index]),
            f"{ref.module}.{ref.path[0]}() uses a cost of {cost:g}; use at least "
            f"{MIN_BCRYPT_COST} (12 is a good default)",
        )


# -- NW211 ---------------------------------------------------------------------------


def _chain_of(node: Node | None) -> list[str] | None:
    """`a.b.c` -> ['a', 'b', 'c'], also for a shorthand property (`{ password }`)."""
    if node is not None and node.type == "shorthand_property_identifier":
        return [syntax.text(node)]
    return syntax.member_chain(node)


def _last_of(node: Node | None) -> str | None:
    """The last name of _chain_of(node) when it has one, without building the chain."""
    if node is None:
        return None
    match node.type:
        case "shorthand_property_identifier" | "identifier" | "this" | "super":
            return syntax.text(node)
        case "member_expression":
            return syntax.text(node.child_by_field_name("property"))
        case "subscript_expression":
            return syntax.string_value(node.child_by_field_name("index"))
        case _:
            return None


def _from_request(chain: list[str] | None) -> bool:
    if not chain:
        return False
    return chain[0] in _REQUEST_ROOTS and (
        chain[0] == "body" or bool(set(chain[1:]) & _REQUEST_PARTS)
    )


#: What a name is_password_name() accepts holds in lower case (naming.may_name_password).
_PASSWORD_NAME_BYTES = (b"pass", b"pw")


def _plaintext_comparisons(ctx: FileContext, starts: list[int]) -> Iterator[Finding]:
    """`starts`: word_starts() of the file's lower-cased bytes for _PASSWORD_NAME_BYTES.
    A comparison is reported only when a side's last name (_last_of) is a password
    name: one of the words starts inside it, or the side is a subscript whose string key
    writes a letter with an escape (`user["p\\ass"]`) in a file with one."""
    escapes = b"\\" in ctx.parsed.text.source
    for binary in ctx.nodes("binary_expression"):
        spelled = starts_inside(starts, binary)
        if not spelled and not escapes:
            continue
        operator = syntax.operator(binary)
        if operator not in ("==", "===", "!=", "!=="):
            continue
        left = syntax.unwrap(binary.child_by_field_name("left"))
        right = syntax.unwrap(binary.child_by_field_name("right"))
        if not spelled and not _has_subscript(left, right):
            continue
        # _plaintext_pair() needs a side whose last name is a password name
        if not any(naming.is_password_name(_last_of(side) or "") for side in (left, right)):
            continue
        left_chain, right_chain = _chain_of(left), _chain_of(right)
        if left_chain is None or right_chain is None:
            continue  # a literal, call or computed value: not a stored password
        if _plaintext_pair(left_chain, right_chain):
            yield PLAINTEXT_PASSWORD.finding(
                ctx.location(binary),
                f"`{syntax.text(binary)[:80]}` compares a password in plaintext, so passwords "
                "are stored unhashed; store bcrypt/argon2 hashes and check with "
                "await bcrypt.compare(candidate, user.passwordHash)",
            )


def _has_subscript(*sides: Node | None) -> bool:
    return any(side is not None and side.type == "subscript_expression" for side in sides)


def _plaintext_pair(left: list[str], right: list[str]) -> bool:
    """A stored password (`user.password`, not from the request) compared to anything, or
    a request password compared to a password-named value that is not a hash or a
    confirmation field."""
    names = (left[-1], right[-1])
    if any(_CONFIRMATION.search(n) or HASHING_CALL.search(n) for n in names):
        return False
    requested = (_from_request(left), _from_request(right))
    if all(requested):
        return False  # password === confirmPassword from the same form
    stored = [
        len(side) > 1
        and not from_request
        and side[-1][:1].islower()  # `Auth.UserPass` is an enum member, not a column
        and naming.is_password_name(side[-1])
        for side, from_request in zip((left, right), requested, strict=True)
    ]
    if all(stored):
        return False  # `this.password === other.password`: two records compared, an equals()
    return any(stored) or (any(requested) and all(naming.is_password_name(n) for n in names))


def _plaintext_queries(ctx: FileContext, starts: list[int]) -> Iterator[Finding]:
    """`starts`: as for _plaintext_comparisons()."""
    for call, _receiver, _method_name in ctx.call_index.method_calls(_QUERY_METHODS):
        for arg in syntax.call_arguments(call)[:1]:
            criteria = ctx.value_of(arg)
            where = syntax.object_get(criteria, "where")
            for obj in (criteria, where):
                for key, value, pair in syntax.object_entries(obj):
                    if naming.is_password_name(key) and _raw_password(ctx, value, call):
                        yield PLAINTEXT_PASSWORD.finding(
                            ctx.location(pair),
                            f"{ctx.callee_name(call)}() looks the user up by the raw "
                            f"`{key}`, so passwords are stored in plaintext; find the user by "
                            "name, then await bcrypt.compare(password, user.passwordHash)",
                        )
    # _SQL_PLAINTEXT needs `pass` (in any case) in the literal: "pass" starts inside it,
    # or a byte of it is not ASCII (case-insensitive, the long s U+017F matches `s`)
    source = ctx.parsed.text.source
    ascii_file = source.isascii()
    for node in ctx.nodes("string", "template_string"):
        start, end = node.start_byte, node.end_byte
        if not starts_inside(starts, node) and (ascii_file or source[start:end].isascii()):
            continue
        sql = syntax.text(node)
        if (
            len(sql) < 400
            and _SQL_PLAINTEXT.search(sql)
            and not HASHING_CALL.search(sql)
            and not _hashed_parameters(node)
        ):
            yield PLAINTEXT_PASSWORD.finding(
                ctx.location(node),
                "The SQL query matches a password column against the raw input, so passwords "
                "are stored in plaintext; select the user by name and compare with "
                "bcrypt.compare",
            )


def _hashed_parameters(query: Node) -> bool:
    """The query's parameters, passed beside it, hash what they bind:
    `query(sql, { bind: [email, hash(password)] })`, `execute(sql, [name, digest(pw)])`."""
    args = query.parent
    if args is None or args.type != "arguments":
        return False
    return any(
        HASHING_CALL.search(syntax.text(other)) is not None
        for other in args.named_children
        if other != query
    )


def _raw_password(ctx: FileContext, value: Node, scope: Node) -> bool:
    """A password as the user typed it: from the request, or a variable named like one
    that is not computed by a call in the same function."""
    value = syntax.unwrap(value) or value
    chain = _chain_of(value)
    if chain is None:
        return False
    if _from_request(chain):
        return True
    if len(chain) != 1 or not naming.is_password_name(chain[0]):
        return False
    init = _local_initializer(scope, chain[0])
    return init is None or init.type != "call_expression" or "req" in syntax.text(init)[:20]


def _local_initializer(scope: Node, name: str) -> Node | None:
    func = syntax.enclosing_function(scope)
    if func is None:
        return None
    for node in syntax.walk(func):
        if node.type == "variable_declarator":
            target = node.child_by_field_name("name")
            if target is not None and target.type == "identifier" and syntax.text(target) == name:
                return syntax.unwrap(node.child_by_field_name("value"))
    return None


CHECKER = Checker(
    rules=(WEAK_PASSWORD_HASH, PLAINTEXT_PASSWORD, BCRYPT_LOW_COST),
    check_project=_check_project,
    standalone=True,
)
