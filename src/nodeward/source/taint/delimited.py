"""Template tags (`<% ... %>`, `{{ ... }}`) found in one pass over the text.

A lazy `<%(.*?)%>` searched with `finditer` is quadratic on a file of openers without a
closer: from each `<%` the engine scans to the end of the text before it gives up and
tries the next position. Here each closer is looked for at most once past any point, so a
hostile view of two megabytes of `<%` costs one pass. The spans found are those of the
lazy regex: leftmost opener first, the shortest body, tags tried in the order given.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

_NOT_NEWLINE = re.compile(r"[^\n]")


@dataclass(frozen=True)
class Tag:
    opener: str
    closer: str
    single_line: bool = False  # the closer must come before the next newline


@dataclass(frozen=True)
class Span:
    start: int  # where the opener starts
    body_start: int
    body_end: int  # where the closer starts
    end: int  # after the closer
    tag: Tag | None  # None: a match of the fallback pattern


class Closers:
    """The next occurrence of each closer at or after an offset. Queries come with offsets
    that (nearly) only grow, so the answer to the last query usually holds: each closer is
    searched for over the text about once in all, and not at all again once it is known
    to be absent."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._last: dict[str, tuple[int, int]] = {}  # closer -> (query offset, answer)

    def gone(self, tag: Tag, start: int) -> bool:
        """Whether no opener of `tag` after `start` can find its closer any more."""
        asked, found = self._last.get(tag.closer, (len(self._text) + 1, 0))
        return found == -1 and asked <= start + 1 + len(tag.opener)

    def after(self, closer: str, offset: int) -> int:
        asked, found = self._last.get(closer, (len(self._text) + 1, -1))
        if asked > offset or (found != -1 and found < offset):
            found = self._text.find(closer, offset)
            self._last[closer] = (offset, found)
        return found


def find_tags(
    text: str, tags: Sequence[Tag], fallback: re.Pattern[str] | None = None
) -> Iterator[Span]:
    """Each tag of `text`, left to right and without overlap: what
    `re.finditer("|".join(opener(.*?)closer) [| fallback], text, re.S)` yields, in linear
    time. `fallback` must itself be linear when matched at a position."""
    closers = Closers(text)
    openers = _openers(tags, fallback)
    position = 0
    while openers is not None and (candidate := openers.search(text, position)) is not None:
        start = candidate.start()
        span = _span_at(text, start, tags, closers, fallback)
        if span is not None:
            yield span
            position = max(span.end, start + 1)
            continue
        position = start + 1
        if any(closers.gone(t, start) for t in tags):
            # a tag whose closer is past for good is no longer looked for, so that a run
            # of its openers is skipped by the regex engine, not visited one by one
            tags = [t for t in tags if not closers.gone(t, start)]
            openers = _openers(tags, fallback)


def _openers(tags: Sequence[Tag], fallback: re.Pattern[str] | None) -> re.Pattern[str] | None:
    alternatives = [re.escape(t.opener) for t in tags]
    if fallback is not None:
        alternatives.append(fallback.pattern)
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), fallback.flags if fallback else 0)


def _span_at(
    text: str, start: int, tags: Sequence[Tag], closers: Closers, fallback: re.Pattern[str] | None
) -> Span | None:
    for tag in tags:
        if not text.startswith(tag.opener, start):
            continue
        body_start = start + len(tag.opener)
        body_end = closers.after(tag.closer, body_start)
        if tag.single_line and -1 < closers.after("\n", body_start) < body_end:
            continue
        if body_end != -1:
            return Span(start, body_start, body_end, body_end + len(tag.closer), tag)
    if fallback is not None and (match := fallback.match(text, start)) is not None:
        return Span(start, start, match.end(), match.end(), None)
    return None


def blank_spans(text: str, spans: Iterable[Span], fill: str) -> str:
    """`text` with each span's characters but newlines replaced by `fill`, so that offsets,
    lines and columns stay where they were."""
    pieces: list[str] = []
    position = 0
    for span in spans:
        pieces += [text[position : span.start], _NOT_NEWLINE.sub(fill, text[span.start : span.end])]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def end_of_last(closer: str | re.Pattern[str], text: str) -> int:
    """The end of the last `closer` in `text` (0 without one): the `endpos` that keeps a
    pattern ending in `closer` from scanning past it. Then every opener before it finds a
    closer and the match consumes the span, so no opener scans to the end in vain."""
    if isinstance(closer, str):
        found = text.rfind(closer)
        return 0 if found == -1 else found + len(closer)
    last = 0
    for match in closer.finditer(text):
        last = match.end()
    return last


class IndentedLines:
    """The lines of an indentation-scoped template (Pug), measured once, so that finding
    where each block ends reads indent numbers instead of re-splitting the rest of the
    text for every block."""

    def __init__(self, text: str) -> None:
        self._length = len(text)
        self._starts: list[int] = []
        self._indents: list[int] = []  # leading spaces and tabs; -1 for a blank line
        offset = 0
        for line in text.splitlines(keepends=True):
            self._starts.append(offset)
            self._indents.append(len(line) - len(line.lstrip(" \t")) if line.strip() else -1)
            offset += len(line)

    def block_end(self, offset: int, indent: int) -> int:
        """The start of the first non-blank line at or after `offset` (a line start)
        indented no deeper than `indent`; the end of the text without one."""
        for index in range(bisect_left(self._starts, offset), len(self._starts)):
            if 0 <= self._indents[index] <= indent:
                return self._starts[index]
        return self._length
