"""Whether a model call is Sequelize's rather than a MongoDB driver's or Mongoose's.

The NoSQL-injection heuristic recognises `User.findOne(query)` by the receiver's
capitalised name, and Sequelize models are named the same way. Sequelize calls carry their
filter in an options object under `where` (`User.findAll({ where: { name } })`,
`User.update(values, { where: { id } })`); MongoDB filters never have a `where` key (the
operator is spelled `$where`). Since Sequelize 5, operators are Symbols (`Op.gt`) that a
JSON body cannot produce, so a request object in a Sequelize filter injects nothing.
"""

from __future__ import annotations

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node


def is_sequelize_call(ctx: FileContext, args: list[Node]) -> bool:
    """Some argument (directly or through a variable) is an options object with `where`."""
    for arg in args:
        value = syntax.unwrap(ctx.value_of(arg))
        if value is None or value.type != "object":
            continue
        if any(key == "where" for key, _value, _pair in syntax.object_entries(value)):
            return True
    return False
