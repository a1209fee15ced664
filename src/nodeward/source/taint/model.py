"""Library models as data: sources, sinks and sanitizers read from the TOML files under
models/, validated on load. Adding a library is adding rows, not code.

A row names a package (or a pseudo-package: `global` for JavaScript globals, `@request`,
`@response` and `@koa` for a request handler's parameters, whose rows each framework
carries: source/frameworks), an access path (see paths.py) and a kind. Sink rows may
carry a condition on the call's option objects:
`option:shell` (an object argument sets `shell` to something other than false) or
`no-option:root` (no object argument has `root`).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from importlib import resources

from nodeward.source.taint.paths import AccessPathError, ArgumentSpec, parse_access_path


class SinkKind(Enum):
    SQL = "sql-injection"
    NOSQL = "nosql-injection"
    COMMAND = "command-injection"
    CODE = "code-injection"
    PATH = "path-traversal"
    SSRF = "ssrf"
    LOG = "log-injection"
    REDOS = "redos"
    PROTOTYPE = "prototype-pollution"
    DESERIALIZATION = "insecure-deserialization"
    XXE = "xxe"
    XPATH = "xpath-injection"
    HEADER = "header-injection"
    REDIRECT = "open-redirect"
    MASS_ASSIGNMENT = "mass-assignment"
    XSS = "reflected-xss"
    DOM_XSS = "dom-xss"
    ZIP_SLIP = "zip-slip"
    SENSITIVE = "sensitive-data-exposure"
    #: not a vulnerability: request data written to a database store (see stored.py)
    STORE = "stored-write"


class Shape(Enum):
    """What a source can hold: body parsers and the `qs` query parser build objects and
    arrays from `a[b]=c`, route params and headers are always strings."""

    STRING = "string"
    OBJECT = "object"


ALL_KINDS = frozenset(SinkKind)


class ModelError(ValueError):
    """A model file with a row nodeward cannot read."""


@dataclass(frozen=True)
class SinkRow:
    kind: SinkKind
    argument: ArgumentSpec
    condition: str | None
    label: str  # how messages name the call, e.g. "mysql query()"


@dataclass(frozen=True)
class Models:
    sinks: dict[tuple[str, tuple[str, ...]], tuple[SinkRow, ...]]
    sanitizers: dict[tuple[str, tuple[str, ...]], frozenset[SinkKind]]
    sources: dict[tuple[str, tuple[str, ...]], Shape]
    #: kinds a source cannot reach, e.g. Node's HTTP parser rejects CR/LF in the URL and
    #: in header values, so they cannot forge log lines or headers
    source_cleared: dict[tuple[str, tuple[str, ...]], frozenset[SinkKind]]
    clean_results: frozenset[tuple[str, tuple[str, ...]]]
    #: middleware factories (`mongoSanitize()`) whose middleware, once an app `use`s it,
    #: rewrites every request's data so that it cannot reach these kinds
    middleware: dict[tuple[str, tuple[str, ...]], frozenset[SinkKind]] = field(default_factory=dict)

    def sinks_for(self, module: str, path: tuple[str, ...]) -> tuple[SinkRow, ...]:
        return self.sinks.get((module, path), ())


_CONDITION_PREFIXES = ("option:", "no-option:")


def _label(module: str, callee: tuple[str, ...]) -> str:
    members = [step for step in callee if step != "()"]
    if module == "global":
        return ".".join(members) + "()"
    if module.startswith("@"):
        return f"{module[1:]}.{'.'.join(members)}()" if members else f"{module[1:]}()"
    return f"{module} {members[-1]}()" if members else f"{module}()"


def _rows(data: dict[str, object], key: str, source: str) -> list[list[str]]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(
        isinstance(r, list) and all(isinstance(c, str) for c in r) for r in rows
    ):
        raise ModelError(f"{source}: `{key}` must be a list of lists of strings")
    return rows


def parse_models(texts: dict[str, str]) -> Models:
    """Build the models from TOML texts (file name -> text); raises ModelError."""
    sinks: dict[tuple[str, tuple[str, ...]], list[SinkRow]] = defaultdict(list)
    sanitizers: dict[tuple[str, tuple[str, ...]], set[SinkKind]] = defaultdict(set)
    sources: dict[tuple[str, tuple[str, ...]], Shape] = {}
    source_cleared: dict[tuple[str, tuple[str, ...]], frozenset[SinkKind]] = {}
    clean: set[tuple[str, tuple[str, ...]]] = set()
    middleware: dict[tuple[str, tuple[str, ...]], set[SinkKind]] = defaultdict(set)
    for name, text in sorted(texts.items()):
        try:
            data = tomllib.loads(text)
            unknown = set(data) - {"sinks", "sanitizers", "sources", "clean", "middleware"}
            if unknown:
                raise ModelError(f"{name}: unknown sections {sorted(unknown)}")
            for row in _rows(data, "sinks", name):
                if len(row) not in (3, 4):
                    raise ModelError(f"{name}: sink row {row} needs 3 or 4 fields")
                module, path, kind = row[:3]
                condition = row[3] if len(row) == 4 else None
                if condition is not None and not condition.startswith(_CONDITION_PREFIXES):
                    raise ModelError(f"{name}: unknown condition {condition!r}")
                parsed = parse_access_path(path)
                if parsed.argument is None:
                    raise ModelError(f"{name}: sink path {path!r} must end in Argument[...]")
                for callee in parsed.callees:
                    label = _label(module, callee)
                    sinks[(module, callee)].append(
                        SinkRow(SinkKind(kind), parsed.argument, condition, label)
                    )
            for row in _rows(data, "sanitizers", name):
                module, path, kinds = row
                parsed = parse_access_path(path)
                cleared = (
                    ALL_KINDS if kinds == "*" else {SinkKind(k.strip()) for k in kinds.split(",")}
                )
                for callee in parsed.callees:
                    sanitizers[(module, callee)] |= cleared
            for row in _rows(data, "sources", name):
                if len(row) not in (3, 4):
                    raise ModelError(f"{name}: source row {row} needs 3 or 4 fields")
                module, path, shape = row[:3]
                cannot_reach = (
                    frozenset(SinkKind(k.strip()) for k in row[3].split(","))
                    if len(row) == 4
                    else frozenset()
                )
                parsed = parse_access_path(path)
                for callee in parsed.callees:
                    key = (
                        module,
                        callee
                        + (
                            ("()",)
                            if parsed.argument is None and path.endswith("ReturnValue")
                            else ()
                        ),
                    )
                    sources[key] = Shape(shape)
                    if cannot_reach:
                        source_cleared[key] = cannot_reach
            for row in _rows(data, "middleware", name):
                if len(row) != 3:
                    raise ModelError(f"{name}: middleware row {row} needs 3 fields")
                module, path, kinds = row
                for callee in parse_access_path(path).callees:
                    middleware[(module, callee)] |= {SinkKind(k.strip()) for k in kinds.split(",")}
            for row in _rows(data, "clean", name):
                module, path = row
                for callee in parse_access_path(path).callees:
                    clean.add((module, callee))
        except (AccessPathError, ValueError, tomllib.TOMLDecodeError) as error:
            if isinstance(error, ModelError):
                raise
            raise ModelError(f"{name}: {error}") from error
    return Models(
        sinks={k: tuple(v) for k, v in sinks.items()},
        sanitizers={k: frozenset(v) for k, v in sanitizers.items()},
        sources=sources,
        source_cleared=source_cleared,
        clean_results=frozenset(clean),
        middleware={k: frozenset(v) for k, v in middleware.items()},
    )


@cache
def load_models() -> Models:
    """The models shipped with nodeward (every models/*.toml file)."""
    folder = resources.files("nodeward.source.taint") / "models"
    texts = {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }
    # the request sources and response sinks each framework adds (source/frameworks)
    from nodeward.source.frameworks.registry import FRAMEWORKS

    texts |= {f"frameworks/{f.name}": f.models for f in FRAMEWORKS if f.models}
    return parse_models(texts)
