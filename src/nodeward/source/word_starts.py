"""Where a few words start in a file's bytes, and whether one starts inside a node.

A rule that reports a node only when its text holds one of a few words (a digest call,
a password name) asks this instead of decoding every candidate node: the starts are
found once per file, and each node is answered by bisection. The taint engine's seed
pass finds the member chains that spell a browser source's words from the same starts
(taint/chain_tops.py)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from nodeward.source.parse import Node


def word_starts(source: bytes, words: Iterable[bytes]) -> list[int]:
    """The offsets where each of `words` starts in `source`, in order."""
    starts: list[int] = []
    for word in words:
        at = source.find(word)
        while at != -1:
            starts.append(at)
            at = source.find(word, at + 1)
    starts.sort()
    return starts


def starts_inside(starts: list[int], node: Node) -> bool:
    """Whether one of `starts` (word_starts() of the file's bytes) lies inside `node`:
    a necessary condition of the node's text holding the word."""
    at = bisect_left(starts, node.start_byte)
    return at < len(starts) and starts[at] < node.end_byte
