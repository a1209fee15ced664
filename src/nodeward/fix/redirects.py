"""Open redirects (NW540): `res.redirect(req.query.next)` is preceded by a guard that sends
the user home unless the target is a path of this site: it starts with a single `/`, not
`//` or `/\\` (which browsers read as another host)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import Workspace
from nodeward.source import syntax

#: A path of this site: one `/`, then anything but another `/` or a `\`.
SAME_SITE_PATH = r"/^\/(?![\/\\])/"
#: Statements the guard can precede (the redirect is their whole expression).
STATEMENTS = frozenset({"expression_statement", "return_statement"})


def _redirects(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        call = jsedit.node_at(file, finding, "call_expression") if file is not None else None
        fn = call.child_by_field_name("function") if call is not None else None
        method = fn.child_by_field_name("property") if fn is not None else None
        receiver = fn.child_by_field_name("object") if fn is not None else None
        args = syntax.call_arguments(call) if call is not None else []
        statement = jsedit.statement_of(call) if call is not None else None
        if (
            file is None
            or call is None
            or receiver is None
            or syntax.text(method) != "redirect"
            or not args
            or syntax.member_chain(receiver) is None
        ):
            yield NeedsPerson(finding, "not a res.redirect() call the fix can read")
            continue
        target = args[-1]
        if syntax.member_chain(target) is None:
            yield NeedsPerson(
                finding, "the target is computed at the call: check it against an allow-list"
            )
            continue
        if (
            statement is None
            or statement.type not in STATEMENTS
            or statement.parent is None
            or statement.parent.type != "statement_block"
            or syntax.unwrap(statement.named_children[0]) != call
        ):
            yield NeedsPerson(finding, "the redirect is not a statement of a function body")
            continue
        status = "".join(syntax.text(a) + ", " for a in args[:-1])
        home = f"{syntax.text(receiver)}.redirect({status}{jsedit.string(file, '/')})"
        guard = (
            f"if (!{SAME_SITE_PATH}.test({syntax.text(target)})) "
            f"return {home}{file.style.semicolon}"
        )
        yield Fix(
            "redirect only to a path of this site",
            (finding,),
            (jsedit.lines_before(file, statement, [guard]),),
            note="a target that is not a path of this site (another host, //host) goes to /",
        )


FIXERS: Iterable[Fixer] = (Fixer("same-site-redirect", frozenset({"NW540"}), _redirects),)
