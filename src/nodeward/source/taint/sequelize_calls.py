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
    """Some argument (directly or through a variable) is an options object with `where`,
    or with an `include` of associated models (`include: [{ model: User, where }]`)."""
    for arg in args:
        value = syntax.unwrap(ctx.value_of(arg))
        if value is None or value.type != "object":
            continue
        for key, item, _pair in syntax.object_entries(value):
            if key == "where" or (key == "include" and _includes_models(item)):
                return True
    return False


def _includes_models(include: Node | None) -> bool:
    include = syntax.unwrap(include)
    items = include.named_children if include is not None and include.type == "array" else []
    return any(syntax.object_has(syntax.unwrap(i), "model") for i in [include, *items])
