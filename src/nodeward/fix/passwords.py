"""Passwords hashed with a fast digest (NW210): `crypto.createHash("md5").update(password)
.digest("hex")` becomes `await bcrypt.hash(password, 12)` in an async function, with the
bcrypt import and dependency, and a comment above the statement: hashes stored before the
change no longer match, so the sign-in code needs a migration a person writes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.auth import BCRYPT_COST
from nodeward.fix.manifest import dependency_edit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

FUNCTIONS = frozenset(
    {"arrow_function", "function_expression", "function_declaration", "method_definition"}
)
COMPARISONS = frozenset({"===", "==", "!==", "!="})
#: bcryptjs has bcrypt's promise API (hash(data, rounds)): a file that imports it keeps it.
BCRYPT_MODULES = ("bcrypt", "bcryptjs")


def _migration_comment(algorithm: str) -> list[str]:
    return [
        f"// Passwords were hashed with {algorithm}: stored {algorithm} hashes no longer match.",
        f"// At sign-in, check bcrypt hashes with bcrypt.compare(), old ones with {algorithm},",
        "// and store a bcrypt hash of the password when an old one matches.",
    ]


def _chain(call: Node) -> tuple[Node, str, Node] | None:
    """For `crypto.createHash(alg)` at the start of `createHash(alg).update(x).digest(enc)`:
    (the whole digest call, the algorithm, x); None for another shape."""
    algorithm = syntax.string_value(next(iter(syntax.call_arguments(call)), None))
    update = _method_call(call, "update")
    digest = _method_call(update, "digest") if update is not None else None
    data = syntax.call_arguments(update) if update is not None else []
    encoding = syntax.call_arguments(digest) if digest is not None else []
    if (
        algorithm is None
        or digest is None
        or not data
        or len(encoding) != 1
        or syntax.string_value(encoding[0]) is None  # a Buffer digest is not a string
    ):
        return None
    return digest, algorithm, data[0]


def _method_call(call: Node, name: str) -> Node | None:
    """`call.name(...)`: the call of method `name` on the result of `call`."""
    member = call.parent
    outer = member.parent if member is not None else None
    prop = member.child_by_field_name("property") if member is not None else None
    if (
        member is None
        or outer is None
        or member.type != "member_expression"
        or outer.type != "call_expression"
        or syntax.text(prop) != name
    ):
        return None
    return outer


def _is_async(node: Node) -> bool:
    function = jsedit.enclosing(node.parent, *FUNCTIONS)
    return function is not None and any(c.type == "async" for c in function.children)


def _compared(node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    operator = parent.child_by_field_name("operator") if parent is not None else None
    return (
        parent is not None
        and parent.type == "binary_expression"
        and (syntax.text(operator) in COMPARISONS)
    )


def _bcrypt_name(file: FileText) -> tuple[str, str] | str:
    """(the local name, the module) to hash with, or why none can be added."""
    for module in BCRYPT_MODULES:
        local = jsedit.local_name_of(file, module)
        if local is not None:
            return local, module
    if re.search(r"\bbcrypt\b", file.source.decode("utf-8", "replace")):
        return "the file already uses the name bcrypt for something else"
    return "bcrypt", "bcrypt"


def _passwords(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        call = jsedit.node_at(file, finding, "call_expression") if file is not None else None
        found = _chain(call) if call is not None else None
        if file is None or found is None:
            yield NeedsPerson(
                finding, "not a crypto.createHash(...).update(...).digest(encoding) chain"
            )
            continue
        digest, algorithm, data = found
        if _compared(digest):
            yield NeedsPerson(
                finding, "the digest is compared: a bcrypt hash is checked with bcrypt.compare()"
            )
            continue
        if not _is_async(digest):
            yield NeedsPerson(
                finding,
                "the function is not async: bcrypt.hash() returns a promise to await",
            )
            continue
        statement = jsedit.statement_of(digest)
        name = _bcrypt_name(file)
        if isinstance(name, str):
            yield NeedsPerson(finding, name)
            continue
        local, module = name
        dependency = dependency_edit(workspace, file.rel, module) if module == "bcrypt" else None
        if isinstance(dependency, str):
            yield NeedsPerson(finding, dependency)
            continue
        if statement is None:
            yield NeedsPerson(finding, "the hash is not part of a statement")
            continue
        _, import_edit = jsedit.add_import(file, local, module)
        hashed = f"await {local}.hash({syntax.text(data)}, {BCRYPT_COST})"
        edits = [e for e in (import_edit, dependency) if e is not None]
        edits.append(jsedit.lines_before(file, statement, _migration_comment(algorithm)))
        edits.append(Edit(file.rel, digest.start_byte, digest.end_byte, hashed))
        note = "stored hashes change: migrate the sign-in check (see the comment)"
        if dependency is not None:
            note += "; then install bcrypt and update the lockfile: npm install"
        yield Fix(
            f"hash passwords with bcrypt instead of {algorithm}",
            (finding,),
            tuple(edits),
            note=note,
        )


FIXERS: Iterable[Fixer] = (Fixer("password-bcrypt", frozenset({"NW210"}), _passwords),)
