"""App hardening right after the Express app is created: helmet() (NW301), no
X-Powered-By (NW302); process-level error handlers before the server starts (NW402)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.manifest import dependency_edit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node


def _express_app(file: FileText, finding: Finding) -> tuple[str, Node] | str:
    """The app's variable and the statement that creates it, or why there is none."""
    call = jsedit.node_at(file, finding, "call_expression")
    ref = file.ctx.callee(call) if call is not None else None
    if call is None or ref is None or not ref.is_("express"):
        return "the app is not created by a plain express() call"
    declarator = jsedit.enclosing(call, "variable_declarator")
    name = declarator.child_by_field_name("name") if declarator is not None else None
    if declarator is None or name is None or name.type != "identifier":
        return "the express() app is not assigned to a variable"
    if syntax.unwrap(declarator.child_by_field_name("value")) != call:
        return "the express() app is wrapped in another expression"
    statement = jsedit.statement_of(declarator)
    if statement is None:
        return "the express() app is not created by a statement"
    return syntax.text(name), statement


def _helmet(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        app = _express_app(file, finding) if file is not None else "file not readable as UTF-8"
        if file is None or isinstance(app, str):
            yield NeedsPerson(finding, str(app))
            continue
        name, statement = app
        local, import_edit = jsedit.add_import(file, "helmet", "helmet")
        dependency = dependency_edit(workspace, file.rel, "helmet")
        if isinstance(dependency, str):
            yield NeedsPerson(finding, dependency)
            continue
        use = jsedit.lines_after(file, statement, [f"{name}.use({local}()){file.style.semicolon}"])
        edits = [e for e in (import_edit, use, dependency) if e is not None]
        yield Fix(
            f"add {local}() to `{name}` after it is created",
            (finding,),
            tuple(edits),
            note=_install_note(dependency, "helmet"),
        )


def _install_note(dependency: Edit | None, package: str) -> str:
    if dependency is None:
        return ""
    return f"then install {package} and update the lockfile: npm install (or yarn, pnpm install)"


def _powered_by(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        app = _express_app(file, finding) if file is not None else "file not readable as UTF-8"
        if file is None or isinstance(app, str):
            yield NeedsPerson(finding, str(app))
            continue
        name, statement = app
        line = f"{name}.disable({jsedit.string(file, 'x-powered-by')}){file.style.semicolon}"
        edit = jsedit.lines_after(file, statement, [line])
        yield Fix(f"turn off X-Powered-By on `{name}`", (finding,), (edit,))


def _process_handlers(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        node = jsedit.node_at(file, finding, "call_expression") if file is not None else None
        top = _top_level(node)
        if file is None or top is None:
            yield NeedsPerson(finding, "the server start is not a call in a script")
            continue
        s, q = file.style, file.style.quote
        lines: list[str] = []
        for event, param in (("unhandledRejection", "reason"), ("uncaughtException", "error")):
            lines += [
                f"process.on({q}{event}{q}, ({param}) => {{",
                f"{s.indent}console.error({q}{event}:{q}, {param}){s.semicolon}",
                f"{s.indent}process.exit(1){s.semicolon}",
                f"}}){s.semicolon}",
            ]
        yield Fix(
            "log and exit on uncaught exceptions and unhandled rejections",
            (finding,),
            (jsedit.lines_before(file, top, [*lines, ""]),),
        )


def _top_level(node: Node | None) -> Node | None:
    """The statement of the program that contains `node`."""
    while node is not None and node.parent is not None and node.parent.type != "program":
        node = node.parent
    return node if node is not None and node.parent is not None else None


FIXERS: Iterable[Fixer] = (
    Fixer("helmet", frozenset({"NW301"}), _helmet),
    Fixer("x-powered-by", frozenset({"NW302"}), _powered_by),
    Fixer("process-handlers", frozenset({"NW402"}), _process_handlers),
)
