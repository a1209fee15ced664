"""The files fixers read: each read and parsed once, with the style the fixes copy
(quotes, semicolons, indentation, line ending, CommonJS or ESM)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node, ParsedFile, SourceText, parse, split_lines

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Style:
    quote: str  # ' or "
    semicolon: str  # ";" or ""
    indent: str  # one level: "  ", "    " or "\t"
    newline: str  # "\n" or "\r\n"
    esm: bool  # import statements rather than require()


class FileText:
    """A project file as bytes (without a byte order mark, as tree-sitter sees it)."""

    def __init__(self, rel: str, raw: bytes) -> None:
        self.rel = rel
        self.raw = raw
        self.bom = raw.startswith(BOM)
        self.source = raw.removeprefix(BOM)

    @cached_property
    def decodable(self) -> bool:
        try:
            self.source.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    @cached_property
    def text(self) -> SourceText:
        decoded = self.source.decode("utf-8", errors="replace")
        return SourceText(self.rel, self.source, split_lines(decoded))

    @cached_property
    def parsed(self) -> ParsedFile:
        return parse(self.text)

    @cached_property
    def ctx(self) -> FileContext:
        return FileContext(self.parsed)

    @cached_property
    def style(self) -> Style:
        return detect_style(self)

    def offset_of_line(self, line: int) -> int:
        """Byte offset where 1-based `line` starts (the end of the file past the last)."""
        offset = 0
        for _ in range(line - 1):
            found = self.source.find(b"\n", offset)
            if found < 0:
                return len(self.source)
            offset = found + 1
        return offset

    def line_indent(self, offset: int) -> str:
        start = self.source.rfind(b"\n", 0, offset) + 1
        match = re.match(rb"[ \t]*", self.source[start:])
        return match.group(0).decode() if match else ""


class Workspace:
    """Reads files below `root` on demand, once each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, FileText | None] = {}

    def file(self, rel: str) -> FileText | None:
        """The file, or None when it cannot be read or is not UTF-8 (never fixed)."""
        if rel not in self._files:
            path = self.root / rel if self.root.is_dir() else self.root
            text: FileText | None = None
            # a symlink is never patched: writing would replace it with a plain file
            if not path.is_symlink():
                try:
                    text = FileText(rel, path.read_bytes())
                except OSError:
                    text = None
            if text is not None and not text.decodable:
                text = None
            self._files[rel] = text
        return self._files[rel]


_INDENT = re.compile(rb"^([ \t]+)\S", re.MULTILINE)


def detect_style(file: FileText) -> Style:
    source = file.source
    root = file.parsed.root
    quote = _quote(root)
    statements = [n for n in root.named_children if n.type != "comment"]
    ended = sum(1 for n in statements if syntax.text(n).rstrip().endswith(";"))
    semicolon = ";" if not statements or ended * 2 >= len(statements) else ""
    indents = [m.group(1) for m in _INDENT.finditer(source[:65536])]
    if indents and sum(1 for i in indents if i.startswith(b"\t")) * 2 > len(indents):
        indent = "\t"
    else:
        widths = [len(i) for i in indents if not i.startswith(b"\t")]
        indent = " " * (min(widths) if widths and min(widths) in (2, 4) else 2)
    newline = "\r\n" if b"\r\n" in source[:65536] else "\n"
    esm = any(n.type in ("import_statement", "export_statement") for n in root.named_children)
    return Style(quote, semicolon, indent, newline, esm)


def _quote(root: Node) -> str:
    """The quote of the file's import or require strings (its first string otherwise)."""
    first = ""
    for node in syntax.walk(root):
        if node.type != "string":
            continue
        mark = syntax.text(node)[:1]
        parent = node.parent
        if parent is not None and parent.type in ("import_statement", "arguments"):
            callee = parent.parent.child_by_field_name("function") if parent.parent else None
            if parent.type == "import_statement" or syntax.text(callee) == "require":
                return mark
        first = first or mark
    return first or '"'
