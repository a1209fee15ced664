"""SQL built by concatenation or a template literal (NW101) rewritten to placeholders with
a values array, for the driver in use: `?` for mysql, mysql2 and sqlite3, `$1, $2, ...`
for pg, `?` with bindings for knex.raw. Only when the query text is written at the call,
every interpolated value stands where an SQL value goes (after `=`, `<`, `LIKE`, `IN (`,
a comma, ...), and a quoted value is quoted whole (`'` + name + `'`); names of tables and
columns cannot be placeholders."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding
from nodeward.fix import jsedit
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.source import syntax
from nodeward.source.parse import Node

QUESTION_MARK_DRIVERS = frozenset(
    {"mysql", "mysql2", "mysql2/promise", "sqlite3", "sequelize", "knex"}
)
#: knex takes bindings in `knex.raw(sql, bindings)` (its builders' whereRaw() calls are
#: left to a person).
KNEX_RAW_METHODS = frozenset({"raw"})
#: Drivers whose values go into the options (`{ replacements: [...] }`), not an array.
OPTIONS_DRIVERS = frozenset({"sequelize"})
NUMBERED_DRIVERS = frozenset({"pg"})
#: SQL text that a value may follow.
VALUE_POSITION = re.compile(
    r"(?:[=<>(,]|\b(?:like|in|values|limit|offset|between|and|then|else|when|is|not))\s*$",
    re.IGNORECASE,
)
_DRIVER_IN_MESSAGE = re.compile(r"flows into (\S+) ")


def _driver(file: FileText, call: Node, finding: Finding) -> str | None:
    ref = file.ctx.callee(call)
    module = ref.module if ref is not None else None
    known = QUESTION_MARK_DRIVERS | NUMBERED_DRIVERS
    if module not in known:
        # the taint engine names the sink it matched: "flows into mysql query()", or the
        # callee as written through a project module ("models.sequelize.query()")
        match = _DRIVER_IN_MESSAGE.search(finding.message)
        words = match.group(1).removesuffix("()").split(".") if match else []
        module = next((w for w in words if w in known), None)
    fn = call.child_by_field_name("function")
    method = fn.child_by_field_name("property") if fn is not None else None
    name = syntax.text(method) if method is not None else ""
    if module in OPTIONS_DRIVERS:
        return module if name == "query" else None
    if module == "knex":
        return module if name in KNEX_RAW_METHODS else None
    if module in QUESTION_MARK_DRIVERS or module in NUMBERED_DRIVERS:
        return module
    return None


def _pieces(node: Node) -> list[Node] | None:
    """The operands of a `+` chain, left to right (None for another operator)."""
    node = syntax.unwrap(node) or node
    if node.type != "binary_expression":
        return [node]
    if syntax.text(node.child_by_field_name("operator")) != "+":
        return None
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return None
    head, tail = _pieces(left), _pieces(right)
    return head + tail if head is not None and tail is not None else None


def _template_parts(node: Node) -> tuple[list[str], list[Node]]:
    """A template literal's raw text pieces and its substitutions, interleaved: texts
    has one more item than values."""
    texts: list[str] = []
    values: list[Node] = []
    current: list[bytes] = []
    inner_start = node.start_byte + 1
    position = inner_start
    source = node.text or b""
    for child in node.named_children:
        if child.type == "template_substitution":
            current.append(source[position - node.start_byte : child.start_byte - node.start_byte])
            texts.append(b"".join(current).decode("utf-8", "replace"))
            current = []
            expression = child.named_children[0] if child.named_children else child
            values.append(expression)
            position = child.end_byte
    current.append(source[position - node.start_byte : node.end_byte - 1 - node.start_byte])
    texts.append(b"".join(current).decode("utf-8", "replace"))
    return texts, values


def _concatenation_parts(pieces: list[Node]) -> tuple[list[str], list[Node], str] | None:
    """Raw string texts and values of a `+` chain of strings (all in one quote) and
    values, and the quote; None when two values meet or the quotes differ."""
    texts: list[str] = [""]
    values: list[Node] = []
    quotes: set[str] = set()
    for piece in pieces:
        if piece.type == "string":
            raw = syntax.text(piece)
            quotes.add(raw[0])
            texts[-1] += raw[1:-1]
        else:
            if len(texts) == len(values) + 1 and values and texts[-1] == "":
                return None  # x + y: where does one value end
            values.append(piece)
            texts.append("")
    if len(quotes) != 1:
        return None
    return texts, values, quotes.pop()


def _with_placeholders(texts: list[str], driver: str) -> str | None:
    """The query text with a placeholder for each value, or None when a value is not in
    a value position or is only part of a quoted string."""
    out = texts[0]
    for index, following in enumerate(texts[1:], start=1):
        quote = out[-1:] if out[-1:] in ("'", '"') else ""
        if quote:
            if not following.startswith(quote):
                return None  # '%' + x + '%' and the like: part of a string
            out, following = out[:-1], following[1:]
        if not VALUE_POSITION.search(out):
            return None
        out += "?" if driver in QUESTION_MARK_DRIVERS else f"${index}"
        out += following
    return out


def _sql(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    for finding in findings:
        file = jsedit.source_file(workspace, finding)
        node = jsedit.node_under(file, finding) if file is not None else None
        call = jsedit.enclosing(node, "call_expression")
        if file is None or call is None:
            yield NeedsPerson(finding, "the query is not a call the fix can read")
            continue
        proposal = _rewrite(file, call, finding)
        yield proposal


def _rewrite(file: FileText, call: Node, finding: Finding) -> Proposal:
    driver = _driver(file, call, finding)
    args = syntax.call_arguments(call)
    if driver is None:
        return NeedsPerson(
            finding,
            "placeholders are written only for mysql, mysql2, pg, sqlite3, sequelize, knex.raw",
        )
    query = syntax.unwrap(args[0]) if args else None
    if query is None or query.type not in ("binary_expression", "template_string"):
        where = finding.flow[-2].location if len(finding.flow) > 1 else None
        built = f" ({where.path}:{where.line})" if where is not None else ""
        return NeedsPerson(
            finding, f"the SQL text is built elsewhere{built}: pass the values to the driver there"
        )
    if driver not in OPTIONS_DRIVERS and len(args) > 1 and _is_values(args[1]):
        return NeedsPerson(finding, "the call already passes values: merge them by hand")
    if query.type == "template_string":
        texts, values = _template_parts(query)
        quote = "`"
    else:
        pieces = _pieces(query)
        parts = _concatenation_parts(pieces) if pieces is not None else None
        if parts is None:
            return NeedsPerson(finding, "the query mixes values in a way the fix cannot split")
        texts, values, quote = parts
    if not values or any(v.type in ("string", "template_string") for v in values):
        return NeedsPerson(finding, "the query mixes values in a way the fix cannot split")
    text = _with_placeholders(texts, driver)
    if text is None:
        return NeedsPerson(
            finding, "a value stands where SQL needs a name or part of a string: check it by hand"
        )
    listed = ", ".join(syntax.text(v) for v in values)
    values_edit = (
        _replacements(file, args, listed)
        if driver in OPTIONS_DRIVERS
        else Edit(file.rel, args[0].end_byte, args[0].end_byte, f", [{listed}]")
    )
    if values_edit is None:
        return NeedsPerson(finding, "the query options already bind values: merge them by hand")
    edits = (
        Edit(file.rel, args[0].start_byte, args[0].end_byte, f"{quote}{text}{quote}"),
        values_edit,
    )
    mark = "?" if driver in QUESTION_MARK_DRIVERS else "$n"
    return Fix(f"pass the values to {driver} as parameters ({mark})", (finding,), edits)


def _is_values(node: Node) -> bool:
    return (syntax.unwrap(node) or node).type in ("array", "object")


def _replacements(file: FileText, args: list[Node], listed: str) -> Edit | None:
    """sequelize.query(sql, { ..., replacements: [...] })."""
    entry = f"replacements: [{listed}]"
    if len(args) == 1:
        return Edit(file.rel, args[0].end_byte, args[0].end_byte, f", {{ {entry} }}")
    options = syntax.unwrap(args[1])
    if (
        options is None
        or options.type != "object"
        or syntax.has_spread(options)
        or syntax.object_has(options, "replacements")
        or syntax.object_has(options, "bind")
    ):
        return None
    return jsedit.add_properties(file, options, [entry])


FIXERS: Iterable[Fixer] = (Fixer("sql-placeholders", frozenset({"NW101"}), _sql),)
