"""Every regular expression of the package runs in linear time on hostile input.

nodeward reads untrusted text (the audited repository, lockfiles, HTTP responses of the
probed server), so a pattern that backtracks super-linearly is a denial of service: one
crafted 100 KB file must not stall a scan. The patterns are collected automatically (every
module of the package, module-level `re.Pattern` attributes and the patterns held in
module-level tuples, lists, dicts and sets); the few built at run time are listed in
`_RUNTIME_PATTERNS`. Each is searched in adversarial strings made of its own literal
characters and of classic attack shapes, under a time budget that is a hang guard (a linear
search of 100 KB takes milliseconds), not a speed test.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from re import _parser as sre_parse  # the parser behind re.compile
from types import ModuleType

import pytest
from conftest import FIXTURES
from hang import hang_guard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nodeward
from nodeward.deps import retire
from nodeward.source.rules import secret_patterns
from nodeward.web.merge import route_pattern

_SIZE = 100_000
_BUDGET = 1.0  # seconds per search: linear patterns take a few milliseconds
_NOT_MODULES = frozenset({"nodeward.__main__"})  # runs the CLI when imported


def _search_within_budget(pattern: re.Pattern[str] | re.Pattern[bytes], text: str) -> float:
    """Seconds `pattern.search(text)` took; fails when it runs over the budget."""
    subject: str | bytes = text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text
    start = time.perf_counter()
    with hang_guard(_BUDGET, f"{pattern.pattern!r} on {text[:40]!r}... ({len(text)})"):
        pattern.search(subject)  # type: ignore[arg-type]
    return time.perf_counter() - start


def _modules() -> Iterator[ModuleType]:
    yield nodeward
    for info in pkgutil.walk_packages(nodeward.__path__, "nodeward."):
        if info.name not in _NOT_MODULES:
            yield importlib.import_module(info.name)


def _held(value: object, depth: int = 0) -> Iterator[re.Pattern[str] | re.Pattern[bytes]]:
    if isinstance(value, re.Pattern):
        yield value
    elif depth < 3 and isinstance(value, tuple | list | frozenset | set):
        for item in value:
            yield from _held(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in (*value.keys(), *value.values()):
            yield from _held(item, depth + 1)


def _module_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for module in _modules():
        for name, value in vars(module).items():
            for index, pattern in enumerate(_held(value)):
                found.setdefault(f"{module.__name__}.{name}[{index}]", pattern)
    return found


def _flags(node: ast.expr | None) -> int:
    """`re.I | re.S` as written in a call."""
    if node is None:
        return 0
    if isinstance(node, ast.Attribute):
        return int(getattr(re, node.attr))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    raise AssertionError(f"unknown flags {ast.dump(node)}: list the pattern in _runtime_patterns")


def _inline_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    """Literal patterns written inside functions (`re.search(r"...", text)`), read from the
    source of every module: they are not module attributes, but they run on input too."""
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for module in _modules():
        if module.__file__ is None:
            continue
        tree = ast.parse(Path(module.__file__).read_text("utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in _PATTERN_FUNCTIONS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str | bytes)
            ):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            position = _PATTERN_FUNCTIONS[node.func.attr]
            flags = node.args[position] if len(node.args) > position else keywords.get("flags")
            pattern = re.compile(node.args[0].value, _flags(flags))
            found.setdefault(f"{module.__name__}:{node.lineno}", pattern)
    return found


#: re function -> the position of its flags argument
_PATTERN_FUNCTIONS = {
    "compile": 1,
    "search": 2,
    "match": 2,
    "fullmatch": 2,
    "finditer": 2,
    "findall": 2,
    "split": 3,
    "sub": 4,
    "subn": 4,
}


def _runtime_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    """Patterns compiled at run time, from data files or around a name: built here the way
    their modules build them, with a name that is itself hostile where it is escaped.
    (Retire.js's patterns run on a bounded file head: test_retire_patterns_on_hostile_heads.)"""
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    for row in secret_patterns.secret_patterns():
        found[f"secret_patterns {row.id}"] = row.regex
        found[f"secret_patterns {row.id} hint"] = row.hint
    found["merge route"] = route_pattern("/a/:x-:y-:z-:w.:v/b")
    name = "a" * 20
    found["served variable start"] = re.compile(rf"(?<![\w.$]){re.escape(name)}(?![\w$])")
    found["jwt word"] = re.compile(rf"\b{re.escape(name)}\b")
    found["engine includes"] = re.compile(
        rf"(?<![\w.$]){re.escape(name)}\s*\.\s*(includes|indexOf)\s*\("
    )
    found["config key"] = re.compile(rf'^[ \t]*"?{re.escape(name)}"?[ \t]*[=:]', re.M)
    found["osv package member"] = re.compile(rf"\b{re.escape(name)}\.([A-Za-z_$][\w$]*)\b")
    found["npm script key"] = re.compile(r'"' + re.escape(name) + r'"\s*:')
    return found


def _all_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    seen: set[tuple[str | bytes, int]] = set()
    for key, pattern in {**_module_patterns(), **_inline_patterns(), **_runtime_patterns()}.items():
        if (pattern.pattern, pattern.flags) not in seen:  # a module constant, read twice
            seen.add((pattern.pattern, pattern.flags))
            found[key] = pattern
    return found


_PATTERNS = _all_patterns()
_IDS = sorted(_PATTERNS)


def test_patterns_are_collected() -> None:
    """The collection sees the patterns this suite was written against (a refactoring that
    hides them from the module namespace must list them in _runtime_patterns)."""
    expected = {
        "nodeward.report.redact._PARAM[0]",
        "nodeward.source.rules.auth_flows._PASSWORD_FROM_BODY[0]",
        "nodeward.deps.semver._VERSION[0]",
        "nodeward.source.taint.served._ACCESSOR[0]",
        "nodeward.manifests.dockerfile._STAGE_NAME[0]",
        "nodeward.web.checks.sensitive._PATTERNS[0]",
    }
    assert expected <= set(_PATTERNS), sorted(expected - set(_PATTERNS))
    assert any(k.startswith("secret_patterns ") for k in _PATTERNS)
    assert len(_PATTERNS) > 150


# -- adversarial input -----------------------------------------------------------------

_CATEGORY_SAMPLES = {
    sre_parse.CATEGORY_DIGIT: "0",
    sre_parse.CATEGORY_NOT_DIGIT: "a",
    sre_parse.CATEGORY_SPACE: " \n",
    sre_parse.CATEGORY_NOT_SPACE: "a",
    sre_parse.CATEGORY_WORD: "a_",
    sre_parse.CATEGORY_NOT_WORD: " .",
}


def _alphabet(pattern: re.Pattern[str] | re.Pattern[bytes]) -> str:
    """Characters the pattern's literals and character classes can match: the material
    ambiguous repetitions are made of."""
    chars: set[str] = set()
    source = pattern.pattern
    text = source.decode("latin-1") if isinstance(source, bytes) else source

    def walk(items: sre_parse.SubPattern | list[tuple[object, object]]) -> None:
        for op, arg in items:
            if op is sre_parse.LITERAL and isinstance(arg, int):
                chars.add(chr(arg))
            elif op is sre_parse.ANY:
                chars.update("a.\n")
            elif op is sre_parse.IN and isinstance(arg, list):
                for kind, value in arg:
                    if kind is sre_parse.LITERAL:
                        chars.add(chr(value))
                    elif kind is sre_parse.RANGE:
                        low, high = value
                        chars.update({chr(low), chr(high)})
                    elif kind is sre_parse.CATEGORY:
                        chars.update(_CATEGORY_SAMPLES.get(value, ""))
                    elif kind is sre_parse.NEGATE:
                        chars.update("a ")
            elif isinstance(arg, tuple | list):
                for part in arg:
                    if isinstance(part, sre_parse.SubPattern):
                        walk(part)
                    elif isinstance(part, list | tuple):
                        for sub in part:
                            if isinstance(sub, sre_parse.SubPattern):
                                walk(sub)

    walk(sre_parse.parse(text, pattern.flags & ~re.UNICODE if isinstance(source, bytes) else 0))
    chars.discard("\x00")
    return "".join(sorted(chars)) or "a"


def _literal_runs(pattern: re.Pattern[str] | re.Pattern[bytes]) -> list[str]:
    """The pattern's literal words (`password`, `as`, `<%`), repeated in attack shapes."""
    source = pattern.pattern
    text = source.decode("latin-1") if isinstance(source, bytes) else source
    words = re.findall(r"[A-Za-z]{2,}|[<>{}%#!=/&?.:-]{2,}", text.replace("\\", " "))
    return sorted(set(words))[:4]


def _repeat(fragment: str, size: int = _SIZE) -> str:
    return (fragment * (size // max(len(fragment), 1) + 1))[:size]


#: Classic attack shapes: long runs of one kind of character with a tail that makes the
#: match fail, template openers without closers, separators repeated.
_SHAPES = (
    "a" * _SIZE + "!",
    _repeat("<a"),
    _repeat("<a '"),
    _repeat("a(\n"),
    _repeat("eyJ"),
    _repeat("a:"),
    "{{" + " " * _SIZE + "!",
    "<%" + " " * _SIZE + "!",
    _repeat("<%\n"),
    _repeat("{{\n"),
    _repeat("{{{"),
    _repeat("<%="),
    _repeat("#{"),
    _repeat("{%"),
    " " * _SIZE + "!",
    "1" * _SIZE + "!",
    _repeat("1.") + "!",
    _repeat("a."),
    _repeat("a-"),
    _repeat("=a"),
    _repeat("{a"),
    _repeat("[a"),
    _repeat("'a"),
    _repeat('"a'),
)


def _shapes(pattern: re.Pattern[str] | re.Pattern[bytes]) -> list[str]:
    """The classic shapes, the pattern's own words repeated or followed by spaces, and its
    alphabet repeated."""
    alphabet = _alphabet(pattern)
    shapes = [*_SHAPES, _repeat(alphabet), _repeat(alphabet[::-1])]
    for word in _literal_runs(pattern):
        shapes += [_repeat(word + " "), word + " " * _SIZE + "!"]
    return shapes


@pytest.mark.parametrize("key", _IDS)
def test_no_super_linear_backtracking(key: str) -> None:
    pattern = _PATTERNS[key]
    for shape in _shapes(pattern):
        _search_within_budget(pattern, shape)


def _call_within_budget(call: Callable[[], object], budget: float, what: str) -> None:
    with hang_guard(budget, what):
        call()


def test_retire_patterns_on_hostile_heads() -> None:
    """Retire.js's patterns come from its repository (here the test copy) and run on the
    first 20 KB of a static file, long runs of spaces cut (retire.identify)."""
    repository = json.loads((FIXTURES / "deps" / "retirejs-jsrepository.json").read_text())
    libraries = retire.parse_repository(repository)
    assert libraries
    for shape in _SHAPES:
        head = shape[:20_000]
        _call_within_budget(
            lambda head=head: retire.identify("x.js", head, b"", libraries),  # type: ignore[misc]
            _BUDGET * 5,
            f"retire.identify on {head[:20]!r}",
        )


@st.composite
def _hostile(draw: Callable[..., object], alphabet: str) -> str:
    fragment = draw(st.text(alphabet=alphabet, min_size=1, max_size=6))
    tail = draw(st.sampled_from(["", "!", "\x00", "\n", " "]))
    assert isinstance(fragment, str)
    return _repeat(fragment) + tail


@pytest.mark.parametrize("key", _IDS)
def test_no_super_linear_backtracking_on_repeated_fragments(key: str) -> None:
    pattern = _PATTERNS[key]
    alphabet = _alphabet(pattern)

    @settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_hostile(alphabet))
    def search(text: str) -> None:
        _search_within_budget(pattern, text)

    search()
