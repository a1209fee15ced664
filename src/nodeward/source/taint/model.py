"""Library models as data: sources, sinks and sanitizers read from the TOML files under
models/, validated on load. Adding a library is adding rows, not code.

A row names a package (or a pseudo-package: `global` for JavaScript globals, `@request`,
`@response` and `@koa` for a request handler's parameters, whose rows each framework
carries: source/frameworks), an access path (see paths.py) and a kind. Sink rows may
carry a condition on the call's option objects:
`option:shell` (an object argument sets `shell` to something other than false) or
`no-option:root` (no object argument has `root`) or `shell-program:-c` (the first argument
names a shell, `sh` or `/bin/bash`, and the argument list holds the flag `-c`: the list's
next entry is a command line) or `extracted-by:extractAllTo` (the object the call
creates, `new AdmZip(buffer)`, is extracted by one of those methods: archive.py).
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
    #: a password written to a database store as it was received (see plain_storage.py)
    PLAIN_PASSWORD = "plaintext-password-storage"  # noqa: S105 - a sink kind, not a secret
    #: personal data (SSN, date of birth, card number) written unencrypted
    PLAIN_PERSONAL = "unencrypted-personal-data"
    #: request data that sizes a loop or an allocation (loops.py), and an object whose
    #: `length` does (only a value that may be an object has a `length` the client chose)
    LOOP_BOUND = "loop-bound"
    LENGTH_BOUND = "length-bound"
    #: not a vulnerability: request data written to a database store (see stored.py)
    STORE = "stored-write"


class Shape(Enum):
    """What a source can hold: body parsers and the `qs` query parser build objects and
    arrays from `a[b]=c`, route params and headers are always strings."""

    STRING = "string"
    OBJECT = "object"


ALL_KINDS = frozenset(SinkKind)
#: What a `*` sanitizer (a number conversion such as parseInt) clears: every kind but the
#: size of a loop, since a number is still as large as the client wants.
CONVERSION_CLEARS = ALL_KINDS - {SinkKind.LOOP_BOUND}


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


_CONDITION_PREFIXES = ("option:", "no-option:", "shell-program:", "extracted-by:")


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


Key = tuple[str, tuple[str, ...]]
_SECTIONS = ("sinks", "sanitizers", "sources", "clean", "middleware")


@dataclass
class _Builder:
    """The models being read, section by section, file by file."""

    sinks: dict[Key, list[SinkRow]] = field(default_factory=lambda: defaultdict(list))
    sanitizers: dict[Key, set[SinkKind]] = field(default_factory=lambda: defaultdict(set))
    sources: dict[Key, Shape] = field(default_factory=dict)
    source_cleared: dict[Key, frozenset[SinkKind]] = field(default_factory=dict)
    clean: set[Key] = field(default_factory=set)
    middleware: dict[Key, set[SinkKind]] = field(default_factory=lambda: defaultdict(set))

    def read(self, name: str, text: str) -> None:
        data = tomllib.loads(text)
        unknown = set(data) - set(_SECTIONS)
        if unknown:
            raise ModelError(f"{name}: unknown sections {sorted(unknown)}")
        for row in _rows(data, "sinks", name):
            self._sink(name, row)
        for row in _rows(data, "sanitizers", name):
            module, path, kinds = row
            parsed = parse_access_path(path)
            cleared: set[SinkKind] = set()
            for kind in kinds.split(","):
                cleared |= CONVERSION_CLEARS if kind.strip() == "*" else {SinkKind(kind.strip())}
            for callee in parsed.callees:
                self.sanitizers[(module, callee)] |= cleared
        for row in _rows(data, "sources", name):
            self._source(name, row)
        for row in _rows(data, "middleware", name):
            if len(row) != 3:
                raise ModelError(f"{name}: middleware row {row} needs 3 fields")
            module, path, kinds = row
            for callee in parse_access_path(path).callees:
                self.middleware[(module, callee)] |= {SinkKind(k.strip()) for k in kinds.split(",")}
        for row in _rows(data, "clean", name):
            module, path = row
            for callee in parse_access_path(path).callees:
                self.clean.add((module, callee))

    def _sink(self, name: str, row: list[str]) -> None:
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
            self.sinks[(module, callee)].append(
                SinkRow(SinkKind(kind), parsed.argument, condition, label)
            )

    def _source(self, name: str, row: list[str]) -> None:
        if len(row) not in (3, 4):
            raise ModelError(f"{name}: source row {row} needs 3 or 4 fields")
        module, path, shape = row[:3]
        cannot_reach = (
            frozenset(SinkKind(k.strip()) for k in row[3].split(","))
            if len(row) == 4
            else frozenset()
        )
        parsed = parse_access_path(path)
        # `ReturnValue` of a source path: the value of calling it (`req.get()`)
        called = ("()",) if parsed.argument is None and path.endswith("ReturnValue") else ()
        for callee in parsed.callees:
            key = (module, callee + called)
            self.sources[key] = Shape(shape)
            if cannot_reach:
                self.source_cleared[key] = cannot_reach

    def models(self) -> Models:
        return Models(
            sinks={k: tuple(v) for k, v in self.sinks.items()},
            sanitizers={k: frozenset(v) for k, v in self.sanitizers.items()},
            sources=self.sources,
            source_cleared=self.source_cleared,
            clean_results=frozenset(self.clean),
            middleware={k: frozenset(v) for k, v in self.middleware.items()},
        )


def parse_models(texts: dict[str, str]) -> Models:
    """Build the models from TOML texts (file name -> text); raises ModelError."""
    builder = _Builder()
    for name, text in sorted(texts.items()):
        try:
            builder.read(name, text)
        except (AccessPathError, ValueError, tomllib.TOMLDecodeError) as error:
            if isinstance(error, ModelError):
                raise
            raise ModelError(f"{name}: {error}") from error
    return builder.models()


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
