"""Project functions that are unsafe merges: a recursive merge / deep-extend that copies
the keys of one parameter into nested objects, or a set-by-path that walks into an object
along a parameter's keys, neither guarding `__proto__` and `constructor`.

Given `{"__proto__": {"isAdmin": true}}`, a recursive merge reads `target["__proto__"]`
(Object.prototype) and merges into it; given `"__proto__.isAdmin"` (or
`"constructor.prototype.isAdmin"`), a set-by-path walks to Object.prototype and writes.
Both need two steps, a descent and a write; a shallow copy (`out[k] = src[k]`) only
changes one object's own prototype and is not reported.

The analysis is syntactic over the function (with its nested callbacks) and memoised per
function, so a project calling its `deepMerge` from a hundred handlers reads it once.

What counts as a guard:
- string literals `"__proto__"` and one of `"constructor"` / `"prototype"` in the function
  or in a same-file constant or helper it names (`if (BLOCKED.has(key)) continue`,
  `isUnsafeKey(key)`): a comparison, a blocklist, a regex. `"__proto__"` alone still
  leaves `constructor.prototype` open: reported, at medium confidence.
- an own-property test on the *target* (`Object.prototype.hasOwnProperty.call(target, k)`,
  `Object.hasOwn(target, k)`, `target.hasOwnProperty(k)`): `__proto__` and `constructor`
  are inherited, never own, so the merge never descends into them. The same test on the
  *source* protects nothing: `JSON.parse` makes `__proto__` an own key of the source.
  `key in target` is not a guard either (it sees inherited keys).
- a `Map`, or `Object.defineProperty`, writes no subscript and is never matched.
`Object.create(null)` for the intermediate objects is not a guard by itself: the first
step still reads the caller's object.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import Enum

from nodeward.findings import Confidence, FlowStep
from nodeward.source import syntax
from nodeward.source.context import FileContext
from nodeward.source.parse import Node
from nodeward.source.taint.values import Taint

#: Derived-name propagation passes; real merge helpers settle in two or three.
MAX_PASSES = 4
#: Functions longer than this are not merge helpers (bundles, generated code).
MAX_FUNCTION_BYTES = 20_000

_KEY_LISTS = frozenset(
    {"Object.keys", "Object.getOwnPropertyNames", "Reflect.ownKeys", "Object.entries"}
)
_ITERATING_METHODS = frozenset({"forEach", "map", "reduce", "some", "every", "filter", "flatMap"})
_WALKING_METHODS = frozenset({"reduce", "forEach", "every", "some"})
_PROTO_KEY = "__proto__"
_CONSTRUCTOR_KEYS = ("constructor", "prototype")
_OWN_TESTS = ("hasOwnProperty", "Object.hasOwn")


class MergeKind(Enum):
    RECURSIVE_MERGE = "recursive merge"
    PATH_SET = "set-by-path"


@dataclass(frozen=True)
class UnsafeMerge:
    """A project function that writes attacker-chosen keys into nested objects."""

    kind: MergeKind
    #: The parameter whose keys (a merge's source) or path (a set-by-path) pick where to write.
    param: int
    #: The function takes any number of sources from `param` on (`...sources`, `arguments`).
    variadic: bool
    #: Blocks `__proto__` but not `constructor` / `prototype`.
    proto_only: bool
    line: int

    def indexes(self, count: int) -> range:
        """The call's argument positions that reach the unsafe parameter."""
        if self.param >= count:
            return range(0)
        return range(self.param, count if self.variadic else self.param + 1)

    @property
    def confidence(self) -> Confidence:
        return Confidence.MEDIUM if self.proto_only else Confidence.HIGH

    def describe(self, rel: str) -> str:
        guard = "guards __proto__ but not constructor" if self.proto_only else "no __proto__ guard"
        return f"{self.kind.value} ({guard}) at {rel}:{self.line}"

    def reaching(self, taint: Taint, step: FlowStep) -> Taint:
        """The traces that can pollute through this function, with the function as a step:
        a merge needs an object (a string has no `__proto__` key), a path any string."""
        return frozenset(
            replace(t, steps=(*t.steps, step))
            for t in taint
            if self.kind is MergeKind.PATH_SET or t.maybe_object
        )


