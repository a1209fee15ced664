"""Secrets in source code: named credentials (NW601), recognizable provider keys (NW602)
and database/broker URLs with an embedded password (NW603); the same in committed dotenv
files (manifests/env_files.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.exposure import CLOUD_OR_API_KEY, CONNECTION_STRING_PASSWORD, HARDCODED_SECRET
from nodeward.checks import Checker
from nodeward.discover import DiscoveredFile, FileKind
from nodeward.findings import Confidence, Finding, Severity, Skip, SourceLocation
from nodeward.manifests.config_json import committed_settings
from nodeward.manifests.env_files import committed_secrets
from nodeward.source import syntax
from nodeward.source.call_index import in_document_order
from nodeward.source.context import FileContext
from nodeward.source.parse import Node, SourceText
from nodeward.source.rules import literals, naming
from nodeward.source.rules.secret_patterns import secret_patterns

#: Names whose value is a credential, as lower-case word sequences joined (`jwtsecret`).
SECRET_SUFFIXES = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "apikey",
    "token",
    "privatekey",
    "secretkey",
    "accesskey",
    "authkey",
    "encryptionkey",
    "signingkey",
)
#: Words that make a secret-looking name about something else (`tokenHeader`,
#: `passwordField`, `secretName`); the name must *end* with a secret word anyway.
_NOT_SECRET_WORDS = frozenset(
    {"field", "label", "placeholder", "header", "type", "url", "path", "route", "regex"}
)
#: Words before `pass` that make it a password (`dbPass`, `SMTP_PASS`).
_PASS_OWNERS = frozenset(
    {
        "db",
        "user",
        "mail",
        "smtp",
        "admin",
        "root",
        "auth",
        "redis",
        "mysql",
        "mongo",
        "pg",
        "sql",
        "ftp",
        "email",
        "login",
        "account",
        "database",
        "proxy",
        "ldap",
        "basic",
    }
)
#: (module, access path) -> where the signing or encryption key goes: the index of the
#: argument, or the option of the first argument (`new Strategy({ secretOrKey })`).
KEY_ARGUMENTS: dict[tuple[str, tuple[str, ...]], int | str] = {
    ("jsonwebtoken", ("sign",)): 1,
    ("jsonwebtoken", ("verify",)): 1,
    ("crypto", ("createHmac",)): 1,
    ("crypto", ("createCipheriv",)): 1,
    ("crypto", ("createDecipheriv",)): 1,
    ("cookie-parser", ()): 0,
    ("passport-jwt", ("Strategy",)): "secretOrKey",
    ("express-jwt", ()): "secret",
    ("express-jwt", ("expressjwt",)): "secret",
    ("koa-jwt", ()): "secret",
    ("@nestjs/jwt", ("JwtModule", "register")): "secret",
    ("@nestjs/jwt", ("JwtService",)): "secret",
}
#: Fastify plugins registered with their signing key: `app.register(jwtPlugin, { secret })`.
PLUGIN_KEYS: dict[str, str] = {
    "@fastify/jwt": "secret",
    "fastify-jwt": "secret",
    "@fastify/cookie": "secret",
    "fastify-cookie": "secret",
}
_KEY_MODULES = frozenset(module for module, _path in KEY_ARGUMENTS)
SESSION_MODULES = frozenset({"express-session", "cookie-session"})  # NW805 owns their secret
CONNECTION_URL = re.compile(
    r"\b(?P<scheme>mongodb(?:\+srv)?|postgres(?:ql)?|mysql2?|mariadb|mssql|sqlserver|redis|"
    r"rediss|amqps?|mqtts?|ftp|sftp|smtps?|ldaps?)://(?P<user>[^:@/\s'\"`]*):"
    r"(?P<password>[^@/\s'\"`]+)@(?P<host>[^/:\s'\"`?]*)",
    re.IGNORECASE,
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "host.docker.internal", "[::1]"})


def _check_file(ctx: FileContext) -> Iterator[Finding]:
    claimed: set[int] = set()  # literal nodes already reported by a more specific rule
    strings = ctx.nodes("string", "template_string")
    # A value shorter than 4 characters is reported by none of the checks below (a key
    # has 16, a URL with a password more, a named credential 4): its quotes and text
    # take fewer than 6 bytes, and it is not decoded.
    values = literals.literal_texts(ctx.parsed.text.source, strings, shortest=6)
    for node, value in zip(strings, values, strict=True):
        if value is None:
            continue
        finding = _provider_key(ctx, node, value) or _connection_url(ctx, node, value)
        if finding is not None:
            claimed.add(node.id)
            yield finding
    if literals.is_test_path(ctx.rel) or literals.is_translation_path(ctx.rel):
        return
    for node, value in zip(strings, values, strict=True):
        if value is None or len(value.strip()) < _SHORTEST_CREDENTIAL:
            continue  # _named_secret() would not report it: the value first, it is known
        if node.id in claimed or (node.type == "template_string" and _has_substitution(node)):
            continue
        name = _stored_under(ctx, node)
        if name is not None:
            finding = _named_secret(ctx, node, name)
            if finding is not None:
                claimed.add(node.id)
                yield finding
    yield from _key_arguments(ctx, claimed)


def _has_substitution(node: Node) -> bool:
    # the text first: a substitution is written `${`, and the children list would stay
    # on the indexed node
    return "${" in syntax.text(node) and any(
        c.type == "template_substitution" for c in node.named_children
    )


def _provider_key(ctx: FileContext, node: Node, value: str) -> Finding | None:
    """`value`: the literal's text (literals.literal_text)."""
    if len(value) < 16:
        return None
    for pattern in secret_patterns():
        if pattern.hint.search(value) is None:
            continue  # the hint matches wherever the pattern does, and is found faster
        match = pattern.regex.search(value)
        if match is None or re.search(r"example|dummy|xxxx|fake", match.group(0), re.I):
            continue
        key = match.group(0)
        # the message names the key (reports mask it); of a PEM block only its header line
        quoted = key.split("\n", 1)[0]
        return CLOUD_OR_API_KEY.finding(
            ctx.location(node),
            f"{pattern.provider} ({quoted}) is hard-coded in a string literal; "
            f"{pattern.rotate}, then load it from the environment",
            secrets=literals.secret_as_written(node, key),
        )
    return None


