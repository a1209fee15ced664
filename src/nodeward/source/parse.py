"""Reads and parses JS/TS files: the one module that loads tree-sitter grammars."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import overload

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from nodeward.findings import Skip
from nodeward.source.bundles import HEAD_BYTES, bundle_reason

Node = tree_sitter.Node
Tree = tree_sitter.Tree

#: The syntax tree a file may have, in nodes. tree-sitter keeps about 110 bytes a node
#: and the file index more: 3 million nodes is a 4-6 MB file of dense code and about
#: 500 MB at the peak; the default --max-file-size (2 MB) stays below it.
MAX_SYNTAX_NODES = 3_000_000
#: Syntax nodes per token, measured on dense generated code (the upper end).
_NODES_PER_TOKEN = 1.6


def _shape_table() -> bytes:
    """A bytes.translate table: word bytes (identifiers, numbers, non-ASCII) to `a`,
    whitespace to a space, punctuation to `.`."""
    shape = bytearray()
    for byte in range(256):
        char = chr(byte)
        if byte >= 0x80 or char.isalnum() or char in "_$":
            shape.append(ord("a"))
        else:
            shape.append(ord(" ") if char in " \t\r\n\f\v" else ord("."))
    return bytes(shape)


_SHAPE = _shape_table()


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


class SourceLines(Sequence[str]):
    """The text lines of a file's UTF-8 bytes, split when first read: a scan quotes the
    lines of the few files with findings, and a tuple of lines for every file of a
    dependency tree costs more memory than the files' bytes. One line, or the count,
    is read from the offsets of the lines (8 bytes a line instead of a string): quoting a
    finding's line kept every line of 145 files of a dependency tree as strings (8.5 MB)."""

    __slots__ = ("_count", "_lines", "_source", "_starts")

    def __init__(self, source: bytes) -> None:
        self._source = source
        self._lines: tuple[str, ...] | None = None
        self._starts: array[int] | None = None
        self._count = 0

    def _split(self) -> tuple[str, ...]:
        if self._lines is None:
            self._lines = split_lines(self._source.decode("utf-8", errors="replace"))
        return self._lines

    def _line_starts(self) -> array[int]:
        """Where each `\n`-separated piece starts, then the end of the source plus one."""
        if self._starts is None:
            lengths = [len(piece) + 1 for piece in self._source.split(b"\n")]
            self._starts = array("q", accumulate(lengths, initial=0))
            # split_lines(): a last piece that is empty (the text ends with `\n`) is no line
            self._count = len(lengths) - (lengths[-1] == 1)
        return self._starts

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice) or self._lines is not None:
            return self._split()[index]
        starts = self._line_starts()
        number = index + self._count if index < 0 else index
        if not 0 <= number < self._count:
            raise IndexError("line index out of range")
        # `\n` is never part of a multi-byte character: decoding the line's bytes gives
        # the line of the decoded text
        raw = self._source[starts[number] : starts[number + 1] - 1]
        return raw.decode("utf-8", errors="replace").removesuffix("\r")

    def __len__(self) -> int:
        if self._lines is not None:
            return len(self._lines)
        self._line_starts()
        return self._count

    def __iter__(self) -> Iterator[str]:
        return iter(self._split())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SourceLines | tuple):
            return self._split() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._split())


@dataclass(frozen=True)
class SourceText:
    """A decoded file: `source` is the UTF-8 bytes tree-sitter saw, `lines` the text lines.
    `undecodable`: the file was not valid UTF-8; its bad bytes became U+FFFD in both."""

    rel: str
    source: bytes
    lines: Sequence[str]
    undecodable: bool = False

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
    """Read a text file, or say why it cannot be analyzed. Bytes that are not UTF-8 (a
    Latin-1 `é` in a comment) become U+FFFD, and `source` is re-encoded from the decoded
    text, so tree-sitter's byte offsets and the lines reports quote stay in step."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Skip(rel, f"cannot read file: {error.strerror}")
    if b"\x00" in raw[:8192]:
        return Skip(rel, "binary file (contains NUL bytes)")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        source = raw.decode("utf-8", errors="replace").encode("utf-8")
        return SourceText(rel, source, SourceLines(source), undecodable=True)
    return SourceText(rel=rel, source=raw, lines=SourceLines(raw))


def split_lines(decoded: str) -> tuple[str, ...]:
    """Lines as tree-sitter counts rows: split at `\n` only (str.splitlines() also splits
    at form feeds and U+2028, which would shift every later line number)."""
    lines = decoded.split("\n")
    if lines[-1] == "":
        lines.pop()
    return tuple(line.removesuffix("\r") for line in lines)


def estimated_nodes(source: bytes) -> int:
    """About how many syntax nodes `source` parses to, from its tokens (runs of word
    characters and single punctuation bytes), counted in C without parsing."""
    shape = source.translate(_SHAPE)
    words = shape.count(b"a.") + shape.count(b"a ") + shape.endswith(b"a")
    return int((words + shape.count(b".")) * _NODES_PER_TOKEN)


def parse(text: SourceText) -> ParsedFile:
    dialect = dialect_for(text.rel)
    tree = _parser(dialect).parse(text.source)
    return ParsedFile(text=text, dialect=dialect, tree=tree, syntax_error=_first_error(tree))


def parse_path(path: Path, rel: str, *, library: bool = False) -> ParsedFile | Skip:
    """Read and parse a script. `library`: skip it when its head looks minified or
    bundled (see bundles.py); entry points are parsed whatever they look like."""
    text = read_text(path, rel)
    if isinstance(text, Skip):
        return text
    if library:
        reason = bundle_reason(text.source[:HEAD_BYTES])
        if reason is not None:
            return Skip(rel, f"{reason}; not analyzed (entry points always are)")
    # estimated_nodes() counts at most one token a byte: a file of at most
    # MAX_SYNTAX_NODES / _NODES_PER_TOKEN bytes (nearly every file) cannot exceed the bound
    if len(text.source) * _NODES_PER_TOKEN > MAX_SYNTAX_NODES:
        nodes = estimated_nodes(text.source)
        if nodes > MAX_SYNTAX_NODES:
            return too_large(rel, len(text.lines), nodes)
    parsed = parse(text)
    counted = parsed.root.descendant_count
    if counted > MAX_SYNTAX_NODES:
        return too_large(rel, len(text.lines), counted)
    return parsed


def too_large(rel: str, lines: int, nodes: int) -> Skip:
    return Skip(
        rel,
        f"file too large to analyse safely: {lines:,} line{'' if lines == 1 else 's'}, "
        f"about {nodes:,} syntax nodes "
        f"(bound {MAX_SYNTAX_NODES:,})",
    )


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
