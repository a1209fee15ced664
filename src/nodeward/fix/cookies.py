"""Cookie flags on `res.cookie(...)`: `httpOnly: false` turned on (NW803) and the flags a
credential cookie lacks added (NW806): `{ httpOnly: true, secure: true, sameSite: "lax" }`.
NW803 in session options is the session fixer's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

COOKIE_METHODS = frozenset({"cookie", "setCookie"})


def _is_cookie_call(_file: FileText, call: Node) -> bool:
    function = call.child_by_field_name("function")
    method = function.child_by_field_name("property") if function is not None else None
    return method is not None and syntax.text(method) in COOKIE_METHODS


def _cookies(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    groups, unmatched = jsedit.findings_by_call(
        findings, workspace, _is_cookie_call, "not a res.cookie() call"
    )
    yield from unmatched
    for file, call, group in groups:
        edits = _flag_edits(file, call)
        if edits is None:
            yield from (NeedsPerson(f, "the cookie options are built elsewhere") for f in group)
            continue
        yield Fix("set httpOnly, secure and sameSite on the cookie", tuple(group), tuple(edits))


def _flag_edits(file: FileText, call: Node) -> list[Edit] | None:
    q = file.style.quote
    flags = {"httpOnly": "true", "secure": "true", "sameSite": f"{q}lax{q}"}
    args = syntax.call_arguments(call)
    if len(args) == 2:
        inline = ", ".join(f"{k}: {v}" for k, v in flags.items())
        return [Edit(file.rel, args[1].end_byte, args[1].end_byte, f", {{ {inline} }}")]
    options = syntax.unwrap(args[2]) if len(args) > 2 else None
    if options is None or options.type != "object" or syntax.has_spread(options):
        return None
    present = {key: value for key, value, _pair in syntax.object_entries(options)}
    edits = []
    missing = []
    for key, wanted in flags.items():
        value = present.get(key)
        if value is None:
            missing.append(f"{key}: {wanted}")
        elif key != "sameSite" and syntax.bool_value(value) is False:
            edits.append(Edit(file.rel, value.start_byte, value.end_byte, wanted))
    if missing:
        edits.append(jsedit.add_properties(file, options, missing))
    return edits


FIXERS: Iterable[Fixer] = (Fixer("cookie-flags", frozenset({"NW803", "NW806"}), _cookies),)