def _connection_url(ctx: FileContext, node: Node, value: str) -> Finding | None:
    if "://" not in value:
        return None
    match = CONNECTION_URL.search(value)
    if match is None:
        return None
    password = match.group("password")
    if "${" in password or password.startswith("$") or literals.is_placeholder(password):
        return None
    host = match.group("host").lower()
    local = host in _LOCAL_HOSTS
    return CONNECTION_STRING_PASSWORD.finding(
        ctx.location(node),
        f"The {match.group('scheme')}:// URL for {host or 'the server'} embeds the password of "
        f"user {match.group('user') or '(default)'!r}; read the URL or its password from the "
        "environment (process.env.DATABASE_URL) and rotate the password",
        confidence=Confidence.LOW if local else None,
        severity=Severity.MEDIUM if local else None,
        secrets=literals.secret_as_written(node, password),
    )


@lru_cache(maxsize=4096)  # the same few names recur in every file
def is_secret_name(name: str) -> bool:
    parts = naming.words(name)
    if not parts or set(parts) & _NOT_SECRET_WORDS:
        return False
    joined = "".join(parts)
    if parts[-1] == "pass":  # `dbPass`, `smtpPass`, but not lodash's `allPass`
        return len(parts) == 1 or parts[-2] in _PASS_OWNERS
    return joined.endswith(SECRET_SUFFIXES)