@dataclass
class MergeIndex:
    """`unsafe_merge` memoised per function."""

    _found: dict[tuple[str, int], UnsafeMerge | None] = field(default_factory=dict)

    def of(self, ctx: FileContext, func: Node) -> UnsafeMerge | None:
        key = (ctx.rel, func.start_byte)
        if key not in self._found:
            self._found[key] = unsafe_merge(ctx, func)
        return self._found[key]


def unsafe_merge(ctx: FileContext, func: Node) -> UnsafeMerge | None:
    """Whether `func` is a recursive merge or a set-by-path without a key guard."""
    if (
        func.type not in syntax.FUNCTION_TYPES
        or func.end_byte - func.start_byte > MAX_FUNCTION_BYTES
    ):
        return None
    writes = ctx.nodes_within(func, "assignment_expression", "augmented_assignment_expression")
    if not any(_computed_key_write(node) for node in writes):
        return None  # both shapes end in `target[key] = value`: most functions stop here
    nodes = list(syntax.walk(func))
    found = _recursive_merge(func, nodes) or _path_set(func, nodes)
    if found is None:
        return None
    kind, param, variadic, targets = found
    literals = _guard_literals(ctx, func, nodes)
    if _PROTO_KEY in literals and literals & set(_CONSTRUCTOR_KEYS):
        return None
    if _tests_own_key(ctx, nodes, targets):
        return None
    return UnsafeMerge(kind, param, variadic, _PROTO_KEY in literals, syntax.line_of(func))


def _computed_key_write(node: Node) -> bool:
    """`x[key] = value` (or `??=`, `||=`, ...): a write under a computed key."""
    if node.type not in ("assignment_expression", "augmented_assignment_expression"):
        return False
    left = syntax.unwrap(node.child_by_field_name("left"))
    return left is not None and left.type == "subscript_expression"


# -- recursive merge ------------------------------------------------------------------

_Found = tuple[MergeKind, int, bool, set[str]]


def _recursive_merge(func: Node, nodes: list[Node]) -> _Found | None:
    """`for (const key in source) { ... merge(target[key], source[key]) ... target[key] =
    source[key] }`, in its for-in / Object.keys / Object.entries / forEach spellings."""
    sources = _source_params(func, nodes)
    keys: dict[str, tuple[int, bool]] = {}
    for node in nodes:
        for name, origin in _key_bindings(node, sources, nodes):
            keys.setdefault(name, origin)
    if not keys:
        return None
    iterated = {name for name, origin in sources.items() if origin in keys.values()}
    targets = {
        root
        for node in nodes
        if (root := _keyed_write(node, set(keys))) is not None and root not in iterated
    }
    names = _self_names(func)
    for node in nodes:
        if node.type != "call_expression" or not _calls_self(node, names):
            continue
        for index, arg in enumerate(syntax.call_arguments(node)):
            keyed = _keyed_read_roots(arg, set(keys), nodes)
            for key_name, (param, variadic) in keys.items():
                if index == param or (variadic and index >= param):
                    continue  # the source's own value: merge({}, source[key]) copies
                if key_name in keyed and targets:
                    return MergeKind.RECURSIVE_MERGE, param, variadic, targets
    return None


