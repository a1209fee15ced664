"""Request size limits (NW701): a body parser's limit above 10 MB set back to the 100kb
default, and `limits.fileSize` (5 MB) given to multer and express-fileupload."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

BODY_LIMIT = "100kb"
FILE_SIZE = "5 * 1024 * 1024"
UPLOADERS = frozenset({"multer", "express-fileupload"})


def _limits(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        node = jsedit.node_under(file, finding) if file is not None else None
        edit = _edit(file, node) if file is not None and node is not None else None
        if edit is None:
            yield NeedsPerson(finding, "the limit is not written at the call")
        elif "fileSize" in edit.text:
            yield Fix("limit upload sizes to 5 MB", (finding,), (edit,))
        else:
            yield Fix(f"limit request bodies to {BODY_LIMIT}", (finding,), (edit,))


def _edit(file: FileText, node: Node) -> Edit | None:
    if node.type in ("string_fragment",) and node.parent is not None:
        node = node.parent
    if node.type in ("string", "number", "template_string"):  # `limit: "50mb"`
        return Edit(file.rel, node.start_byte, node.end_byte, jsedit.string(file, BODY_LIMIT))
    call = jsedit.enclosing(node, "call_expression")
    ref = file.ctx.callee(call) if call is not None else None
    if call is None or ref is None or ref.module not in UPLOADERS or ref.path:
        return None
    args = syntax.call_arguments(call)
    entry = f"fileSize: {FILE_SIZE}"
    if not args:
        arguments = call.child_by_field_name("arguments")
        if arguments is None:
            return None
        at = arguments.start_byte + 1
        return Edit(file.rel, at, at, f"{{ limits: {{ {entry} }} }}")
    options = syntax.unwrap(args[0])
    if options is None or options.type != "object" or syntax.has_spread(options):
        return None
    limits = syntax.object_get(options, "limits")
    if limits is None:
        return jsedit.add_properties(file, options, [f"limits: {{ {entry} }}"])
    if limits.type == "object" and not syntax.has_spread(limits):
        return jsedit.add_properties(file, limits, [entry])
    return None


FIXERS: Iterable[Fixer] = (Fixer("body-limits", frozenset({"NW701"}), _limits),)
