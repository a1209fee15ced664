"""Path traversal through res.sendFile (NW105): `res.sendFile(path.join(dir, name))` becomes
`res.sendFile(name, { root: dir })`. With `root`, Express resolves the path inside that
folder and refuses `..` (403), which path.join alone does not. A bare request value
(`res.sendFile(req.params.name)`) names no folder: which one holds the files only a person
knows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

#: Adds `root: <folder>` to the call, given the folder's text.
RootEdit = Callable[[str], Edit]
FUNCTIONS = ("arrow_function", "function_expression", "function_declaration", "method_definition")


def _send_files(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        call = jsedit.node_at(file, finding, "call_expression") if file is not None else None
        fn = call.child_by_field_name("function") if call is not None else None
        method = fn.child_by_field_name("property") if fn is not None else None
        if file is None or call is None or syntax.text(method) != "sendFile":
            yield NeedsPerson(finding, "not a res.sendFile() call the fix can read")
            continue
        yield _with_root(file, call, finding)


def _with_root(file: FileText, call: Node, finding: Finding) -> Proposal:
    args = syntax.call_arguments(call)
    joined = syntax.unwrap(args[0]) if args else None
    ref = (
        file.ctx.callee(joined) if joined is not None and joined.type == "call_expression" else None
    )
    if joined is None or ref is None or not (ref.is_("path", "join") or ref.is_("path", "resolve")):
        return NeedsPerson(
            finding,
            "the path names no folder: pass the folder that holds the files as `root` "
            "and only the file name as the path",
        )
    parts = syntax.call_arguments(joined)
    request = _request_name(call)
    folder = parts[:-1]
    if not folder or any(not _fixed(part, request) for part in folder):
        return NeedsPerson(
            finding, "the folder is not a string or a name the request cannot change"
        )
    options = _options_edit(file, args)
    if options is None:
        return NeedsPerson(finding, "the sendFile options are not an object literal to add to")
    callee = syntax.text(joined.child_by_field_name("function"))
    root = (
        syntax.text(folder[0])
        if len(folder) == 1
        else f"{callee}({', '.join(map(syntax.text, folder))})"
    )
    edits = (
        Edit(file.rel, args[0].start_byte, args[0].end_byte, syntax.text(parts[-1])),
        options(root),
    )
    return Fix("serve the file from a root folder (sendFile `root`)", (finding,), edits)


def _options_edit(file: FileText, args: list[Node]) -> RootEdit | None:
    """How `root: <folder>` is added: a new options argument, or a property of the
    existing object literal (None when there is one that is not a literal or has a root)."""
    if len(args) == 1 or _is_function(args[1]):
        at = args[0].end_byte
        return lambda root: Edit(file.rel, at, at, f", {{ root: {root} }}")
    options = syntax.unwrap(args[1])
    if (
        options is None
        or options.type != "object"
        or syntax.has_spread(options)
        or syntax.object_has(options, "root")
    ):
        return None
    return lambda root: jsedit.add_properties(file, options, [f"root: {root}"])


def _is_function(node: Node) -> bool:
    return (syntax.unwrap(node) or node).type in ("arrow_function", "function_expression")


def _request_name(call: Node) -> str:
    """The first parameter of the handler the call is in (the request)."""
    handler = jsedit.enclosing(call, *FUNCTIONS)
    params = syntax.function_params(handler) if handler is not None else []
    return (syntax.param_name(params[0]) or "") if params else ""


def _fixed(part: Node, request: str) -> bool:
    """A folder part the request cannot change: a string, a name that is not the
    request (`__dirname`, `UPLOADS`, `config.files`), or such a call with no arguments
    (`process.cwd()`)."""
    node = syntax.unwrap(part) or part
    if node.type == "string":
        return True
    if node.type == "call_expression" and not syntax.call_arguments(node):
        node = node.child_by_field_name("function") or node
    chain = syntax.member_chain(node)
    return chain is not None and chain[0] != request


FIXERS: Iterable[Fixer] = (Fixer("send-file-root", frozenset({"NW105"}), _send_files),)
