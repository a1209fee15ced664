"""Edits of JavaScript and TypeScript in the file's own style: statements inserted after
another, imports and requires added, properties added to object literals."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nodeward.findings import Finding, SourceLocation
from nodeward.fix.model import Edit, NeedsPerson
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

STATEMENT_PARENTS = frozenset({"program", "statement_block", "switch_case", "class_body"})


def source_file(workspace: Workspace, finding: Finding) -> FileText | None:
    """The file a finding points into, when it is a readable UTF-8 file."""
    location = finding.location
    if not isinstance(location, SourceLocation):
        return None
    return workspace.file(location.path)


def node_at(file: FileText, finding: Finding, *types: str) -> Node | None:
    """The innermost node of one of `types` that starts where the finding points."""
    location = finding.location
    if not isinstance(location, SourceLocation):
        return None
    line = file.text.line(location.line)
    column = len(line[: location.column - 1].encode("utf-8"))
    point = (location.line - 1, column)
    node: Node | None = file.parsed.root.named_descendant_for_point_range(point, point)
    while node is not None:
        if node.type in types and (node.start_point.row, node.start_point.column) == point:
            return node
        node = node.parent
    return None


def node_under(file: FileText, finding: Finding) -> Node | None:
    """The innermost named node where the finding points."""
    location = finding.location
    if not isinstance(location, SourceLocation):
        return None
    line = file.text.line(location.line)
    point = (location.line - 1, len(line[: location.column - 1].encode("utf-8")))
    found: Node | None = file.parsed.root.named_descendant_for_point_range(point, point)
    return found


def findings_by_call(
    findings: Sequence[Finding],
    workspace: Workspace,
    accepts: Callable[[FileText, Node], bool],
    not_found: str,
) -> tuple[list[tuple[FileText, Node, list[Finding]]], list[NeedsPerson]]:
    """The findings grouped by the innermost call around each that `accepts`, so one fix
    edits each call once; a finding in no such call needs a person (`not_found`)."""
    groups: dict[tuple[str, int], tuple[FileText, Node, list[Finding]]] = {}
    unmatched: list[NeedsPerson] = []
    for finding in findings:
        file = source_file(workspace, finding)
        node = node_under(file, finding) if file is not None else None
        while node is not None and not (
            node.type == "call_expression" and file is not None and accepts(file, node)
        ):
            node = node.parent
        if file is None or node is None:
            unmatched.append(NeedsPerson(finding, not_found))
            continue
        groups.setdefault((file.rel, node.start_byte), (file, node, []))[2].append(finding)
    return list(groups.values()), unmatched


def enclosing(node: Node | None, *types: str) -> Node | None:
    while node is not None and node.type not in types:
        node = node.parent
    return node


def statement_of(node: Node) -> Node | None:
    """The statement `node` is part of (its ancestor directly inside a block)."""
    current: Node | None = node
    while current is not None and current.parent is not None:
        if current.parent.type in STATEMENT_PARENTS:
            return current
        current = current.parent
    return None


def lines_after(file: FileText, statement: Node, lines: list[str]) -> Edit:
    """Insert `lines` after `statement`, at its indentation, each on its own line."""
    indent = file.line_indent(statement.start_byte)
    newline = file.style.newline
    end = _end_of_line(file, statement.end_byte)
    text = "".join(newline + indent + line if line else newline for line in lines)
    return Edit(file.rel, end, end, text)


def lines_before(file: FileText, statement: Node, lines: list[str]) -> Edit:
    """Insert `lines` before the line `statement` starts on, at its indentation."""
    indent = file.line_indent(statement.start_byte)
    start = file.source.rfind(b"\n", 0, statement.start_byte) + 1
    newline = file.style.newline
    text = "".join((indent + line if line else "") + newline for line in lines)
    return Edit(file.rel, start, start, text)


def _end_of_line(file: FileText, offset: int) -> int:
    """The offset of the line end after `offset` (before `\\r\\n`), so that a trailing
    comment on the statement's line stays with it."""
    found = file.source.find(b"\n", offset)
    if found < 0:
        return len(file.source)
    return found - 1 if found > 0 and file.source[found - 1 : found] == b"\r" else found


def string(file: FileText, value: str) -> str:
    q = file.style.quote
    return q + value.replace("\\", "\\\\").replace(q, "\\" + q) + q


