"""Reads and parses JS/TS files: the one module that loads tree-sitter grammars."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from nodeward.findings import Skip

Node = tree_sitter.Node
Tree = tree_sitter.Tree

#: A line this long in a file with few lines means minified or generated code.
MINIFIED_LINE_LENGTH = 1000


class Dialect(Enum):
    JAVASCRIPT = "javascript"
    TYPESCRIPT = "typescript"
    TSX = "tsx"


def dialect_for(path: str) -> Dialect:
    lower = path.lower()
    if lower.endswith(".tsx"):
        return Dialect.TSX
    if lower.endswith((".ts", ".mts", ".cts")):
        return Dialect.TYPESCRIPT
    return Dialect.JAVASCRIPT


@cache
def language(dialect: Dialect) -> tree_sitter.Language:
    match dialect:
        case Dialect.JAVASCRIPT:
            return tree_sitter.Language(tree_sitter_javascript.language())
        case Dialect.TYPESCRIPT:
            return tree_sitter.Language(tree_sitter_typescript.language_typescript())
        case Dialect.TSX:
            return tree_sitter.Language(tree_sitter_typescript.language_tsx())


@cache
def _parser(dialect: Dialect) -> tree_sitter.Parser:
    return tree_sitter.Parser(language(dialect))


@dataclass(frozen=True)
class SourceText:
    """A decoded file: `source` is the UTF-8 bytes tree-sitter saw, `lines` the text lines."""

    rel: str
    source: bytes
    lines: tuple[str, ...]

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, or '' past the end."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


@dataclass(frozen=True)
class ParsedFile:
    text: SourceText
    dialect: Dialect
    tree: Tree
    syntax_error: tuple[int, int] | None

    @property
    def rel(self) -> str:
        return self.text.rel

    @property
    def root(self) -> Node:
        return self.tree.root_node


def read_text(path: Path, rel: str) -> SourceText | Skip:
    """Read a text file, or say why it cannot be analyzed."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Skip(rel, f"cannot read file: {error.strerror}")
    if b"\x00" in raw[:8192]:
        return Skip(rel, "binary file (contains NUL bytes)")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Skip(rel, f"not UTF-8 text (invalid byte at offset {error.start})")
    return SourceText(rel=rel, source=raw, lines=tuple(decoded.splitlines()))


def looks_minified(text: SourceText) -> bool:
    if not text.lines:
        return False
    longest = max(len(line) for line in text.lines)
    return longest >= MINIFIED_LINE_LENGTH and len(text.source) / len(text.lines) > 300


def parse(text: SourceText) -> ParsedFile:
    dialect = dialect_for(text.rel)
    tree = _parser(dialect).parse(text.source)
    return ParsedFile(text=text, dialect=dialect, tree=tree, syntax_error=_first_error(tree))


def parse_path(path: Path, rel: str) -> ParsedFile | Skip:
    text = read_text(path, rel)
    if isinstance(text, Skip):
        return text
    if looks_minified(text):
        return Skip(rel, "minified or generated code (a line over 1,000 characters); not analyzed")
    return parse(text)


def _first_error(tree: Tree) -> tuple[int, int] | None:
    root = tree.root_node
    if not root.has_error:
        return None
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node.start_point.row + 1, node.start_point.column + 1
        if node.has_error:
            stack.extend(reversed(node.children))
    return root.start_point.row + 1, 1
