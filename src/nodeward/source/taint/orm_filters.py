"""ORM filters the client shapes (NoSQL-style operator injection in SQL ORMs).

Prisma reads operators from plain objects: `where: { resetToken: req.body.token }` with
`{"token": {"not": ""}}` matches every row, so request data that may be an object
anywhere under a Prisma `where` is a sink. Sequelize (since 5) and TypeORM take operators
only as Symbols or class instances, which JSON cannot produce; there the sink is a whole
request object as the filter (`findAll({ where: req.query })`, `repo.findOneBy(req.body)`,
also through a service's parameter): the client picks the columns, or sends `{}` and
matches the first row."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nodeward.findings import Confidence
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.call_sites import EvaluatedCall
from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.sequelize_calls import is_sequelize_call
from nodeward.source.taint.sinks import sink
from nodeward.source.taint.values import Taint

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

_PRISMA_RECEIVER = re.compile(r"(^|\.)prisma\.\w+$", re.IGNORECASE)
_PRISMA_METHODS = frozenset(
    {
        "findMany",
        "findFirst",
        "findFirstOrThrow",
        "findUnique",
        "findUniqueOrThrow",
        "count",
        "aggregate",
        "groupBy",
        "update",
        "updateMany",
        "delete",
        "deleteMany",
        "upsert",
    }
)
_TYPEORM_RECEIVER = re.compile(r"(repo|repository)$|getRepository\(", re.IGNORECASE)
#: TypeORM methods whose first argument is the filter itself
_TYPEORM_WHERE_FIRST = frozenset(
    {"findBy", "findOneBy", "findOneByOrFail", "findAndCountBy", "countBy", "existsBy"}
)
#: TypeORM methods whose options carry the filter under `where`
_TYPEORM_OPTIONS = frozenset({"find", "findOne", "findOneOrFail", "findAndCount", "count"})
_SEQUELIZE_METHODS = frozenset(
    {"findAll", "findOne", "findAndCountAll", "count", "update", "destroy", "findOrCreate"}
)


def check(fa: FunctionAnalysis, site: EvaluatedCall) -> None:
    receiver = syntax.text(site.receiver) if site.receiver is not None else ""
    method = site.method
    if not receiver or not site.args:
        return
    label = f"the filter of {receiver}.{method}()"
    if method in _PRISMA_METHODS and _PRISMA_RECEIVER.search(receiver):
        where = _where(fa, site.args[0])
        if where is not None:
            # `{ username: { equals: x } }`: Prisma rejects an x that is not a string
            taint = frozenset(t for t in fa.eval(where) if t.fields[-1:] != ("equals",))
            sink(fa, site.node, where, taint, SinkKind.NOSQL, label, Confidence.MEDIUM)
        return
    if method in _SEQUELIZE_METHODS and is_sequelize_call(fa.ctx, site.args):
        for arg in site.args:
            _whole_filter(fa, site, _where(fa, arg), label)
    elif _TYPEORM_RECEIVER.search(receiver):
        if method in _TYPEORM_WHERE_FIRST:
            _whole_filter(fa, site, site.args[0], label)
        elif method in _TYPEORM_OPTIONS:
            _whole_filter(fa, site, _where(fa, site.args[0]), label)


def _where(fa: FunctionAnalysis, options: Node) -> Node | None:
    value = syntax.unwrap(fa.ctx.value_of(options))
    if value is None or value.type != "object":
        return None
    return syntax.object_get(value, "where")


def _whole_filter(
    fa: FunctionAnalysis, site: EvaluatedCall, where: Node | None, label: str
) -> None:
    """The filter itself is request data (`req.body`, `req.query.filter`), not a value
    under one of its keys; sink() keeps what may be an object."""
    if where is None:
        return
    taint: Taint = frozenset(t for t in fa.eval(where) if not t.fields)
    sink(fa, site.node, where, taint, SinkKind.NOSQL, label, Confidence.MEDIUM)