def _stored_under(ctx: FileContext, node: Node) -> str | None:
    """The credential-like name a literal is stored under, directly or as the literal
    fallback of `process.env.X || "..."`; None when it is not stored under such a name."""
    parent = node.parent
    while parent is not None and parent.type in ("parenthesized_expression", "as_expression"):
        parent = parent.parent
    if parent is not None and parent.type == "binary_expression":
        operator = syntax.operator(parent)
        left, right = parent.child_by_field_name("left"), parent.child_by_field_name("right")
        if operator in ("==", "===", "!=", "!=="):
            # `password === "wonderland"`: a credential checked against a literal
            other = left if right is not None and right.id == node.id else right
            name = naming.last_name(syntax.unwrap(other))
            # only passwords: `token === "function"` is how parsers compare token kinds
            return name if name is not None and naming.is_password_name(name) else None
        if operator not in ("||", "??") or right is None or right.id != node.id:
            return None
    elif parent is None or parent.type not in (
        "variable_declarator",
        "assignment_expression",
        "pair",
        "public_field_definition",
        "field_definition",
        "assignment_pattern",
        "required_parameter",
        "optional_parameter",
    ):
        return None
    if parent.type in ("assignment_pattern", "required_parameter", "optional_parameter"):
        left = parent.child_by_field_name("left") or parent.child_by_field_name("pattern")
        name = syntax.text(left) if left is not None else None
    else:
        name = naming.target_name(node)
    if name is None or not is_secret_name(name):
        return None
    if parent.type == "pair" and _inside_session_options(ctx, parent):
        return None
    return name


def _inside_session_options(ctx: FileContext, pair: Node) -> bool:
    obj = pair.parent
    args = obj.parent if obj is not None else None
    call = args.parent if args is not None else None
    if call is None or call.type not in ("call_expression", "new_expression"):
        return False
    ref = ctx.callee(call)
    return ref is not None and ref.module in SESSION_MODULES


def _named_secret(ctx: FileContext, node: Node, name: str) -> Finding | None:
    value = literals.literal_text(node)
    if value is None or not _credential_like(value, name):
        return None
    parent = node.parent
    operator = syntax.text(parent.child_by_field_name("operator")) if parent is not None else ""
    if operator in ("==", "===", "!=", "!=="):
        what = f"`{name}` is checked against a hard-coded credential"
    elif operator in ("||", "??"):
        # Name the variable the user sets (`process.env.JWT_SECRET || "..."` inside
        # `generateToken`), not the function or property that happens to hold the value.
        chain = syntax.member_chain(parent.child_by_field_name("left")) if parent else None
        env = (
            chain[2]
            if chain is not None and len(chain) == 3 and chain[:2] == ["process", "env"]
            else None
        )
        variable = f"process.env.{env}" if env is not None else name
        what = f"`{variable}` falls back to a hard-coded credential when the variable is unset"
    else:
        what = f"`{name}` is set to a hard-coded credential"
    return HARDCODED_SECRET.finding(
        ctx.location(node),
        f"{what}; read it from process.env (failing at startup when it is missing) "
        "and rotate the value",
        confidence=_confidence(value),
        secrets=literals.secret_as_written(node),
    )


#: the shortest value _credential_like() accepts (a password's)
_SHORTEST_CREDENTIAL = 4


def _credential_like(value: str, name: str) -> bool:
    minimum = _SHORTEST_CREDENTIAL if naming.is_password_name(name) else 8
    if len(value.strip()) < minimum or value.lower() == name.lower():
        return False
    return not (
        literals.is_placeholder(value)
        or literals.is_prose(value)
        or literals.looks_like_path(value)
    )


def _confidence(value: str) -> Confidence:
    return (
        Confidence.HIGH
        if len(value) >= 16 and literals.entropy(value) >= 3.5
        else (Confidence.MEDIUM)
    )


#: PEM blocks that hold no secret: public keys and certificates.
_PUBLIC_PEM = re.compile(r"-----BEGIN (?:RSA |EC )?(?:PUBLIC KEY|CERTIFICATE)-----")


def _key_calls(ctx: FileContext) -> list[Node]:
    """The calls _key_place() may name, in document order: into a module of KEY_ARGUMENTS,
    or whose callee name ends with `register` (its last segment then does)."""
    index = ctx.call_index
    keyed = (call for call, _ref in index.calls_into(_KEY_MODULES))
    return in_document_order(keyed, index.calls_ending("register"))