def _source_params(func: Node, nodes: list[Node]) -> dict[str, tuple[int, bool]]:
    """Parameter names -> (index, variadic); `...sources` and `arguments[i]` elements
    iterated by for-of / forEach count as sources from their position on."""
    found: dict[str, tuple[int, bool]] = {}
    rests: dict[str, int] = {}
    for index, param in enumerate(syntax.function_params(func)):
        name = syntax.param_name(param)
        if name is not None:
            found[name] = (index, False)
            continue
        rest = next((n for n in syntax.walk(param) if n.type == "rest_pattern"), None)
        if rest is not None and rest.named_children:  # `...sources` / `...sources: T[]`
            rests[syntax.text(rest.named_children[0])] = index
    for node in nodes:
        if node.type == "variable_declarator":  # `var source = arguments[i]`
            value = syntax.unwrap(node.child_by_field_name("value"))
            bound = node.child_by_field_name("name")
            if (
                value is not None
                and value.type == "subscript_expression"
                and syntax.text(value.child_by_field_name("object")) == "arguments"
                and bound is not None
                and bound.type == "identifier"
            ):
                position = syntax.number_value(value.child_by_field_name("index"))
                found[syntax.text(bound)] = (int(position) if position is not None else 1, True)
        for name, over in _iteration_bindings(node):
            if syntax.text(syntax.unwrap(over)) in rests:
                found[name] = (rests[syntax.text(syntax.unwrap(over))], True)
    return found


def _iteration_bindings(node: Node) -> Iterator[tuple[str, Node]]:
    """(element name, iterated expression) for `for (x of xs)`, `for (k in o)` and
    `xs.forEach((x) => ...)`; for `[k, v]` patterns the first name."""
    if node.type == "for_in_statement":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        name = _first_name(left)
        if name is not None and right is not None:
            yield name, right
    elif node.type == "call_expression":
        callee = syntax.unwrap(node.child_by_field_name("function"))
        args = syntax.call_arguments(node)
        if (
            callee is None
            or callee.type != "member_expression"
            or not args
            or args[0].type not in syntax.FUNCTION_TYPES
        ):
            return
        method = syntax.text(callee.child_by_field_name("property"))
        params = syntax.function_params(args[0])
        position = 1 if method == "reduce" else 0
        receiver = callee.child_by_field_name("object")
        if method in _ITERATING_METHODS and len(params) > position and receiver is not None:
            name = _first_name(params[position])
            if name is not None:
                yield name, receiver


def _first_name(pattern: Node | None) -> str | None:
    """`k`, `const k`, `[k, v]`, `k: string` -> "k"."""
    node = syntax.unwrap(pattern)
    if node is None:
        return None
    if node.type == "array_pattern":
        node = node.named_children[0] if node.named_children else None
    if node is None:
        return None
    return syntax.text(node) if node.type == "identifier" else syntax.param_name(node)


def _key_bindings(
    node: Node, sources: dict[str, tuple[int, bool]], nodes: list[Node]
) -> Iterator[tuple[str, tuple[int, bool]]]:
    """Key variables iterating a source's keys: `for (k in source)`, `for (k of
    Object.keys(source))`, `Object.entries(source).forEach(([k, v]) => ...)`."""
    for name, over in _iteration_bindings(node):
        for_in = (
            node.type == "for_in_statement"
            and syntax.text(node.child_by_field_name("operator")) == "in"
        )
        target = syntax.unwrap(over)
        if for_in and target is not None and syntax.text(target) in sources:
            yield name, sources[syntax.text(target)]
        elif not for_in:
            listed = _listed_source(target, nodes)
            if listed is not None and listed in sources:
                yield name, sources[listed]


def _listed_source(node: Node | None, nodes: list[Node]) -> str | None:
    """`Object.keys(source)` -> "source", also through `const keys = Object.keys(source)`."""
    node = syntax.unwrap(node)
    if node is not None and node.type == "identifier":
        name = syntax.text(node)
        node = next(
            (
                syntax.unwrap(n.child_by_field_name("value"))
                for n in nodes
                if n.type == "variable_declarator"
                and syntax.text(n.child_by_field_name("name")) == name
            ),
            None,
        )
    if node is None or node.type != "call_expression":
        return None
    args = syntax.call_arguments(node)
    if syntax.text(node.child_by_field_name("function")) not in _KEY_LISTS or not args:
        return None
    return syntax.text(syntax.unwrap(args[0]))


