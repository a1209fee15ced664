"""The values the taint engine propagates: where request data came from, how it got here,
and which checks it has passed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

from nodeward.findings import Confidence, FlowStep, SourceLocation
from nodeward.source.taint.model import SinkKind

#: At most this many distinct traces are kept per value, so that big expressions built
#: from many request fields cannot grow without bound.
MAX_TRACES = 4
#: At most this many steps (calls crossed) are kept per trace.
MAX_STEPS = 12
#: Property paths are followed this deep into objects; deeper, the object is tainted whole.
MAX_FIELDS = 3
#: A property path step that matches any property (Trace.inside).
ANY_FIELD = "*"
#: MongoDB query operators whose value is JavaScript the database runs: request data there
#: is code injection whatever its type, a string as much as an object.
CODE_OPERATORS = frozenset({"$where", "$function", "$accumulator"})
#: Members of a database result that still hold whole records: array elements, pg and
#: sequelize `rows`, mssql `recordset`.
_RECORD_WRAPPERS = frozenset({"*", "[]", "rows", "recordset", "dataValues"})


class OriginKind(Enum):
    REQUEST = "request"
    BROWSER = "browser"
    ARCHIVE = "archive"
    RECORD = "record"
    STORED = "stored"  # a record of a database store, possibly written from request data
    FETCHED = "fetched"  # browser code: what the server sent (a response, a socket push)


#: Origins that stay whole records inside an object: `res.json({ user })` still sends them.
_WHOLE_RECORDS = frozenset({OriginKind.RECORD, OriginKind.STORED})


@dataclass(frozen=True)
class Source:
    """Untrusted data read at one place: request data (`req.query.id`), browser data
    (`location.hash`), an archive entry's name, or a database record with secret fields
    (for the data-exposure rule, where the record itself is what must not leave)."""

    description: str
    location: SourceLocation
    kind: OriginKind = OriginKind.REQUEST
    store: str = ""  # STORED: the store's key (see stored.store_key)
    field: str = ""  # STORED: the record field read (`memo.text` -> "text"); "" for all


@dataclass(frozen=True)
class Trace:
    """One way a value depends on request data (a Source) or on a parameter of the function
    being summarised (an int, the parameter's index)."""

    origin: Source | int
    steps: tuple[FlowStep, ...] = ()
    via: tuple[str, ...] = ()  # "getUser() in db/users.js", for messages
    maybe_object: bool = True  # could hold an object or array, not only a string
    whole: bool = True  # the whole request container (req.body), not one of its fields
    cleared: frozenset[SinkKind] = frozenset()
    #: Where in the traced object the data sits: `{ name: req.body.name, id: 5 }` holds
    #: request data at ("name",) only, so reading `.id` from it is clean. Empty: the value
    #: itself, or anywhere in it.
    fields: tuple[str, ...] = ()
    #: Properties written over this object after it was spread into a literal:
    #: `{ ...req.body, theme: "dark" }` holds request data anywhere but in `theme`.
    overwritten: frozenset[str] = frozenset()

    def placed(self, key: str) -> Trace:
        """This value stored under property `key` of an object (`{ key: value }`,
        `obj.key = value`)."""
        if key in ("*", "[]"):  # a computed key: anywhere in the object
            return replace(self, fields=())._member("*")
        # A record stays whole inside an object; so does a parameter, until the caller's
        # value is known (see through()).
        kept = isinstance(self.origin, int) or self.is_record
        fields = (key, *self.fields)[:MAX_FIELDS]
        return replace(self, fields=fields) if kept else replace(self, whole=False, fields=fields)

    def inside(self) -> Trace:
        """This value somewhere inside an object, under a property not known: a record
        a database write answers holds what was written, but is not that value."""
        return replace(self, fields=(ANY_FIELD, *self.fields)[:MAX_FIELDS])

    def overwrite(self, key: str) -> Trace | None:
        """This value, part of an object literal, after a later property `key` of the same
        literal; None when it sat in `key` itself."""
        if not self.fields:
            return replace(self, overwritten=self.overwritten | {key})
        return None if self.fields[0] == key else self

    def member(self, name: str) -> Trace | None:
        """The trace of a property read from this value; None when the data sits in
        another property."""
        if not self.fields and name in self.overwritten:
            return None
        if self.fields:
            if name == self.fields[0] or self.fields[0] == ANY_FIELD:
                return replace(self, fields=self.fields[1:])
            if name not in ("*", "[]"):
                return None
            return replace(self, fields=())._member(name)  # an unknown property: any
        return self._member(name)

    def _member(self, name: str) -> Trace:
        origin, steps = self.origin, self.steps
        if isinstance(origin, Source) and origin.kind is OriginKind.RECORD and name in ("*", "[]"):
            return self  # a record inside an object or array is still sent whole
        if isinstance(origin, Source) and origin.kind is OriginKind.STORED:
            # records in an array or a result wrapper (pg `rows`) are still whole records
            if name in _RECORD_WRAPPERS:
                return self
            read = origin if origin.field else replace(origin, field=name)
            return replace(self, origin=read, whole=False)
        if isinstance(origin, Source) and self.whole and name not in ("*", "[]"):
            origin = Source(f"{origin.description}.{name}", origin.location, origin.kind)
            if len(steps) == 1:  # the source step names the field read
                steps = (FlowStep(steps[0].location, f"request data: {origin.description}"),)
        return replace(self, origin=origin, steps=steps, whole=False, overwritten=frozenset())

    @property
    def in_code_clause(self) -> bool:
        """The data sits in a query's JavaScript clause: `{ $where: `...${x}` }`."""
        return any(key in CODE_OPERATORS for key in self.fields)

    @property
    def is_record(self) -> bool:
        """A database record, which stays whole inside objects and arrays."""
        return isinstance(self.origin, Source) and self.origin.kind in _WHOLE_RECORDS

    def as_string(self) -> Trace:
        return replace(self, maybe_object=False, whole=False)

    def clear(self, kinds: frozenset[SinkKind]) -> Trace:
        return replace(self, cleared=self.cleared | kinds)

    def through(self, inner: Trace, step: FlowStep, via: str) -> Trace:
        """This (caller's) trace carried on through a callee's parameter trace `inner`."""
        return Trace(
            origin=self.origin,
            steps=(*self.steps, step, *inner.steps)[:MAX_STEPS],
            via=(*self.via, via, *inner.via)[:MAX_STEPS],
            maybe_object=self.maybe_object and inner.maybe_object,
            whole=self.whole and inner.whole and (not inner.fields or self.is_record),
            cleared=self.cleared | inner.cleared,
            # where the callee put what it derived from the parameter; the caller's own
            # fields are lost (the callee may have read any of them)
            fields=inner.fields,
        )


Taint = frozenset[Trace]
CLEAN: Taint = frozenset()


def members(taint: Taint, name: str) -> Taint:
    """The taint of property `name` read from a value with `taint`."""
    if not taint:
        return taint  # most reads: clean data
    return frozenset(m for t in taint if (m := t.member(name)) is not None)


def placed(taint: Taint, *keys: str) -> Taint:
    """The taint of an object holding a value with `taint` at property path `keys`."""
    for key in reversed(keys):
        taint = frozenset(t.placed(key) for t in taint)
    return taint


def union(*taints: Taint) -> Taint:
    merged: set[Trace] = set()
    for taint in taints:
        merged |= taint
    if len(merged) <= MAX_TRACES:
        return frozenset(merged)
    # Prefer request sources over parameters, then the shortest paths; deterministic.
    ranked = sorted(
        merged,
        key=lambda t: (isinstance(t.origin, int), len(t.steps), repr(t.origin)),
    )
    return frozenset(ranked[:MAX_TRACES])


@dataclass(frozen=True)
class Hit:
    """A trace reaching a sink."""

    kind: SinkKind
    sink: SourceLocation
    label: str
    trace: Trace
    confidence: Confidence
    #: The sink takes any string, whatever the value's shape (a `$where` clause): a caller's
    #: string-only source still reaches it through a parameter.
    any_shape: bool = False
    #: SinkKind.STORE: the key of the store the value is written to
    store: str = ""


@dataclass(frozen=True)
class Render:
    """`res.render(view, data)` with request data in some of the view's variables."""

    view: str
    variables: dict[str, Taint]  # variable -> its taint (only tainted ones)
    every_variable: Taint  # `res.render(view, req.query)`: any variable may be tainted
    call: SourceLocation
    label: str  # "res.render()"
    #: variable -> the taint of each property, when the variable is an object literal
    #: built in the handler: `{ products, searchTerm: req.body.q }` taints only searchTerm
    fields: dict[str, dict[str, Taint]] = field(default_factory=dict)
