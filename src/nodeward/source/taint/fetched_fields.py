"""Fields of server data that hold a number or a flag, never markup.

What a page fetches is stored data (browser_data.py, OriginKind.FETCHED): it may hold what
another user wrote. A count, a total, a size or a status flag of it cannot: the server
computes those (`data.count`, `res.data.total`, `resp.ok`, `response.status`), and
written into HTML they are digits or `true`. Request data is not concerned: what the
client sends as `req.body.count` may be any string or object.
"""

from __future__ import annotations

from nodeward.source.taint.values import OriginKind, Source, Taint

#: Field names that hold a number or a boolean in server answers: counts and totals,
#: sizes, HTTP status fields.
_SCALAR_NAMES = frozenset(
    {"count", "total", "size", "ok", "status", "statusCode", "readyState", "redirected"}
)
#: `itemCount`, `total_count`, `grandTotal`, `pageSize`.
_SCALAR_SUFFIXES = ("Count", "_count", "Total", "_total", "Size", "_size")


def is_scalar_field(name: str) -> bool:
    """`count`, `numItems`, `unreadCount`: a field named as a number or a flag."""
    if name in _SCALAR_NAMES or name.endswith(_SCALAR_SUFFIXES):
        return True
    return name.startswith("num") and len(name) > 3 and (name[3].isupper() or name[3] == "_")


def scalar_field(taint: Taint, name: str) -> Taint:
    """The taint of field `name` read from server data: none when the name says it is a
    number or a flag."""
    if not taint or not is_scalar_field(name):
        return taint
    return frozenset(
        t
        for t in taint
        if not (isinstance(t.origin, Source) and t.origin.kind is OriginKind.FETCHED)
    )
