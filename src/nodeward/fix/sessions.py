"""express-session options (NW801 default name, NW802 no secure flag, NW803 httpOnly off,
NW804 no sameSite, NW805 secret in the code): one fix per session() call rewrites the
options it needs, and also sets `resave: false, saveUninitialized: false` (no write-back of
unchanged sessions, no cookie before login)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

SESSION_RULES = frozenset({"NW801", "NW802", "NW803", "NW804", "NW805"})
COOKIE_RULES = frozenset({"NW802", "NW803", "NW804"})
#: The cookie name the fix gives (neither connect.sid nor session).
COOKIE_NAME = "sid"
SECRET_VARIABLE = "SESSION_SECRET"  # noqa: S105 (a variable name, not a secret)


def _is_session_call(file: FileText, call: Node) -> bool:
    ref = file.ctx.callee(call)
    return ref is not None and ref.is_("express-session")


def _sessions(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    groups, unmatched = jsedit.findings_by_call(
        findings,
        workspace,
        _is_session_call,
        "not an express-session() call (cookie-session or other)",
    )
    yield from unmatched
    for file, call, group in groups:
        args = syntax.call_arguments(call)
        options = syntax.unwrap(args[0]) if args else None
        if options is None or options.type != "object" or syntax.has_spread(options):
            for finding in group:
                yield NeedsPerson(finding, "the session options are not an object literal")
            continue
        edits = _option_edits(file, options, {f.rule for f in group})
        note = ""
        if "NW805" in {f.rule for f in group}:
            note = (
                f"set {SECRET_VARIABLE} in the environment to a random secret of 32+ "
                "characters (the old literal is in the history: rotate it)"
            )
        yield Fix("harden the express-session options", tuple(group), tuple(edits), note=note)


def _option_edits(file: FileText, options: Node, rules: set[str]) -> list[Edit]:
    q, edits, added = file.style.quote, [], []
    entries = {key: (value, pair) for key, value, pair in syntax.object_entries(options)}
    if "NW801" in rules:
        if "name" in entries:
            value = entries["name"][0]
            edits.append(Edit(file.rel, value.start_byte, value.end_byte, q + COOKIE_NAME + q))
        else:
            added.append(f"name: {q}{COOKIE_NAME}{q}")
    if "NW805" in rules and "secret" in entries:
        value, pair = entries["secret"]
        replacement = f"process.env.{SECRET_VARIABLE}"
        if value is pair:  # shorthand `{ secret }`
            replacement = f"secret: {replacement}"
        edits.append(Edit(file.rel, value.start_byte, value.end_byte, replacement))
    for key in ("resave", "saveUninitialized"):
        if key not in entries:
            added.append(f"{key}: false")
        elif syntax.bool_value(entries[key][0]) is True:
            value = entries[key][0]
            edits.append(Edit(file.rel, value.start_byte, value.end_byte, "false"))
    if rules & COOKIE_RULES:
        cookie = entries.get("cookie")
        flags = {"httpOnly": "true", "secure": "true", "sameSite": f"{q}lax{q}"}
        if cookie is None:
            inline = ", ".join(f"{k}: {v}" for k, v in flags.items())
            added.append(f"cookie: {{ {inline} }}")
        else:
            edits += _cookie_edits(file, cookie[0], flags)
    if added:
        edits.append(jsedit.add_properties(file, options, added))
    return edits


def _cookie_edits(file: FileText, cookie: Node, flags: dict[str, str]) -> list[Edit]:
    cookie = syntax.unwrap(cookie) or cookie
    if cookie.type != "object":
        return []  # the verifier drops the fix: its findings stay
    present = {key: value for key, value, _pair in syntax.object_entries(cookie)}
    edits = []
    missing = []
    for key, wanted in flags.items():
        value = present.get(key)
        if value is None:
            missing.append(f"{key}: {wanted}")
        elif not _has_value(key, value):
            edits.append(Edit(file.rel, value.start_byte, value.end_byte, wanted))
    if missing:
        edits.append(jsedit.add_properties(file, cookie, missing))
    return edits


def _has_value(key: str, value: Node) -> bool:
    """A cookie flag already set as wanted: a true flag, or a sameSite string."""
    if key == "sameSite":
        return syntax.string_value(value) is not None
    return syntax.bool_value(value) is True


FIXERS: Iterable[Fixer] = (Fixer("session-options", SESSION_RULES, _sessions),)
