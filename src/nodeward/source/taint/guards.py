"""Barrier guards: an allow-list or prefix check on a value before the sink (the sink
sits in an `if` that tests it, or after an `if` that tests it and leaves)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from nodeward.findings import FlowStep
from nodeward.source import syntax
from nodeward.source.parse import Node
from nodeward.source.taint.expressions import static_path
from nodeward.source.taint.model import ALL_KINDS, SinkKind
from nodeward.source.taint.regex_guards import loose_allow_list
from nodeward.source.taint.switch_guards import literal_case_of

if TYPE_CHECKING:
    from nodeward.source.taint.analysis import FunctionAnalysis


def guard_kinds(
    fa: FunctionAnalysis, condition: Node | None, value: Node | None
) -> frozenset[SinkKind]:
    """The sink kinds a test of `value` in `condition` rules out: an allow-list or
    prefix check rules out all, a `typeof` check only operator injection."""
    names = tainted_names(fa, value)
    if not names or condition is None or value is None:
        return frozenset()
    names.add(syntax.text(value))  # `OK.includes(ext(x)) ? ext(x) : "jpg"` tests the value
    if condition_tests(condition, names, SinkKind.SQL):
        return ALL_KINDS
    if condition_tests(condition, names, SinkKind.NOSQL):
        return frozenset({SinkKind.NOSQL})
    return frozenset()


def tainted_names(fa: FunctionAnalysis, arg: Node | None) -> set[str]:
    """The tainted variables and request reads in an expression, as written."""
    names: set[str] = set()
    for n in syntax.walk(arg) if arg is not None else ():
        if n.type in ("identifier", "shorthand_property_identifier"):
            if fa.lookup(syntax.text(n), n):
                names.add(syntax.text(n))
        elif n.type == "member_expression":
            path = static_path(n)
            if path is not None and syntax.text(path[0]) in fa.requests | fa.koa:
                names.add(syntax.text(n))
    return names


def tests_value(
    fa: FunctionAnalysis, condition: Node | None, names: set[str], kind: SinkKind
) -> bool:
    """`condition` checks the value; for URLs a substring check does not count."""
    if not condition_tests(condition, names, kind) or condition is None:
        return False
    if kind not in (SinkKind.REDIRECT, SinkKind.SSRF):
        return True
    return not substring_only(fa, condition, names)


#: A URL prefix that pins the origin: scheme, host and the delimiter after the host.
FIXED_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]+[/?#]", re.I)
#: Prefixes whose test rejects protocol-relative URLs (`!url.startsWith("//")`).
_NETWORK_PATH_PREFIXES = frozenset({"//", "/\\"})


def substring_only(fa: FunctionAnalysis, condition: Node, names: set[str]) -> bool:
    """The URL check is `url.includes(allowed)` (or indexOf), inline or in a project
    function the condition calls: `https://evil.example/?https://allowed.example`
    passes it (CWE-20, incomplete URL substring sanitization); or a test that does not
    pin the origin (loose_url_test)."""
    if substring_check(syntax.text(condition), names) or loose_url_test(condition, names):
        return True
    for call in syntax.walk(condition):
        if call.type != "call_expression":
            continue
        args = syntax.call_arguments(call)
        indexes = [i for i, a in enumerate(args) if syntax.text(a) in names]
        target = fa.engine.project_function(fa.ctx, call) if indexes else None
        if target is None:
            continue
        params = syntax.function_params(target[1])
        checked = {syntax.param_name(params[i]) or "" for i in indexes if i < len(params)} - {""}
        if checked and (
            substring_check(syntax.text(target[1]), checked) or loose_url_test(target[1], checked)
        ):
            return True
    return False


def loose_url_test(node: Node, names: set[str]) -> bool:
    """A URL test that does not pin where the URL points, with no strict test beside it:
    `url.startsWith("/")` (`//evil.example` passes unless `//` is rejected too),
    `url.startsWith("https://good.example")` (`https://good.example.evil.net`), an
    unanchored regex (`/good[.]example/.test(url)`)."""
    text = syntax.text(node)
    rejects_network_path = any(
        f'startsWith("{p}")' in text or f"startsWith('{p}')" in text for p in _NETWORK_PATH_PREFIXES
    )
    loose = [
        call
        for call in syntax.walk(node)
        if call.type == "call_expression" and _loose_call(call, names, rejects_network_path)
    ]
    if not loose:
        return False
    rest = text
    for call in loose:
        rest = rest.replace(syntax.text(call), "")
    return not STRICT_URL_CHECK.search(rest)


def _loose_call(call: Node, names: set[str], rejects_network_path: bool) -> bool:
    callee = call.child_by_field_name("function")
    args = syntax.call_arguments(call)
    if callee is None or callee.type != "member_expression" or not args:
        return False
    method = syntax.text(callee.child_by_field_name("property"))
    receiver = syntax.unwrap(callee.child_by_field_name("object"))
    if method == "startsWith" and _operand(receiver) in names:
        prefix = syntax.string_value(args[0])
        if prefix is None or prefix in _NETWORK_PATH_PREFIXES or FIXED_ORIGIN.match(prefix):
            return False
        if prefix == "/":
            return not rejects_network_path
        return not (len(prefix) > 1 and prefix[0] == "/" and prefix[1] not in "/\\")
    regex = None
    if method == "test" and _operand(args[0]) in names:
        regex = receiver
    elif method == "match" and _operand(receiver) in names:
        regex = syntax.unwrap(args[0])
    if regex is None or regex.type != "regex":
        return False
    return not syntax.text(regex.child_by_field_name("pattern")).startswith("^")


def substring_check_at(fa: FunctionAnalysis, call: Node, arg: Node) -> FlowStep | None:
    """Where the `if` around a redirect or request tests the URL only for containing an
    allowed string (inline or in the project function it calls), as a flow step: that
    check is what to fix."""
    names = tainted_names(fa, arg) | {syntax.text(arg)}
    for parent in syntax.ancestors(call):
        if parent == fa.unit:
            break
        condition = (
            parent.child_by_field_name("condition") if parent.type == "if_statement" else None
        )
        if condition is None:
            continue
        if substring_check(syntax.text(condition), names):
            return FlowStep(fa.ctx.location(condition), "passes a substring check of the URL")
        for test in syntax.walk(condition):
            step = _checked_in(fa, test, names)
            if step is not None:
                return step
    return None


def _checked_in(fa: FunctionAnalysis, test: Node, names: set[str]) -> FlowStep | None:
    """`allowed(url)` whose body tests its parameter with `includes`/`indexOf` only."""
    if test.type != "call_expression":
        return None
    args = syntax.call_arguments(test)
    indexes = [i for i, a in enumerate(args) if syntax.text(a) in names]
    target = fa.engine.project_function(fa.ctx, test) if indexes else None
    if target is None:
        return None
    params = syntax.function_params(target[1])
    checked = {syntax.param_name(params[i]) or "" for i in indexes if i < len(params)} - {""}
    if not checked or not substring_check(syntax.text(target[1]), checked):
        return None
    found = next((n for n in syntax.walk(target[1]) if _substring_call(n)), None)
    if found is None:
        return None
    where = f"passes {fa.ctx.callee_name(test) or 'function'}(), a substring check of the URL"
    return FlowStep(target[0].location(found), where)


def _substring_call(node: Node) -> bool:
    if node.type != "call_expression":
        return False
    callee = node.child_by_field_name("function")
    return (
        callee is not None
        and callee.type == "member_expression"
        and syntax.text(callee.child_by_field_name("property")) in ("includes", "indexOf")
    )


def guarded(fa: FunctionAnalysis, call: Node, arg: Node | None, kind: SinkKind) -> bool:
    key = (call.start_byte, arg.start_byte if arg is not None else -1, kind)
    if key not in fa.guards:
        fa.guards[key] = find_guard(fa, call, arg, kind)
    return fa.guards[key]


def find_guard(fa: FunctionAnalysis, call: Node, arg: Node | None, kind: SinkKind) -> bool:
    """An allow-list or prefix check on the value before the sink: the call sits in an
    `if` that tests it, or follows an `if` that tests it and leaves early."""
    names = tainted_names(fa, arg)
    if not names or arg is None:
        return False
    names.add(syntax.text(arg))  # the argument as written: `if (OK.has(name(x))) f(name(x))`
    node = call
    # at most syntax.MAX_ANCESTORS levels up: Node.parent costs O(depth) in tree-sitter
    for parent in syntax.ancestors(call):
        if node == fa.unit:
            break
        if literal_case_of(parent, names):  # `switch (tool) { case "df": exec(tool) }`
            return True
        if (
            parent.type == "if_statement"
            and node == parent.child_by_field_name("consequence")
            and _cleans(fa, parent.child_by_field_name("condition"), names, kind, when=True)
        ):
            return True
        if parent.type == "statement_block":
            for sibling in parent.named_children:
                if sibling.start_byte >= node.start_byte:
                    break
                if (
                    sibling.type == "if_statement"
                    and (exits(sibling) or replaces(sibling, names))
                    and _cleans(
                        fa, sibling.child_by_field_name("condition"), names, kind, when=False
                    )
                ):
                    return True
        node = parent
    return False


def _cleans(
    fa: FunctionAnalysis, condition: Node | None, names: set[str], kind: SinkKind, *, when: bool
) -> bool:
    """tests_value, except a regex allow-list that is not anchored at both ends (the sink
    runs when the condition is `when`)."""
    if not tests_value(fa, condition, names, kind) or condition is None:
        return False
    return kind in (SinkKind.REDIRECT, SinkKind.SSRF) or not loose_allow_list(
        condition, names, when
    )


def inside(node: Node, ancestor: Node) -> bool:
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


def condition_tests(condition: Node | None, names: set[str], kind: SinkKind) -> bool:
    """Whether `condition` constrains the content of one of `names` (the values as
    written): an allow-list comparison or membership, a prefix or substring test, a regex
    test, an `isX(value)` validator. A presence, length or emptiness check does not, nor
    does a validator of another field (`isEmail(req.body.username)` says nothing about
    `req.body`); `typeof value === "string"` rules out operator injection only."""
    if condition is None:
        return False
    return any(
        _content_check(node, names, kind)
        for node in syntax.walk(condition)
        if node.type in ("binary_expression", "call_expression")
    )


_SIZE_KINDS = frozenset({SinkKind.LOOP_BOUND, SinkKind.LENGTH_BOUND})
#: Comparisons with these say whether a value is there, not what it holds.
_PRESENCE_VALUES = frozenset({"undefined", "null", "''", '""', "``", "true", "false", "0"})
_TYPES_WITHOUT_OPERATORS = frozenset({"'string'", '"string"', "'number'", '"number"'})
_TYPES_WITHOUT_OPERATORS |= {"'boolean'", '"boolean"'}
#: `isX(value)` calls that test presence or shape, not content.
_SHAPE_CHECKS = frozenset(
    {"isArray", "isEmpty", "isNil", "isNull", "isUndefined", "isDefined", "isObject"}
    | {"isPlainObject", "isBuffer"}
)
_ALLOW_LIST_METHODS = frozenset({"includes", "has", "indexOf", "test", "hasOwnProperty", "hasOwn"})
_VALUE_METHODS = frozenset({"startsWith", "endsWith", "includes", "indexOf", "match"})


def _operand(node: Node | None) -> str:
    return syntax.text(syntax.unwrap(node))


_URL_PARTS = frozenset({"hostname", "host", "origin", "protocol", "href"})


def _url_part(node: Node, names: set[str]) -> bool:
    """`url.hostname` of a parsed URL: comparing it checks where the URL points."""
    if node.type != "member_expression":
        return False
    prop = syntax.text(node.child_by_field_name("property"))
    return prop in _URL_PARTS and _operand(node.child_by_field_name("object")) in names


def _content_check(node: Node, names: set[str], kind: SinkKind) -> bool:
    if node.type == "binary_expression":
        operator = syntax.text(node.child_by_field_name("operator"))
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator == "in":
            return _operand(left) in names
        if operator in ("<", "<=", ">", ">="):  # an upper bound on a size: `if (n > MAX)`
            return kind in _SIZE_KINDS and any(
                _operand(side) in names or _operand(side).removesuffix(".length") in names
                for side in (left, right)
            )
        if operator not in ("===", "==", "!==", "!="):
            return False
        for tested, other in ((left, right), (right, left)):
            tested = syntax.unwrap(tested)
            if tested is None:
                continue
            if tested.type == "unary_expression" and syntax.text(tested).startswith("typeof"):
                argument = tested.child_by_field_name("argument")
                if _operand(argument) in names:
                    return kind is SinkKind.NOSQL and _operand(other) in _TYPES_WITHOUT_OPERATORS
            elif syntax.text(tested) in names or _url_part(tested, names):
                return _operand(other) not in _PRESENCE_VALUES
        return False
    callee = node.child_by_field_name("function")
    args = syntax.call_arguments(node)
    passed = any(_operand(a) in names for a in args)
    if callee is not None and callee.type == "member_expression":
        method = syntax.text(callee.child_by_field_name("property"))
        receiver = _operand(callee.child_by_field_name("object"))
        if method in _ALLOW_LIST_METHODS and passed:  # ALLOWED.includes(x), RE.test(x)
            return True
        if method in _VALUE_METHODS and receiver in names:  # x.startsWith("/"), x.match(RE)
            return True
    else:
        method = syntax.text(callee)
    return (
        passed and re.fullmatch(r"is[A-Z]\w*", method) is not None and (method not in _SHAPE_CHECKS)
    )


STRICT_URL_CHECK = re.compile(
    r"startsWith|===?|new URL|url\.parse|\bhost(name)?\b|\.origin\b|\.test\(|\.match\("
)


def substring_check(text: str, names: set[str]) -> bool:
    """`text` tests one of `names` only for containing a string."""
    substring = any(
        re.search(rf"(?<![\w.$]){re.escape(n)}\s*\.\s*(includes|indexOf)\s*\(", text) for n in names
    )
    without = re.sub(r"\.indexOf\([^()]*\)\s*(!==?|>)\s*-1", ".indexOf()", text)
    return substring and not STRICT_URL_CHECK.search(without)


def may_precede(write: Node, use: Node) -> bool:
    """Whether a write can have run before `use` reads the variable: not when they sit in
    the two branches of one `if`, nor when the write's branch returns or throws and `use`
    comes after that `if` (flow-insensitive otherwise: loops and callbacks may run later)."""
    for ancestor in syntax.ancestors(write):
        if ancestor.type != "if_statement":
            continue
        consequence = ancestor.child_by_field_name("consequence")
        alternative = ancestor.child_by_field_name("alternative")
        in_consequence = consequence is not None and inside(write, consequence)
        in_alternative = alternative is not None and inside(write, alternative)
        if in_consequence and alternative is not None and inside(use, alternative):
            return False
        if in_alternative and consequence is not None and inside(use, consequence):
            return False
        if in_consequence and exits(ancestor) and not inside(use, ancestor):
            return False
    return True


def replaces(if_statement: Node, names: set[str]) -> bool:
    """`if (!ALLOWED.includes(lang)) lang = "en";`: the branch gives the tested variable a
    literal, so after the `if` it holds that literal or a value that passed the test."""
    consequence = if_statement.child_by_field_name("consequence")
    if consequence is None or if_statement.child_by_field_name("alternative") is not None:
        return False
    statements = (
        consequence.named_children if consequence.type == "statement_block" else [consequence]
    )
    for statement in statements:
        assignment = statement.named_children[0] if statement.named_children else None
        if statement.type != "expression_statement" or assignment is None:
            continue
        left = assignment.child_by_field_name("left")
        if (
            assignment.type == "assignment_expression"
            and left is not None
            and left.type == "identifier"
            and syntax.text(left) in names
            and syntax.is_literal(assignment.child_by_field_name("right"))
        ):
            return True
    return False


def exits(if_statement: Node) -> bool:
    """`if (...) return ...;` or `if (...) { ...; throw ...; }`: the branch leaves."""
    consequence = if_statement.child_by_field_name("consequence")
    if consequence is None:
        return False
    statements = (
        consequence.named_children if consequence.type == "statement_block" else [consequence]
    )
    return any(n.type in ("return_statement", "throw_statement") for n in statements)
