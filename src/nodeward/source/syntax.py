"""Small, typed helpers over tree-sitter nodes that every rule shares."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from nodeward.source.parse import Node

STRING_TYPES = frozenset({"string", "template_string"})
LITERAL_TYPES = frozenset({"string", "number", "true", "false", "null", "undefined", "regex"})
FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    }
)
CLASS_TYPES = frozenset({"class_declaration", "class", "abstract_class_declaration"})
#: Class fields (`load = () => ...`): TypeScript's, and JavaScript's as tree-sitter names them.
FIELD_TYPES = frozenset({"public_field_definition", "field_definition"})
# TypeScript wraps expressions in these without changing their value.
TRANSPARENT = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
        "await_expression",
    }
)


def text(node: Node | None) -> str:
    # `node.text` slices the file's bytes anew on each access: read it once. The analyses
    # call this millions of times: no test of `None` before the access (an exception is
    # the rare case) and no keyword argument, a fifth of the time of a call.
    try:
        return node.text.decode("utf-8", "replace")  # type: ignore[union-attr]
    except AttributeError:  # no node, or one of a tree parsed without its source
        return ""


def unwrap(node: Node | None) -> Node | None:
    """Strip parentheses, TS casts (`x as T`, `x!`, `<T>x`) and `await`."""
    while node is not None and node.type in TRANSPARENT:
        inner = [c for c in node.named_children if c.type not in ("type_identifier",)]
        node = inner[0] if inner else None
    return node


def outermost(node: Node) -> Node:
    """`node` with the parentheses, casts and `await`s around it (unwrap's inverse): what
    its parent holds in the field `node` fills."""
    while node.parent is not None and node.parent.type in TRANSPARENT:
        node = node.parent
    return node


def line_of(node: Node) -> int:
    return node.start_point.row + 1


def column_of(node: Node) -> int:
    return node.start_point.column + 1


def string_value(node: Node | None) -> str | None:
    """The value of a string literal, or of a template literal without substitutions."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        written = text(node)
        if "\\" not in written and len(written) > 1 and written[0] == written[-1]:
            # no escape sequence: the text between the quotes is the value (and the
            # node's children list, which py-tree-sitter keeps on indexed nodes, is not made)
            return written[1:-1]
        return "".join(
            text(c) if c.type == "string_fragment" else _unescape(text(c))
            for c in node.named_children
        )
    if node.type == "template_string":
        written = text(node)
        if "${" in written and any(c.type == "template_substitution" for c in node.named_children):
            return None
        return written[1:-1]
    return None


def _unescape(sequence: str) -> str:
    simple = {"\\n": "\n", "\\t": "\t", "\\'": "'", '\\"': '"', "\\\\": "\\"}
    return simple.get(sequence, sequence[1:] if sequence.startswith("\\") else sequence)


def number_value(node: Node | None) -> float | None:
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "unary_expression" and text(node).startswith("-"):
        inner = number_value(node.named_children[0]) if node.named_children else None
        return -inner if inner is not None else None
    if node.type != "number":
        return None
    raw = text(node).replace("_", "")
    try:
        return float(int(raw, 0)) if raw.lower().startswith(("0x", "0o", "0b")) else float(raw)
    except ValueError:
        return None


def bool_value(node: Node | None) -> bool | None:
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "true":
        return True
    if node.type == "false":
        return False
    if node.type == "unary_expression" and text(node) in ("!0", "!1"):
        return text(node) == "!0"
    return None


def is_literal(node: Node | None) -> bool:
    """True for constants: literals, template strings without substitutions, and arrays,
    objects or concatenations made only of constants."""
    node = unwrap(node)
    if node is None:
        return False
    if node.type in LITERAL_TYPES:
        return True
    if node.type == "template_string":
        return string_value(node) is not None
    if node.type == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        return is_literal(left) and is_literal(right)
    if node.type == "array":
        return all(is_literal(c) for c in node.named_children)
    if node.type == "unary_expression":
        return all(is_literal(c) for c in node.named_children)
    return False


def operator(node: Node) -> str:
    """The operator of a binary or assignment expression as written, "" when it has none:
    the token's type, which is its text, read without decoding the source."""
    token = node.child_by_field_name("operator")
    return "" if token is None or token.is_missing else token.type


def call_arguments(call: Node) -> list[Node]:
    """The argument expressions of a call or `new` expression (comments left out)."""
    args = call.child_by_field_name("arguments")
    if args is None or args.type != "arguments":
        return []
    return [a for a in args.named_children if a.type != "comment"]


def property_key(pair: Node) -> str | None:
    key = pair.child_by_field_name("key")
    if key is None:
        return None
    if key.type in ("property_identifier", "identifier", "number"):
        return text(key)
    return string_value(key)


def object_entries(obj: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key, value, pair) for each literal-keyed property of an object literal. Shorthand
    properties (`{ secret }`) yield the identifier as value."""
    obj = unwrap(obj)
    if obj is None or obj.type != "object":
        return
    for child in obj.named_children:
        if child.type == "pair":
            key = property_key(child)
            value = child.child_by_field_name("value")
            if key is not None and value is not None:
                yield key, value, child
        elif child.type == "shorthand_property_identifier":
            yield text(child), child, child
        elif child.type == "method_definition":
            name = child.child_by_field_name("name")
            if name is not None:
                yield text(name), child, child


def object_get(obj: Node | None, dotted: str) -> Node | None:
    """The value at `a.b.c` inside nested object literals, or None."""
    current = obj
    for part in dotted.split("."):
        found = None
        for key, value, _pair in object_entries(current):
            if key == part:
                found = value
        if found is None:
            return None
        current = found
    return current


def object_has(obj: Node | None, key: str) -> bool:
    return any(k == key for k, _v, _p in object_entries(obj))


def has_spread(obj: Node | None) -> bool:
    obj = unwrap(obj)
    return obj is not None and any(c.type == "spread_element" for c in obj.named_children)


def member_chain(node: Node | None) -> list[str] | None:
    """`a.b.c` -> ['a', 'b', 'c']; `a['b']` -> ['a', 'b']; None for anything else."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type in ("identifier", "this", "super"):
        return [text(node)]
    if node.type == "member_expression":
        obj = member_chain(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        return [*obj, text(prop)]
    if node.type == "subscript_expression":
        obj = member_chain(node.child_by_field_name("object"))
        key = string_value(node.child_by_field_name("index"))
        if obj is None or key is None:
            return None
        return [*obj, key]
    return None


def this_member(node: Node | None) -> str | None:
    """`x` for `this.x` and `this["x"]` (as member_chain reads them); None for any other
    expression: the member a constructor or method writes."""
    chain = member_chain(node)
    return chain[1] if chain is not None and len(chain) == 2 and chain[0] == "this" else None


def leftmost_operand(node: Node | None) -> Node | None:
    """The first operand of a `+` chain: `"/a?x=" + q + "&y"` -> `"/a?x="`."""
    node = unwrap(node)
    while node is not None and node.type == "binary_expression":
        node = unwrap(node.child_by_field_name("left"))
    return node


def literal_prefix(node: Node | None) -> str | None:
    """The constant text an expression starts with: `"/login?next=" + x` -> "/login?next=",
    `` `Hi ${q}` `` -> "Hi "; None when it starts with something else."""
    head = leftmost_operand(node)
    if head is None:
        return None
    if head.type == "template_string":
        return text(head)[1:].split("${", 1)[0]
    return string_value(head)


def dotted_name(node: Node | None) -> str | None:
    chain = member_chain(node)
    return ".".join(chain) if chain else None


def walk(node: Node) -> Iterator[Node]:
    """`node`, then every named descendant of it, depth first in document order, without
    recursion. (walk_with_depth() without the depth: rules call this millions of times,
    and a generator wrapping another costs a third more.)"""
    yield node
    cursor = node.walk()
    if not cursor.goto_first_child():
        return
    depth = 1
    while True:
        current = cursor.node
        if current is not None and current.is_named:
            yield current
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if depth == 1 or not cursor.goto_parent():
                return
            depth -= 1


def walk_skipping(node: Node, skipped: frozenset[str]) -> Iterator[Node]:
    """Like walk(), without the descendants whose type is in `skipped` (nor what they
    contain): `walk_skipping(func, FUNCTION_TYPES)` is a function's own code."""
    yield node
    cursor = node.walk()
    if not cursor.goto_first_child():
        return
    depth = 1
    while True:
        current = cursor.node
        enter = False
        if current is not None and current.is_named and current.type not in skipped:
            yield current
            enter = True
        if enter and cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if depth == 1 or not cursor.goto_parent():
                return
            depth -= 1


def returned_values(func: Node) -> list[Node]:
    """The expressions a function returns: its own `return`s (not those of functions
    nested in it), or an arrow function's expression body."""
    body = func.child_by_field_name("body")
    if body is None:
        return []
    if body.type != "statement_block":
        return [body] if func.type == "arrow_function" else []
    return [
        node.named_children[0]
        for node in walk_skipping(body, FUNCTION_TYPES)
        if node.type == "return_statement" and node.named_children
    ]


def named_children(node: Node) -> Iterator[Node]:
    """`node.named_children` without caching them on `node` (see walk_with_depth): for
    passes over every node of a kind that the file index keeps."""
    cursor = node.walk()
    if not cursor.goto_first_child():
        return
    while True:
        child = cursor.node
        if child is not None and child.is_named:
            yield child
        if not cursor.goto_next_sibling():
            return


def walk_with_depth(node: Node) -> Iterator[tuple[Node, int]]:
    """Like walk(), with each node's depth below `node`.

    A tree cursor, not `named_children`: py-tree-sitter caches a node's children list on
    the node object, so a walk through `named_children` keeps a Python object alive for
    every node below any node that is kept (the file index keeps many): about 200 bytes
    per node instead of the cursor's 70, and twice as slow."""
    yield node, 0
    cursor = node.walk()
    if not cursor.goto_first_child():
        return
    depth = 1
    while True:
        current = cursor.node
        if current is not None and current.is_named:
            yield current, depth
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            # the cursor cannot leave `node`: at depth 1 going up returns to it: done
            if depth == 1 or not cursor.goto_parent():
                return
            depth -= 1


#: How far up the tree an ancestor search goes. Real code nests functions and blocks a
#: few dozen levels deep; generated code (a 3,000-call method chain) nests thousands, and
#: an unbounded walk from every node of it is quadratic. Past the bound: "not found".
MAX_ANCESTORS = 256


def ancestors(node: Node) -> Iterator[Node]:
    """The parents of `node`, nearest first, at most MAX_ANCESTORS of them."""
    parent = parent_of(node)
    for _ in range(MAX_ANCESTORS):
        if parent is None:
            return
        yield parent
        parent = parent_of(parent)


@lru_cache(maxsize=1 << 16)
def parent_of(node: Node) -> Node | None:
    """`node.parent`, remembered: tree-sitter finds a parent by descending from the root,
    O(depth), so the ancestor searches that start from each call of a 3,000-call chain
    (each one level below the last) were cubic: minutes for one generated file."""
    return node.parent


def enclosing_function(node: Node) -> Node | None:
    return next((p for p in ancestors(node) if p.type in FUNCTION_TYPES), None)


def function_params(func: Node) -> list[Node]:
    params = func.child_by_field_name("parameters")
    if params is None:
        single = func.child_by_field_name("parameter")
        return [single] if single is not None else []
    return [p for p in params.named_children if p.type != "comment"]


def param_name(param: Node) -> str | None:
    """The bound name of a parameter (`req`, `req: Request`, `req = x`)."""
    if param.type == "identifier":
        return text(param)
    if param.type in ("required_parameter", "optional_parameter"):
        pattern = param.child_by_field_name("pattern")
        return text(pattern) if pattern is not None and pattern.type == "identifier" else None
    if param.type == "assignment_pattern":
        left = param.child_by_field_name("left")
        return text(left) if left is not None and left.type == "identifier" else None
    return None
