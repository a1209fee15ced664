"""Frozen run configuration from defaults, a config file and command-line flags.

Config files: `.nodeward.toml` at the scan root (or `--config FILE`), else a `"nodeward"`
object in the root package.json. Keys are the long flag names with `-` or `_`.

A config file found in the scanned project is as untrusted as the rest of it: the paths it
names (output, baseline, exclude patterns) must stay inside the project, and it cannot turn
on `follow-symlinks`. Only the command line and an explicit `--config FILE` can reach out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from nodeward.discover import FileKind, classify
from nodeward.findings import Severity
from nodeward.ignores import Ignore, IgnoreError, check_codes, parse_table
from nodeward.report import FORMATS


class ConfigError(Exception):
    """A configuration problem; the message names the file, line and key."""


@dataclass(frozen=True)
class Config:
    path: Path = Path()
    format: str = "text"
    output: Path | None = None
    fail_on: Severity = Severity.HIGH
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    """Rule codes and prefixes, advisory ids and package@version (nodeward.ignores)."""
    extend_select: tuple[str, ...] = ()  # added to `select` (ruff's extend-select)
    extend_ignore: tuple[str, ...] = ()  # added to `ignore`
    ignore_entries: tuple[Ignore, ...] = ()  # `[[ignore]]` tables: with reason and until
    exit_zero: bool = False  # exit 0 even with findings at or above fail_on (errors stay 2)
    severity: Severity | None = None  # findings below it are left out of every report
    extra_outputs: tuple[Path, ...] = ()  # `-o` given more than once: format from the suffix
    diff_base: str | None = None  # only findings on lines changed since this git revision
    only_files: tuple[str, ...] = ()  # only findings in these files (the pre-commit hook)
    exclude: tuple[str, ...] = ()
    include_node_modules: bool = False
    default_excludes: bool = True  # leave tests, build output, vendored code out (discover)
    include_tests: bool = False  # ...but analyse tests, fixtures and mocks
    follow_symlinks: bool = False  # follow symlinks that leave the scanned folder
    max_file_size: int = 2_000_000
    baseline: Path | None = None
    strict: bool = False
    quiet: bool = False
    show_secrets: bool = False  # reports print found credentials in full, not masked
    jobs: int = 0  # processes for a scan; 0: as many as the machine has cores, at most 2
    config_file: Path | None = None
    root: Path | None = None  # SARIF paths are relative to this; None: the enclosing git repo
    advisories: str = "auto"  # dependency audit: auto, osv-db, npm, osv-api
    offline: bool = False
    omit: tuple[str, ...] = ()  # dependency scopes left out of the audit ("dev")
    reachable_only: bool = False
    resolve_ranges: bool = False  # no lockfile: resolve declared ranges from the registry
    # Live probe (`nodeward probe URL`, `scan PATH --url URL`); see nodeward.web.
    url: str | None = None
    active: bool | None = None
    """None: passive for `probe`, active for `scan --url` on loopback targets only."""
    scope: tuple[str, ...] = ()
    max_requests: int = 2000
    max_login_attempts: int = 15
    concurrency: int = 8
    rate: float = 0.0
    timeout: float = 10.0
    probe_headers: tuple[str, ...] = ()
    probe_cookies: tuple[str, ...] = ()
    login_url: str | None = None
    login_data: str | None = None
    browser: bool = False
    max_time: float = 600.0
    max_body: int = 1_000_000
    allow_unsafe: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    probe_include: tuple[str, ...] = ()
    probe_exclude: tuple[str, ...] = ()
    confirm_crash: bool = False
    login_json: str | None = None
    openapi: Path | None = None


#: Keys a config file may set, with how to read each value.
_FILE_KEYS: dict[str, str] = {
    "format": "choice",
    "output": "path",
    "fail_on": "severity",
    "select": "codes",
    "ignore": "ignores",
    "extend_select": "codes",
    "extend_ignore": "codes",
    "exit_zero": "bool",
    "severity": "severity",
    "exclude": "strings",
    "include_node_modules": "bool",
    "default_excludes": "bool",
    "include_tests": "bool",
    "follow_symlinks": "bool",
    "max_file_size": "int",
    "jobs": "int",
    "baseline": "path",
    "strict": "bool",
    "show_secrets": "bool",
    "advisories": "advisories",
    "offline": "bool",
    "omit": "strings",
    "reachable_only": "bool",
    "resolve_ranges": "bool",
    "max_requests": "int",
    "max_login_attempts": "int",
    "root": "path",
}


def find_config_file(root: Path) -> tuple[Path, str] | None:
    """The config file for a scan root and its kind ('toml' or 'package.json')."""
    base = root if root.is_dir() else root.parent
    toml_path = base / ".nodeward.toml"
    if toml_path.is_file() or toml_path.is_symlink():
        _require_inside(toml_path, base)
        return toml_path, "toml"
    package = base / "package.json"
    if package.is_file() and _inside(package, base):
        try:
            data = json.loads(package.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        if isinstance(data, dict) and "nodeward" in data:
            return package, "package.json"
    return None


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, with `..` and symlinks resolved, lies in `folder` (also resolved)."""
    return path.resolve().is_relative_to(folder.resolve())


