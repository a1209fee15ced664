"""Error details sent to the client (NW401): the response gets a generic message and the
error is logged on the server instead, when the whole sent value is the error (`err`,
`err.stack`, `err.message`) and the send is a statement of a block."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

GENERIC_MESSAGE = "Internal Server Error"
#: Sends whose first argument is the body; `json` gets an object.
BODY_METHODS = frozenset({"send", "end", "write", "json"})


def _sent_error(file: FileText, call: Node) -> tuple[str, Node, str] | None:
    """(the error's name, the argument that sends it, the send method)."""
    fn = call.child_by_field_name("function")
    method = fn.child_by_field_name("property") if fn is not None else None
    name = syntax.text(method) if method is not None else ""
    args = syntax.call_arguments(call)
    if name not in BODY_METHODS or len(args) != 1:
        return None
    chain = syntax.member_chain(args[0])
    if (
        chain is None
        or len(chain) > 2
        or (len(chain) == 2 and chain[1] not in ("stack", "message"))
    ):
        return None
    return chain[0], args[0], name


def _outermost(call: Node) -> Node:
    """`res.status(500).send(x)` for the `res.status(500)` it starts with."""
    while (
        call.parent is not None
        and call.parent.type == "member_expression"
        and call.parent.parent is not None
        and call.parent.parent.type == "call_expression"
    ):
        call = call.parent.parent
    return call


def _error_details(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        call = jsedit.node_at(file, finding, "call_expression") if file is not None else None
        call = _outermost(call) if call is not None else None
        sent = _sent_error(file, call) if file is not None and call is not None else None
        statement = jsedit.statement_of(call) if call is not None else None
        if (
            file is None
            or sent is None
            or statement is None
            or statement.parent is None
            or statement.parent.type != "statement_block"
        ):
            yield NeedsPerson(finding, "the error is sent as part of a larger value")
            continue
        error, argument, method = sent
        s = file.style
        message = jsedit.string(file, GENERIC_MESSAGE)
        body = f"{{ error: {message} }}" if method == "json" else message
        edits = (
            jsedit.lines_before(file, statement, [f"console.error({error}){s.semicolon}"]),
            Edit(file.rel, argument.start_byte, argument.end_byte, body),
        )
        yield Fix("log the error and send a generic message", (finding,), edits)


FIXERS: Iterable[Fixer] = (Fixer("error-details", frozenset({"NW401"}), _error_details),)
