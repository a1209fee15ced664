"""A shell command built from a literal and values (NW103, NW151): `exec("convert " + x)`
becomes `execFile("convert", [x])`, which runs the program without a shell. Only when the
literal text has no shell syntax (pipes, redirects, quotes, globs, variables) and each value
is a whole argument."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.sql import _concatenation_parts, _pieces, _template_parts
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

NO_SHELL = {"exec": "execFile", "execSync": "execFileSync"}
MODULES = frozenset({"child_process", "node:child_process"})
SHELL_SYNTAX = re.compile(r"""[|&;<>()$`\\"'*?~{}\[\]#!=]""")


def _split_command(texts: list[str], values: list[Node]) -> list[str | Node] | None:
    """The command's words: literal words and values, each value a whole word."""
    words: list[str | Node] = []
    for index, text in enumerate(texts):
        if SHELL_SYNTAX.search(text):
            return None
        if index > 0 and text and not text[0].isspace():
            return None  # x + "/suffix": the value is part of a word
        words += text.split()
        if index < len(values):
            if text and not text[-1].isspace():
                return None  # "--out=" + x
            words.append(values[index])
    return words


def _commands(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    by_file: dict[str, tuple[FileText, dict[int, tuple[Node, list[Finding]]]]] = {}
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        node = jsedit.node_under(file, finding) if file is not None else None
        call = jsedit.enclosing(node, "call_expression")
        if file is None or call is None:
            yield NeedsPerson(finding, "not a child_process call")
            continue
        calls = by_file.setdefault(file.rel, (file, {}))[1]
        calls.setdefault(call.start_byte, (call, []))[1].append(finding)
    for file, calls in by_file.values():
        yield from _file_fix(file, list(calls.values()))


def _file_fix(file: FileText, calls: list[tuple[Node, list[Finding]]]) -> Iterator[Proposal]:
    """One fix for a file's commands: they share the import of the no-shell functions."""
    edits: list[Edit] = []
    fixed: list[Finding] = []
    renamed: dict[str, list[Node]] = {}
    for call, findings in calls:
        rewrite = _rewrite(file, call)
        if isinstance(rewrite, str):
            yield from (NeedsPerson(f, rewrite) for f in findings)
            continue
        method, call_edits = rewrite
        edits += call_edits
        fixed += findings
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "identifier":
            renamed.setdefault(method, []).append(fn)
    for method, callees in renamed.items():
        import_edit = _import_edit(file, method, callees)
        if isinstance(import_edit, str):
            return
        edits += import_edit
    if fixed:
        yield Fix(
            "run the programs without a shell (execFile)",
            tuple(fixed),
            tuple(edits),
            note="a value that starts with - is still read as an option by the program",
        )


def _rewrite(file: FileText, call: Node) -> tuple[str, list[Edit]] | str:
    """The method and the edits of the call, or why it cannot be rewritten."""
    ref = file.ctx.callee(call)
    if ref is None or ref.module not in MODULES or len(ref.path) != 1:
        return "not exec() of child_process"
    method = ref.path[0]
    if method not in NO_SHELL:
        return f"{method}() is not exec(): check its arguments by hand"
    args = syntax.call_arguments(call)
    command = syntax.unwrap(args[0]) if args else None
    words = _words(command) if command is not None else None
    if not words or not isinstance(words[0], str):
        return "the command is not a literal program name followed by whole arguments"
    fn = call.child_by_field_name("function")
    if fn is None or not (
        fn.type == "member_expression" or (fn.type == "identifier" and syntax.text(fn) == method)
    ):
        return f"{method} is called through another name"
    listed = ", ".join(
        jsedit.string(file, w) if isinstance(w, str) else syntax.text(w) for w in words[1:]
    )
    name = fn.child_by_field_name("property") if fn.type == "member_expression" else fn
    if name is None:
        return f"{method} is called through another name"
    program = jsedit.string(file, words[0])
    return method, [
        Edit(file.rel, name.start_byte, name.end_byte, NO_SHELL[method]),
        Edit(file.rel, args[0].start_byte, args[0].end_byte, f"{program}, [{listed}]"),
    ]


def _import_edit(file: FileText, method: str, callees: list[Node]) -> list[Edit] | str:
    """Import the no-shell function where `method` is imported: in its place when the
    fixed calls were its only uses (an unused import fails TypeScript's noUnusedLocals)."""
    replacement = NO_SHELL[method]
    text = file.source.decode("utf-8", "replace")
    if re.search(rf"\b{replacement}\b", text):
        return []  # imported already
    binding = _binding(file, method)
    if binding is None:
        return f"{method} is imported in a way the fix cannot extend"
    uses = [
        n
        for n in file.ctx.nodes("identifier")
        if syntax.text(n) == method and n != binding and n.parent != binding
    ]
    if len(uses) == len(callees):
        return [Edit(file.rel, binding.start_byte, binding.end_byte, replacement)]
    return [Edit(file.rel, binding.end_byte, binding.end_byte, f", {replacement}")]


def _words(command: Node) -> list[str | Node] | None:
    if command.type == "template_string":
        texts, values = _template_parts(command)
        if any("\\" in t for t in texts):
            return None
        return _split_command(texts, values)
    pieces = _pieces(command)
    parts = _concatenation_parts(pieces) if pieces is not None else None
    if parts is None:
        return None
    texts, values, _quote = parts
    if any("\\" in t for t in texts):
        return None
    return _split_command(texts, values)


def _binding(file: FileText, method: str) -> Node | None:
    """The `exec` in `const { exec } = require("child_process")` or `import { exec }`."""
    for node in syntax.walk(file.parsed.root):
        if (
            node.type
            in (
                "shorthand_property_identifier_pattern",
                "import_specifier",
            )
            and syntax.text(node) == method
        ):
            return node
    return None


FIXERS: Iterable[Fixer] = (Fixer("exec-file", frozenset({"NW103", "NW151"}), _commands),)
