"""Is a script minified or bundled library code? Decided from its first bytes, never its name.

A name (`server.prod.js`, `app.bundle.js`) is chosen by whoever wrote the repository and
says nothing about what the file holds, so only the content counts: very long lines, little
whitespace next to a source-map comment, or a bundler's prologue. The caller exempts entry
points (package.json `main`, `bin`, start scripts, a Dockerfile's CMD): they are analysed
whatever they look like."""

from __future__ import annotations

import re

#: How much of a file the decision reads.
HEAD_BYTES = 65536
#: A line this long, in a file whose lines average over _AVERAGE_LINE, is minified code.
_LONG_LINE = 1000
_AVERAGE_LINE = 300
#: Whitespace below this share of a sizeable head is minified code; with a source-map
#: comment, below the second. Hand-written code has 15-30 %.
_SPARSE = 0.05
_SPARSE_WITH_MAP = 0.10
_SIZEABLE = 4096
_SOURCE_MAP = re.compile(rb"^//[#@] sourceMappingURL=", re.M)
#: Prologues bundlers write at the top of what they emit, with the bundler's name.
_PROLOGUES: tuple[tuple[bytes, str], ...] = (
    (b"webpackBootstrap", "webpack"),
    (b"__webpack_require__", "webpack"),
    (b"__webpack_modules__", "webpack"),
    (b"parcelRequire", "Parcel"),
    (b"var __commonJS = ", "esbuild"),
    (b"System.register(", "SystemJS"),
    (b"typeof define === 'function' && define.amd", "UMD"),
    (b'typeof define === "function" && define.amd', "UMD"),
    (b"typeof define=='function'&&define.amd", "UMD"),
    (b'typeof define=="function"&&define.amd', "UMD"),
)


def bundle_reason(head: bytes) -> str | None:
    """Why `head` (a file's first HEAD_BYTES) is minified or bundled code, or None."""
    lines = head.removesuffix(b"\n").split(b"\n")
    cut = len(head) >= HEAD_BYTES and not head.endswith(b"\n")
    if cut and len(lines) == 1:
        return f"minified or bundled code (a line of over {HEAD_BYTES:,} characters)"
    if cut:
        lines.pop()  # cut off mid-line
    longest = max(len(line) for line in lines)
    average = sum(len(line) for line in lines) // len(lines)
    if longest >= _LONG_LINE and average > _AVERAGE_LINE:
        return f"minified or bundled code (lines of {average:,} characters on average)"
    for marker, bundler in _PROLOGUES:
        if marker in head:
            return f"minified or bundled code (a {bundler} bundle)"
    if len(head) >= _SIZEABLE:
        spaces = sum(head.count(c) for c in (b" ", b"\n", b"\t", b"\r"))
        share = spaces / len(head)
        if share < _SPARSE or (share < _SPARSE_WITH_MAP and _SOURCE_MAP.search(head)):
            return f"minified or bundled code ({share:.0%} whitespace)"
    return None
