"""A URL whose origin comes from configuration: `config.apiBase + "/users/" + id`,
`` `${process.env.API_ORIGIN}/items/${id}` ``, `API_BASE + req.path` with `API_BASE`
imported from a config module. The deployment, not the client, picks the host, and the
request data after the path separator only picks a path on it: no SSRF, no open redirect.
A prefix that is request data, or one that the request data follows without a `/`
(`config.apiBase + req.query.x` may go on with `@evil.example`), fixes nothing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.expressions import passed_in
from nodeward.source.taint.guards import FIXED_ORIGIN

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis

#: objects and modules that hold deployment settings
_CONFIG_NAME = re.compile(r"config|conf$|settings|constants|^env$|environment", re.I)
#: a setting that names where a service lives
_ORIGIN_NAME = re.compile(r"(url|uri|origin|base|host|endpoint|domain)$", re.I)
_FULL_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#@]+$", re.I)
#: request members that always start with "/": Express's req.path/req.originalUrl, Koa's
_REQUEST_PATHS = frozenset({"path", "originalUrl", "url"})


def fixed_by_config(fa: FunctionAnalysis, arg: Node) -> bool:
    """`arg` (or the expression a local variable `arg` was initialised with) starts with a
    configured origin followed by a path separator."""
    value = fa.ctx.value_of(arg) if syntax.unwrap(arg) is not None else None
    for candidate in (syntax.unwrap(arg), syntax.unwrap(value)):
        if candidate is not None and _configured_prefix(fa, candidate):
            return True
    return False


def _configured_prefix(fa: FunctionAnalysis, url: Node) -> bool:
    split = _head_and_next(url)
    if split is None:
        return False
    head, after = split
    if any(passed_in(t) for t in fa.eval(head)):  # the prefix is request data
        return False
    literal = syntax.string_value(syntax.unwrap(fa.ctx.value_of(head)))
    if literal is not None and FIXED_ORIGIN.match(literal):
        return True
    if not (_is_setting(fa, head) or (literal is not None and _FULL_ORIGIN.match(literal))):
        return False
    return _starts_path(after)


def _head_and_next(url: Node) -> tuple[Node, Node | str] | None:
    """The first piece of a `+` chain or template and what follows it (a node, or the
    template text after the first substitution)."""
    if url.type == "template_string":
        parts = [c for c in url.named_children if c.type == "template_substitution"]
        if not parts or syntax.text(url)[1:].split("${", 1)[0]:
            return None
        head = parts[0].named_children[0] if parts[0].named_children else None
        rest = syntax.text(url)[parts[0].end_byte - url.start_byte :]
        return (head, rest) if head is not None else None
    if url.type != "binary_expression":
        return None
    node = url
    while True:
        left = syntax.unwrap(node.child_by_field_name("left"))
        if left is None or left.type != "binary_expression":
            break
        node = left
    right = syntax.unwrap(node.child_by_field_name("right"))
    if left is None or right is None or syntax.text(node.child_by_field_name("operator")) != "+":
        return None
    return left, right


def _is_setting(fa: FunctionAnalysis, head: Node) -> bool:
    """`process.env.X`, `config.x`, `settings.api.base`, or a constant imported from a
    config module, that names an origin."""
    chain = syntax.member_chain(head)
    if chain is None:
        return False
    if chain[:2] == ["process", "env"] and len(chain) == 3:
        return True
    ref = fa.ctx.ref_of(head)
    module = ref.module.rsplit("/", 1)[-1] if ref is not None else ""
    from_config = bool(_CONFIG_NAME.search(module)) or any(
        _CONFIG_NAME.search(part) for part in chain[:-1]
    )
    return from_config and bool(_ORIGIN_NAME.search(chain[-1]))


def _starts_path(after: Node | str) -> bool:
    """What follows the origin begins a path: "/..." (not "//"), or a request's path."""
    if isinstance(after, str):
        return after.startswith("/") and not after.startswith(("//", "/\\"))
    prefix = syntax.literal_prefix(after)
    if prefix is not None:
        return prefix.startswith("/") and not prefix.startswith(("//", "/\\"))
    chain = syntax.member_chain(after)
    return (
        chain is not None
        and chain[-1] in _REQUEST_PATHS
        and chain[:-1] in (["req"], ["request"], ["ctx"], ["ctx", "request"])
    )