def _key_arguments(ctx: FileContext, claimed: set[int]) -> Iterator[Finding]:
    for call in _key_calls(ctx):
        place = _key_place(ctx, call)
        if place is None:
            continue
        called, where, options = place
        key = _key_node(ctx, call, where, options)
        literal = ctx.value_of(key) if key is not None else None
        if literal is None or literal.type not in ("string", "template_string"):
            continue
        if literal.id in claimed or _has_substitution(literal):
            continue
        text = literals.literal_text(literal)
        if not text:
            continue  # even "secret" or "changeme" is a real key once it signs tokens
        if _PUBLIC_PEM.search(text):
            continue  # a public key or certificate verifies; publishing it is its purpose
        claimed.add(literal.id)
        given = f"`{where}`" if isinstance(where, str) else "key"
        yield HARDCODED_SECRET.finding(
            ctx.location(literal),
            f"{called} is given a hard-coded {given}; "
            "anyone with the code can forge or decrypt with it. Read the key from process.env "
            "and rotate it",
            confidence=Confidence.HIGH,
            secrets=literals.secret_as_written(literal),
        )


def _key_place(ctx: FileContext, call: Node) -> tuple[str, int | str, int] | None:
    """What a call is named in messages, where its key goes and which argument holds
    the options: a library call of KEY_ARGUMENTS, or a plugin of PLUGIN_KEYS registered
    with its options (`register(plugin, options)`)."""
    ref = ctx.callee(call)
    where = KEY_ARGUMENTS.get((ref.module, ref.path)) if ref is not None else None
    if ref is not None and where is not None:
        return f"{ref}()", where, 0
    if not ctx.callee_name(call).endswith("register"):
        return None
    args = syntax.call_arguments(call)
    plugin = ctx.ref_of(args[0]) if len(args) == 2 else None
    if plugin is None or plugin.path or plugin.module not in PLUGIN_KEYS:
        return None
    return f"register({plugin.module})", PLUGIN_KEYS[plugin.module], 1


def _key_node(ctx: FileContext, call: Node, where: int | str, options: int) -> Node | None:
    args = syntax.call_arguments(call)[options:]
    if isinstance(where, int):
        return args[where] if len(args) > where else None
    given = ctx.value_of(args[0]) if args else None
    return syntax.object_get(given, where) if given is not None else None


def _check_project(analysis: AnalysisContext) -> Iterator[Finding | Skip]:
    yield from _keys_in_set_aside_tests(analysis)
    yield from committed_secrets(analysis.project, is_secret_name, CONNECTION_URL)
    yield from committed_settings(analysis.project, is_secret_name, CONNECTION_URL)


def _keys_in_set_aside_tests(analysis: AnalysisContext) -> Iterator[Finding]:
    """Test code is left out of the analysis by default (default_excludes.py), but a
    provider key is a real key wherever it sits: the text of those files is still
    searched for the key formats (no parse, so the scan stays as fast)."""
    project = analysis.project
    analysed = {f.rel for f in project.inventory.files}
    for path, rel in project.inventory.set_aside:
        if rel in analysed:  # an entry point, analysed with the rest
            continue
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if size > project.config.max_file_size:
            continue
        # Read through the project, so that a `nodeward-ignore` comment in it applies.
        text = project.text_of(DiscoveredFile(path, rel, FileKind.SCRIPT, size))
        if isinstance(text, SourceText):
            yield from _keys_in_text(text)


def _keys_in_text(text: SourceText) -> Iterator[Finding]:
    decoded = text.source.decode("utf-8", errors="replace")
    for pattern in secret_patterns():
        for match in pattern.finditer(decoded):
            key = match.group(0)
            if re.search(r"example|dummy|xxxx|fake", key, re.I):
                continue
            line = decoded.count("\n", 0, match.start()) + 1
            column = match.start() - (decoded.rfind("\n", 0, match.start()) + 1) + 1
            quoted = key.split("\n", 1)[0]
            location = SourceLocation(text.rel, line, column, snippet=text.line(line).strip())
            yield CLOUD_OR_API_KEY.finding(
                location,
                f"{pattern.provider} ({quoted}) is hard-coded in test or snippet code (left "
                "out of the analysis, but a key is real wherever it sits); "
                f"{pattern.rotate}, then load it from the environment",
                secrets=tuple(dict.fromkeys((quoted, key))),
            )


CHECKER = Checker(
    rules=(HARDCODED_SECRET, CLOUD_OR_API_KEY, CONNECTION_STRING_PASSWORD),
    check_file=_check_file,
    # Not standalone: it runs in the main process, where inline suppressions are read.
    check_project=_check_project,
)
