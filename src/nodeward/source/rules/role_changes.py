"""What a handler does that changes who may do what: it writes a role or an admin flag of
an existing record.

- an update whose changes name a privilege field: `User.update({ role: req.body.role },
  { where })`, `User.findByIdAndUpdate(id, { $set: { isAdmin: true } })`;
- an assignment to a privilege field of a record the handler then saves:
  `user.isAdmin = true; await user.save()`;
- SQL that sets one: `db.query("UPDATE users SET role = $1 WHERE id = $2", ...)`;
- a helper named for it: `users.setRole(id, role)`, `promoteUser(id)`.

Creating a record with a role (`User.create({ ..., role: "user" })`, a sign-up's default)
is not a change of privileges and is not reported here."""

from __future__ import annotations

import re

from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node

PRIVILEGE_FIELD = re.compile(
    r"^(role|roles|isAdmin|is_admin|admin|isStaff|is_staff|superuser|isSuperuser|is_superuser|"
    r"permissions|accessLevel|access_level)$"
)
#: Mongo-style updates: (filter or id, changes)
_UPDATES_SECOND = frozenset(
    {"updateOne", "updateMany", "findByIdAndUpdate", "findOneAndUpdate", "findAndModify"}
)
#: Sequelize / knex `update(changes[, { where }])`, TypeORM / Mongo `update(which, changes)`
_UPDATES_EITHER = frozenset({"update", "upsert"})
_UPDATE_OPERATORS = frozenset({"$set"})
_ROLE_HELPER = re.compile(
    r"^((set|grant|update|change|assign|revoke)(User|Account|Member)?(Roles?|Permissions?|Admin)"
    r"|(promote|demote)(User|Account|Member|ToAdmin)?|make(User)?Admin)$"
)
_SAVES = frozenset({"save", "update", "persist", "flush", "$save"})
#: `UPDATE <table> SET`, found once per string; the SET clause is then read up to WHERE
_SQL_UPDATE = re.compile(r"(?i)\bupdate\s++[\w.\"`]++\s++set\b")
_SQL_PRIVILEGE = re.compile(
    r"(?i)[\s,\"`](role|roles|is_admin|isadmin|admin|is_superuser|permissions|access_level)"
    r"[\"`]?\s*+="
)


def _privilege_keys(node: Node | None) -> str | None:
    """The privilege field an update's changes name, also under `$set`."""
    node = syntax.unwrap(node)
    if node is None or node.type != "object":
        return None
    for key, item, _pair in syntax.object_entries(node):
        if PRIVILEGE_FIELD.match(key):
            return key
        if key in _UPDATE_OPERATORS:
            inner = _privilege_keys(item)
            if inner is not None:
                return inner
    return None


def _changes(ctx: FileContext, method: str, args: list[Node]) -> str | None:
    """The privilege field the changes of an update call name: Sequelize's
    `update(changes, { where })` and knex's `update(changes)` carry them first, TypeORM's
    `update(id, changes)` and Mongo's `updateOne(filter, { $set })` second."""
    if method in _UPDATES_SECOND and len(args) >= 2:
        return _privilege_keys(ctx.value_of(args[1]))
    if method not in _UPDATES_EITHER or not args:
        return None
    second = ctx.value_of(args[1]) if len(args) >= 2 else None
    if second is None or syntax.object_get(second, "where") is not None:
        return _privilege_keys(ctx.value_of(args[0]))
    return _privilege_keys(second)


def _sql_sets_privilege(ctx: FileContext, node: Node) -> bool:
    text = syntax.string_value(node)
    if text is None and node.type == "template_string":
        text = syntax.text(node)
    if not text:
        return False
    found = _SQL_UPDATE.search(text)
    if found is None:
        return False
    clause = text[found.end() :]
    where = clause.lower().find(" where ")
    return _SQL_PRIVILEGE.search(" " + (clause if where < 0 else clause[:where])) is not None


def _call_changes_role(ctx: FileContext, call: Node) -> bool:
    chain = syntax.member_chain(call.child_by_field_name("function"))
    function = call.child_by_field_name("function")
    name = chain[-1] if chain else (syntax.text(function) if function is not None else "")
    if _ROLE_HELPER.match(name):
        return True
    args = syntax.call_arguments(call)
    if _changes(ctx, name, args) is not None:
        return True
    return any(
        a.type in ("string", "template_string") and _sql_sets_privilege(ctx, a) for a in args[:1]
    )


def _assigned_and_saved(ctx: FileContext, func: Node) -> Node | None:
    """`user.isAdmin = true` on a record whose `save()` the handler calls."""
    saved = {
        tuple(chain[:-1])
        for call in ctx.within(func, "call_expression")
        if (chain := syntax.member_chain(call.child_by_field_name("function")))
        and len(chain) >= 2
        and chain[-1] in _SAVES
    }
    for node in ctx.within(func, "assignment_expression"):
        chain = syntax.member_chain(node.child_by_field_name("left"))
        if chain and len(chain) >= 2 and PRIVILEGE_FIELD.match(chain[-1]):
            if chain[0] in ("req", "request", "ctx", "this"):
                continue  # the request's own user object or a class field, not a record
            if tuple(chain[:-1]) in saved:
                return node
    return None


def role_change(ctx: FileContext, func: Node) -> Node | None:
    """The node of `func` that changes a role or an admin flag of a stored record."""
    for call in ctx.within(func, "call_expression"):
        if _call_changes_role(ctx, call):
            return call
    return _assigned_and_saved(ctx, func)