def _self_names(func: Node) -> set[str]:
    """The names a function calls itself by: its own, the variable, property or export
    it is assigned to."""
    names = set()
    own = func.child_by_field_name("name")
    if own is not None:
        names.add(syntax.text(own))
    parent = func.parent
    while parent is not None and parent.type in ("parenthesized_expression", "as_expression"):
        parent = parent.parent
    if parent is not None:
        match parent.type:
            case "variable_declarator" | "public_field_definition" | "field_definition":
                names.add(syntax.text(parent.child_by_field_name("name")))
            case "pair":
                names.add(syntax.property_key(parent) or "")
            case "assignment_expression":
                chain = syntax.member_chain(parent.child_by_field_name("left"))
                if chain and chain[-1] not in ("exports", "default"):
                    names.add(chain[-1])
            case _:
                pass
    return names - {""}


def _calls_self(call: Node, names: set[str]) -> bool:
    callee = syntax.unwrap(call.child_by_field_name("function"))
    if callee is None:
        return False
    if callee.type == "identifier":
        return syntax.text(callee) in names
    if callee.type == "member_expression":  # this.merge, exports.merge, Utils.merge
        return syntax.text(callee.child_by_field_name("property")) in names
    return False


def _keyed_write(node: Node, keys: set[str]) -> str | None:
    """The root variable of `target[key] = ...` / `target[key] ??= {}` for a key name."""
    if node.type not in ("assignment_expression", "augmented_assignment_expression"):
        return None
    left = syntax.unwrap(node.child_by_field_name("left"))
    if left is None or left.type != "subscript_expression":
        return None
    if not _mentions(left.child_by_field_name("index"), keys):
        return None
    return _root(left.child_by_field_name("object"))


def _keyed_read_roots(arg: Node, keys: set[str], nodes: list[Node]) -> set[str]:
    """The key names `arg` reads a subscript with: `target[key]`, `(target[key] ??= {})`,
    or a variable initialised with one (`const next = target[key] || {}`)."""
    found: set[str] = set()
    names: set[str] = set()
    for node in syntax.walk(arg):
        if node.type == "subscript_expression":
            found |= _named(node.child_by_field_name("index"), keys)
        elif node.type == "identifier":
            names.add(syntax.text(node))
    for node in nodes:
        if (
            node.type == "variable_declarator"
            and syntax.text(node.child_by_field_name("name")) in names
        ):
            value = node.child_by_field_name("value")
            if value is not None:
                for inner in syntax.walk(value):
                    if inner.type == "subscript_expression":
                        found |= _named(inner.child_by_field_name("index"), keys)
    return found


# -- set by path ----------------------------------------------------------------------


def _path_set(func: Node, nodes: list[Node]) -> _Found | None:
    """`const keys = path.split("."); for (...) cur = cur[k] = cur[k] || {}; cur[last] = v`,
    its reduce and recursive spellings, and paths given as arrays."""
    names = _self_names(func)
    for index, param in enumerate(syntax.function_params(func)):
        name = syntax.param_name(param)
        if name is None:
            continue
        derived = _derived_names(name, nodes)
        if not _used_as_path(name, derived, nodes):
            continue
        writes = {root for n in nodes if (root := _keyed_write(n, derived)) is not None}
        walkers = _walkers(derived, nodes) | _recursive_descents(names, index, derived, nodes)
        if writes & walkers:
            return MergeKind.PATH_SET, index, False, writes & walkers
    return None