def _require_inside(config_file: Path, base: Path) -> None:
    if not _inside(config_file, base) or not config_file.resolve().is_file():
        raise ConfigError(
            f"{config_file}: config file is a symlink to something outside the scanned "
            "project or not a regular file; not read (use --config FILE to name it)"
        )


def load_file(path: Path, kind: str, project: Path | None = None) -> dict[str, Any]:
    """Read and validate a config file into Config field values. `project`: the folder of
    the scanned project when the file was found in it (not named with --config); its paths
    must then stay inside that folder."""
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config file: {error}") from None
    table = _read_table(path, kind, raw_text)
    if not isinstance(table, dict):
        raise ConfigError(f'{path}:{_line_of(raw_text, "nodeward")}: "nodeward" must be a table')
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        where = f"{path}:{_line_of(raw_text, raw_key)}"
        if key not in _FILE_KEYS:
            known = ", ".join(k.replace("_", "-") for k in _FILE_KEYS)
            raise ConfigError(f"{where}: unknown key {raw_key!r} (known keys: {known})")
        try:
            if _FILE_KEYS[key] == "ignores":
                values.update(_ignores(value))
                continue
            values[key] = _convert(_FILE_KEYS[key], value, path.parent)
            if project is not None:
                values[key] = _confine(key, values[key], project)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"{where}: key {raw_key!r}: {error}") from None
    return values


def _ignores(value: Any) -> dict[str, Any]:
    """The config's `ignore`: a list of code strings, or `[[ignore]]` tables."""
    items = [value] if isinstance(value, str | dict) else value
    if not isinstance(items, list):
        raise TypeError("expected a list of codes or [[ignore]] tables")
    codes = tuple(i.strip() for i in items if isinstance(i, str))
    tables = tuple(parse_table(i) for i in items if not isinstance(i, str))
    return {"ignore": tuple(c.upper() if "@" not in c else c for c in codes if c)} | (
        {"ignore_entries": tables} if tables else {}
    )