def import_line(file: FileText, local: str, module: str) -> str:
    """`import helmet from "helmet";` or `const helmet = require("helmet");`."""
    s = file.style
    if s.esm:
        return f"import {local} from {string(file, module)}{s.semicolon}"
    return f"const {local} = require({string(file, module)}){s.semicolon}"


def local_name_of(file: FileText, module: str, named: str | None = None) -> str | None:
    """The name a default import or a plain require of `module` is bound to (or, with
    `named`, an import of that export: `import { rateLimit as limit } from ...`)."""
    for node in file.parsed.root.named_children:
        if node.type == "import_statement":
            source = node.child_by_field_name("source")
            if syntax.string_value(source) != module:
                continue
            for clause in node.named_children:
                if clause.type != "import_clause":
                    continue
                found = _imported_name(clause, named)
                if found is not None:
                    return found
        elif node.type in ("lexical_declaration", "variable_declaration"):
            for decl in node.named_children:
                name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
                if name is not None and name.type == "identifier" and _requires(value, module):
                    return syntax.text(name)
    return None


def _imported_name(clause: Node, named: str | None) -> str | None:
    first = clause.named_children[0] if clause.named_children else None
    if first is not None and first.type == "identifier":
        return syntax.text(first)
    for imports in clause.named_children:
        if imports.type != "named_imports" or named is None:
            continue
        for specifier in imports.named_children:
            name = specifier.child_by_field_name("name")
            alias = specifier.child_by_field_name("alias")
            if syntax.text(name) == named:
                return syntax.text(alias or name)
    return None


def _requires(value: Node | None, module: str) -> bool:
    value = syntax.unwrap(value)
    if value is None or value.type != "call_expression":
        return False
    fn = value.child_by_field_name("function")
    args = syntax.call_arguments(value)
    return syntax.text(fn) == "require" and bool(args) and syntax.string_value(args[0]) == module


def is_import(node: Node) -> bool:
    """A top-level import, or a declaration whose values are all require() calls."""
    if node.type == "import_statement":
        return True
    if node.type not in ("lexical_declaration", "variable_declaration"):
        return False
    decls = [d for d in node.named_children if d.type == "variable_declarator"]
    return bool(decls) and all(_is_require(d.child_by_field_name("value")) for d in decls)


def _is_require(value: Node | None) -> bool:
    value = syntax.unwrap(value)
    while value is not None and value.type == "member_expression":  # require("x").y
        value = value.child_by_field_name("object")
    if value is None or value.type != "call_expression":
        return False
    return syntax.text(value.child_by_field_name("function")) == "require"


def add_import(
    file: FileText, local: str, module: str, named: str | None = None
) -> tuple[str, Edit | None]:
    """The local name of `module` in the file, with the edit that imports it (after the
    file's last top-level import at its head) when it is not imported yet (`named`: an
    export that is the same as the default one, an import of it is used too)."""
    existing = local_name_of(file, module, named)
    if existing is not None:
        return existing, None
    imports = [n for n in file.parsed.root.named_children if is_import(n)]
    line = import_line(file, local, module)
    if imports:
        return local, lines_after(file, imports[-1], [line])
    first = next((n for n in file.parsed.root.named_children if n.type != "comment"), None)
    if first is None:
        return local, Edit(file.rel, len(file.source), len(file.source), line + "\n")
    return local, lines_before(file, first, [line])


def add_properties(file: FileText, obj: Node, entries: list[str]) -> Edit:
    """Add `key: value` entries at the end of an object literal, in its layout: one per
    line when it spans lines, else inline."""
    closing = obj.end_byte - 1  # the `}`
    children = [c for c in obj.named_children if c.type != "comment"]
    multiline = obj.start_point[0] != obj.end_point[0]
    if not children:
        return Edit(file.rel, obj.start_byte, obj.end_byte, "{ " + ", ".join(entries) + " }")
    last = children[-1]
    between = file.source[last.end_byte : closing].decode("utf-8", errors="replace")
    trailing_comma = between.lstrip().startswith(",")
    if multiline:
        indent = file.line_indent(last.start_byte)
        newline = file.style.newline
        text = "".join(f"{newline}{indent}{entry}," for entry in entries)
        if not trailing_comma:
            text = "," + text.removesuffix(",")
            return Edit(file.rel, last.end_byte, last.end_byte, text)
        at = last.end_byte + between.index(",") + 1
        return Edit(file.rel, at, at, text)
    text = "".join(f", {entry}" for entry in entries)
    return Edit(file.rel, last.end_byte, last.end_byte, text)