def _derived_names(param: str, nodes: list[Node]) -> set[str]:
    """`param` and the variables computed from it: its parts, the current part, the last."""
    derived = {param}
    for _ in range(MAX_PASSES):
        before = len(derived)
        for node in nodes:
            if node.type == "variable_declarator":
                value = node.child_by_field_name("value")
                if _mentions(value, derived):
                    derived |= _bound_names(node.child_by_field_name("name"))
            elif node.type == "assignment_expression":
                left = syntax.unwrap(node.child_by_field_name("left"))
                if (
                    left is not None
                    and left.type == "identifier"
                    and _mentions(node.child_by_field_name("right"), derived)
                ):
                    derived.add(syntax.text(left))
            for name, over in _iteration_bindings(node):
                if _mentions(over, derived):
                    derived.add(name)
                    if node.type == "call_expression" and _callback_params(node):
                        derived |= set(_callback_params(node)[1:]) - {""}  # not the acc
        if len(derived) == before:
            break
    return derived


def _callback_params(call: Node) -> list[str]:
    args = syntax.call_arguments(call)
    if not args or args[0].type not in syntax.FUNCTION_TYPES:
        return []
    return [syntax.param_name(p) or "" for p in syntax.function_params(args[0])]


def _used_as_path(param: str, derived: set[str], nodes: list[Node]) -> bool:
    """The parameter is split into keys, or iterated as an array of keys."""
    for node in nodes:
        if node.type == "call_expression":
            callee = syntax.unwrap(node.child_by_field_name("function"))
            if (
                callee is not None
                and callee.type == "member_expression"
                and syntax.text(callee.child_by_field_name("property")) == "split"
                and _is_param_text(callee.child_by_field_name("object"), param)
            ):
                return True
        if (
            node.type == "for_in_statement"
            and syntax.text(node.child_by_field_name("operator")) == "in"
        ):
            continue  # `for (k in obj)` iterates an object's keys: a merge, not a path
        for _name, over in _iteration_bindings(node):
            if syntax.text(syntax.unwrap(over)) == param:
                return True
    return False


def _is_param_text(node: Node | None, param: str) -> bool:
    """`path`, `String(path)`, `` `${path}` ``, `path as string`: the parameter itself, not
    a value computed from it (`options.path` of an options object is not a path helper)."""
    node = syntax.unwrap(node)
    if node is None:
        return False
    if node.type == "identifier":
        return syntax.text(node) == param
    if node.type == "call_expression" and syntax.text(node.child_by_field_name("function")) in (
        "String",
        f"{param}.toString",
    ):
        args = syntax.call_arguments(node)
        return not args or _is_param_text(args[0], param)
    if node.type == "template_string":
        inner = [n for n in node.named_children if n.type == "template_substitution"]
        return (
            len(inner) == 1
            and bool(inner[0].named_children)
            and _is_param_text(inner[0].named_children[0], param)
        )
    return False


def _walkers(derived: set[str], nodes: list[Node]) -> set[str]:
    """Variables that step into the object along the keys: `cur = cur[k]`, `cur = cur[k] =
    cur[k] || {}`, or a reduce accumulator the callback returns `acc[k]` as."""
    found: set[str] = set()
    for node in nodes:
        if node.type == "assignment_expression":
            left = syntax.unwrap(node.child_by_field_name("left"))
            right = node.child_by_field_name("right")
            if left is None or left.type != "identifier" or right is None:
                continue
            name = syntax.text(left)
            if any(
                n.type == "subscript_expression"
                and _root(n.child_by_field_name("object")) == name
                and _mentions(n.child_by_field_name("index"), derived)
                for n in syntax.walk(right)
            ):
                found.add(name)
        elif node.type == "call_expression":
            callee = syntax.unwrap(node.child_by_field_name("function"))
            method = syntax.text(callee.child_by_field_name("property")) if callee else ""
            params = _callback_params(node)
            if method != "reduce" or not params or not params[0]:
                continue
            callback = syntax.call_arguments(node)[0]
            returned = _returned(callback)
            if any(
                n.type == "subscript_expression"
                and _root(n.child_by_field_name("object")) == params[0]
                and _mentions(n.child_by_field_name("index"), derived)
                for r in returned
                for n in syntax.walk(r)
            ):
                found.add(params[0])
    return found


