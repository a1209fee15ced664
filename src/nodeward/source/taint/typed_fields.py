"""Request data after a schema has parsed it: an object holding only the declared fields,
each cleared of what its declared type rules out.

zod's `Body.parse(req.body)` and a class-validator DTO behind a `ValidationPipe` both turn
an untrusted object into one whose `email` is a string (no MongoDB operator object) and
whose `age` is a number (nothing an injection needs). When the schema strips keys it does
not declare (zod's default, class-validator's `whitelist: true`), the result cannot carry
extra keys either, so it is no longer a mass-assignment or prototype-pollution vehicle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nodeward.source.taint.model import ALL_KINDS, SinkKind
from nodeward.source.taint.values import MAX_TRACES, Taint, Trace

#: A string: no operator object, no nested keys.
STRING_ONLY = frozenset({SinkKind.NOSQL, SinkKind.PROTOTYPE, SinkKind.MASS_ASSIGNMENT})
#: What an object with only its declared keys can no longer be used for.
_EXTRA_KEYS = frozenset({SinkKind.PROTOTYPE, SinkKind.MASS_ASSIGNMENT})


@dataclass(frozen=True)
class TypedFields:
    """The declared fields of a schema and what each one's type rules out."""

    fields: Mapping[str, frozenset[SinkKind]]
    #: undeclared keys are removed (zod's default `strip`, class-validator `whitelist`)
    strips_extra: bool


def restrict(taint: Taint, shape: TypedFields) -> Taint:
    """The taint of what a schema returns for a value with `taint`."""
    result: set[Trace] = set()
    for trace in taint:
        if not shape.strips_extra:
            result.add(trace)  # an undeclared key may hold anything the request sent
        result |= _declared(trace, shape)
    return frozenset(result)


def _declared(trace: Trace, shape: TypedFields) -> set[Trace]:
    # A field whose type rules out everything carries nothing: `data.age` reads clean.
    open_fields = {name: kinds for name, kinds in shape.fields.items() if kinds != ALL_KINDS}
    extra = _EXTRA_KEYS if shape.strips_extra else frozenset()
    if len(open_fields) <= MAX_TRACES:
        found = set()
        for name, kinds in open_fields.items():
            member = trace.member(name)
            if member is not None:
                found.add(member.clear(kinds).placed(name).clear(extra))
        return found
    # More fields than traces a value keeps: one trace for any field, cleared only of what
    # every open field rules out (sound, less precise).
    common = frozenset.intersection(*open_fields.values())
    member = trace.member("*")
    return {member.clear(common).inside().clear(extra)} if member is not None else set()