def _read_table(path: Path, kind: str, raw_text: str) -> Any:
    """The nodeward settings in a config file (not yet validated): a whole `.nodeward.toml`
    or its `[tool.nodeward]` table, package.json's "nodeward" value, or a JSON config
    file's object (or its "nodeward" value)."""
    if kind == "toml":
        import tomllib  # most projects have no .nodeward.toml

        try:
            document: Any = tomllib.loads(raw_text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: invalid TOML: {error}") from None
        except RecursionError:
            raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
        if "tool" not in document:
            return document
        tool = document["tool"]
        if not isinstance(tool, dict):
            raise ConfigError(f'{path}:{_line_of(raw_text, "tool")}: "tool" must be a table')
        return tool.get("nodeward", document)
    try:
        document = json.loads(raw_text)
    except RecursionError:
        raise ConfigError(f"{path}: invalid JSON: nested too deeply") from None
    except ValueError as error:
        raise ConfigError(f"{path}: invalid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a JSON object, not {_json_type(document)}")
    if kind == "package.json":
        return document.get("nodeward")
    return document.get("nodeward", document)


def _json_type(value: Any) -> str:
    match value:
        case list():
            return "an array"
        case str():
            return "a string"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case _:
            return "null"


def _line_of(text: str, key: str) -> int:
    pattern = re.compile(rf'^[ \t]*"?{re.escape(key)}"?[ \t]*[=:]', re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _convert(kind: str, value: Any, base: Path) -> Any:
    match kind:
        case "bool":
            if not isinstance(value, bool):
                raise TypeError("expected true or false")
            return value
        case "int":
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise TypeError("expected a positive whole number")
            return value
        case "severity":
            if not isinstance(value, str):
                raise TypeError("expected one of low, medium, high, critical")
            return Severity.parse(value)
        case "choice":
            if value not in FORMATS:
                raise ValueError(f"expected one of {', '.join(FORMATS)}")
            return value
        case "advisories":
            if value not in ("auto", "osv-db", "npm", "osv-api"):
                raise ValueError("expected one of auto, osv-db, npm, osv-api")
            return value
        case "path":
            if not isinstance(value, str):
                raise TypeError("expected a path string")
            return base / value
        case "codes" | "strings":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypeError("expected a list of strings")
            return tuple(v.strip().upper() if kind == "codes" else v for v in value)
    raise AssertionError(kind)


#: Kinds of file a report written by a project's own config must not replace: code and
#: manifests that are run or read as code later.
_PROTECTED_KINDS = frozenset(FileKind) - {FileKind.TEMPLATE}


def _confine(key: str, value: Any, project: Path) -> Any:
    """A value from the scanned project's own config file, checked against the project."""
    if key in ("output", "baseline"):
        resolved = value.resolve()
        if not resolved.is_relative_to(project.resolve()):
            raise ValueError(
                f"{str(value)!r} is outside the scanned project; only the command line "
                "or --config FILE may name paths outside it"
            )
        if key == "output":
            _check_output(resolved, project.resolve())
        return resolved
    if key == "exclude":
        for pattern in value:
            if ".." in pattern.split("/"):
                raise ValueError(f"pattern {pattern!r} names a path outside the project")
    if key == "follow_symlinks" and value:
        raise ValueError(
            "can be turned on only on the command line or in a --config FILE, "
            "not by the scanned project"
        )
    return value


#: What a report named by the scanned project's own config may be called: the report
#: quotes lines the project wrote, so it must never land where a tool would run or load it
#: (a build script, a Makefile, a config module).
REPORT_SUFFIXES = (".json", ".sarif", ".html", ".htm", ".txt")


def _check_output(resolved: Path, project: Path) -> None:
    if not resolved.name.lower().endswith(REPORT_SUFFIXES):
        raise ValueError(
            f"a report named by the project's config must end in {', '.join(REPORT_SUFFIXES)}"
        )
    parts = resolved.relative_to(project).parts
    if any(part.startswith(".") or part == "node_modules" for part in parts):
        raise ValueError("a report may not be written into a hidden folder or node_modules")
    if not resolved.parent.is_dir():
        raise ValueError(f"folder {resolved.parent.name!r} does not exist")
    if resolved.exists() and not resolved.is_file():
        raise ValueError("not a regular file")
    if classify(resolved.name, resolved) in _PROTECTED_KINDS:
        raise ValueError("a report may not replace code or a manifest of the project")


def build_config(path: Path, explicit_file: Path | None, flags: dict[str, Any]) -> Config:
    """Defaults < config file < flags. `flags` holds only the flags the user gave."""
    config = Config(path=path)
    found = (explicit_file, "toml") if explicit_file is not None else find_config_file(path)
    if found is not None:
        file_path, kind = found
        if kind == "toml" and file_path.suffix == ".json":
            kind = "package.json" if file_path.name == "package.json" else "json"
        project = None if explicit_file is not None else (path if path.is_dir() else path.parent)
        values = load_file(file_path, kind, project)
        config = replace(config, config_file=file_path, **values)
    if isinstance(flags.get("output"), list):  # `-o` repeated: one report per file
        first, *more = flags["output"]
        flags = flags | {"output": first, "extra_outputs": tuple(more)}
    names = {f.name for f in fields(Config)}
    unknown = set(flags) - names
    if unknown:
        raise ConfigError(f"unknown option(s): {', '.join(sorted(unknown))}")
    config = replace(config, **flags)
    _check_root(config)
    return _with_extensions(_check_codes(config))


def _check_codes(config: Config) -> Config:
    from nodeward.catalog import all_rules  # not loaded for every config read

    codes = sorted(r.code for r in all_rules())
    try:
        check_codes(config.select, codes, "select", advisories=False)
        check_codes(config.extend_select, codes, "extend-select", advisories=False)
        check_codes(config.ignore, codes, "ignore", advisories=True)
        check_codes(config.extend_ignore, codes, "extend-ignore", advisories=True)
        check_codes([i.target for i in config.ignore_entries], codes, "[[ignore]]", advisories=True)
    except IgnoreError as error:
        raise ConfigError(str(error)) from None
    return config


def _with_extensions(config: Config) -> Config:
    """extend-select and extend-ignore added to select and ignore. An empty select means
    every rule: extending it keeps every rule (the empty prefix) and lets the longer
    extend-select prefix win over an ignore prefix, as in ruff."""
    select = config.select
    if config.extend_select:
        select = (*(select or ("",)), *config.extend_select)
    return replace(
        config,
        select=select,
        ignore=(*config.ignore, *config.extend_ignore),
        extend_select=(),
        extend_ignore=(),
    )


def _check_root(config: Config) -> None:
    """`root` must be a folder that contains the scanned path: report paths under it."""
    if config.root is None:
        return
    root, scanned = config.root.resolve(), config.path.resolve()
    if not root.is_dir():
        raise ConfigError(f"--root {config.root}: not a folder")
    if not scanned.is_relative_to(root):
        raise ConfigError(f"--root {config.root}: does not contain the scanned path {config.path}")