def _recursive_descents(
    names: set[str], path_index: int, derived: set[str], nodes: list[Node]
) -> set[str]:
    """`set(obj[head] ??= {}, rest, value)`: the roots of the objects a self-call steps into."""
    found: set[str] = set()
    for node in nodes:
        if node.type != "call_expression" or not _calls_self(node, names):
            continue
        for index, arg in enumerate(syntax.call_arguments(node)):
            if index == path_index:
                continue
            for n in syntax.walk(arg):
                if n.type == "subscript_expression" and _mentions(
                    n.child_by_field_name("index"), derived
                ):
                    root = _root(n.child_by_field_name("object"))
                    if root is not None:
                        found.add(root)
    return found


def _returned(func: Node) -> list[Node]:
    body = func.child_by_field_name("body")
    if body is None:
        return []
    if body.type != "statement_block":
        return [body]
    return [
        n.named_children[0]
        for n in syntax.walk(body)
        if n.type == "return_statement" and n.named_children
    ]


# -- guards ---------------------------------------------------------------------------


def _guard_literals(ctx: FileContext, func: Node, nodes: list[Node]) -> set[str]:
    """Which of `__proto__`, `constructor`, `prototype` the function names in a string or
    regex, itself or through a same-file constant or helper (one level)."""
    texts = [syntax.text(n) for n in nodes if n.type in ("string", "template_string", "regex")]
    seen: set[str] = set()
    for node in nodes:
        if node.type != "identifier" or syntax.text(node) in seen:
            continue
        seen.add(syntax.text(node))
        declared = ctx.declaration(syntax.text(node))
        if declared is not None and not _inside(declared, func):
            texts.append(syntax.text(declared)[:MAX_FUNCTION_BYTES])
    return {key for key in (_PROTO_KEY, *_CONSTRUCTOR_KEYS) if _names_key(texts, key)}


def _names_key(texts: list[str], key: str) -> bool:
    """`key` as a string literal (`"__proto__"`) or inside a regex (`/^(__proto__|...)$/`)."""
    quoted = (f'"{key}"', f"'{key}'", f"`{key}`")
    return any(any(q in t for q in quoted) or (t.startswith("/") and key in t) for t in texts)


def _inside(node: Node, ancestor: Node) -> bool:
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


def _tests_own_key(ctx: FileContext, nodes: list[Node], targets: set[str]) -> bool:
    """An own-property test on the object written into (not on the source), also through
    an alias: `const has = Object.prototype.hasOwnProperty; has.call(target, key)`."""
    for node in nodes:
        if node.type != "call_expression":
            continue
        function = node.child_by_field_name("function")
        callee = syntax.text(function)
        if not any(test in callee for test in _OWN_TESTS):
            callee = syntax.text(ctx.value_of(_root_node(function)))
        if not any(test in callee for test in _OWN_TESTS):
            continue
        mentioned = {syntax.text(n) for n in syntax.walk(node) if n.type == "identifier"}
        if mentioned & targets:
            return True
    return False


# -- small helpers --------------------------------------------------------------------


def _root(node: Node | None) -> str | None:
    """The variable at the base of `a.b[c].d`."""
    current = _root_node(node)
    return syntax.text(current) if current is not None and current.type == "identifier" else None


def _root_node(node: Node | None) -> Node | None:
    current = syntax.unwrap(node)
    while current is not None and current.type in ("member_expression", "subscript_expression"):
        current = syntax.unwrap(current.child_by_field_name("object"))
    return current


def _named(node: Node | None, names: set[str]) -> set[str]:
    if node is None:
        return set()
    return {syntax.text(n) for n in syntax.walk(node) if n.type == "identifier"} & names


def _mentions(node: Node | None, names: set[str]) -> bool:
    return bool(_named(node, names))


def _bound_names(pattern: Node | None) -> set[str]:
    if pattern is None:
        return set()
    if pattern.type == "identifier":
        return {syntax.text(pattern)}
    return {
        syntax.text(n)
        for n in syntax.walk(pattern)
        if n.type in ("identifier", "shorthand_property_identifier_pattern")
    }
