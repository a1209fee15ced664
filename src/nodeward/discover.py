"""Finds the files nodeward analyzes, honouring .gitignore, and records what it passes over.

The scanned folder is a jail: a symlink whose target lies outside it (a file or a folder)
is not followed unless --follow-symlinks says so, and only regular files are read (a FIFO
or a device would block or never end).

Tests, build output, vendored code and snippets are left out of the server-code analysis
by default (default_excludes.py); an entry point among them is analysed all the same."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

import pathspec

from nodeward.default_excludes import Exclusion, ExclusionLog, Treatment, exclusion_of
from nodeward.findings import Skip
from nodeward.source.bundles import HEAD_BYTES, bundle_reason

SCRIPT_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"})
TEMPLATE_SUFFIXES = frozenset({".ejs", ".pug", ".jade", ".hbs", ".handlebars", ".njk", ".html"})
LOCKFILE_NAMES = frozenset(
    {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}
)
#: Lockfiles are data, not source: --max-file-size (meant for scripts) does not apply to
#: them, this bound does (the largest real lockfiles are tens of megabytes).
LOCKFILE_MAX_BYTES = 256_000_000
ALWAYS_PRUNED_DIRS = frozenset({".git", ".hg", ".svn", "bower_components", ".nodeward-cache"})
_K8S_MARKERS = (re.compile(rb"^apiVersion:", re.M), re.compile(rb"^kind:", re.M))


class FileKind(Enum):
    SCRIPT = "script"
    TEMPLATE = "template"
    PACKAGE_JSON = "package.json"
    LOCKFILE = "lockfile"
    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"
    #: a committed dotenv file (`.env`, `.env.production`), not a template of one
    ENV_FILE = "env-file"
    #: a JSON settings file of a `config/` folder (node-config's default.json, sequelize's
    #: config.json)
    CONFIG_JSON = "config-json"
    #: minified or bundled JS over --max-file-size: kept only to identify the library
    STATIC_LIBRARY = "static-library"


@dataclass(frozen=True)
class DiscoveredFile:
    path: Path
    rel: str
    kind: FileKind
    size: int


@dataclass(frozen=True)
class DiscoveryOptions:
    include_node_modules: bool = False
    max_file_size: int = 2_000_000
    exclude: tuple[str, ...] = ()
    follow_symlinks: bool = False
    #: Leave tests, fixtures, build output, vendored libraries and snippets out of the
    #: server-code analysis (default_excludes.py); `include_tests` brings the tests back.
    default_excludes: bool = True
    include_tests: bool = False


@dataclass
class Inventory:
    root: Path
    files: list[DiscoveredFile] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    options: DiscoveryOptions = field(default_factory=DiscoveryOptions)
    #: Scripts a default exclude left out, and the default-excluded scripts kept only as
    #: libraries: an entry point among them is analysed all the same (readmit()).
    set_aside: list[tuple[Path, str]] = field(default_factory=list)
    kept_as_library: set[str] = field(default_factory=set)
    exclusions: ExclusionLog = field(default_factory=ExclusionLog)

    def of_kind(self, kind: FileKind) -> list[DiscoveredFile]:
        return [f for f in self.files if f.kind is kind]

    def readmit(self, is_entry_point: Callable[[str], bool]) -> None:
        """Analyse the entry points a default exclude left out: a file the app starts from
        is server code, whatever folder it lies in (`"main": "dist/server.js"`)."""
        readmitted = []
        for index, found in enumerate(self.files):
            if found.rel in self.kept_as_library and is_entry_point(found.rel):
                self.files[index] = replace(found, kind=FileKind.SCRIPT)
                readmitted.append(found.rel)
        for path, rel in self.set_aside:
            if is_entry_point(rel):
                _add_file(self, path, rel, self.options)
                readmitted.append(rel)
        if not readmitted:
            return
        self.files.sort(key=lambda f: f.rel)
        before = self._exclusion_notes()
        for rel in readmitted:
            self.exclusions.forget(rel)
        self.skips = [s for s in self.skips if s not in before] + self._exclusion_notes()

    def _exclusion_notes(self) -> list[Skip]:
        return self.exclusions.skips(include_tests=self.options.include_tests)


def may_analyze(name: str, folder: str | None = None) -> bool:
    """Whether a file of this name (in a folder of that name, when known) could be one
    nodeward reads (YAML: if Kubernetes; JSON: if in a config folder)."""
    suffix = _suffix(name.lower())
    if suffix == ".json" and name.lower() not in LOCKFILE_NAMES and name.lower() != "package.json":
        return folder is None or folder.lower() in _CONFIG_FOLDERS
    return suffix in (".yml", ".yaml") or classify(name) is not None


def _suffix(name: str) -> str:
    """`Path(name).suffix` of a bare file name, without building a Path (asked of every
    file of the tree)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def classify(name: str, path: Path | None = None) -> FileKind | None:
    """The kind of a file from its name (and, for YAML, its first bytes). Whether a script
    is minified or bundled library code is decided from its content (source/bundles.py)."""
    lower = name.lower()
    suffix = _suffix(lower)
    if lower in LOCKFILE_NAMES:
        return FileKind.LOCKFILE
    if lower == "package.json":
        return FileKind.PACKAGE_JSON
    if lower.startswith("dockerfile") or lower.endswith(".dockerfile"):
        return FileKind.DOCKERFILE
    if _is_env_file(lower):
        return FileKind.ENV_FILE
    if suffix == ".json":
        return FileKind.CONFIG_JSON if path is not None and _is_config_json(lower, path) else None
    if suffix in (".yml", ".yaml"):
        if lower.startswith(("docker-compose", "compose.", "compose-")):
            return FileKind.COMPOSE
        return FileKind.KUBERNETES if path and _looks_like_kubernetes(path) else None
    if suffix in SCRIPT_SUFFIXES:
        return None if lower.endswith(".d.ts") else FileKind.SCRIPT
    if suffix in TEMPLATE_SUFFIXES:
        return FileKind.TEMPLATE
    return None


#: `.env.example` and its kin document the variables; their values are meant to be replaced.
_ENV_TEMPLATE_WORDS = frozenset(
    {
        "example",
        "examples",
        "sample",
        "samples",
        "template",
        "tmpl",
        "tpl",
        "dist",
        "default",
        "defaults",
        "schema",
        "skeleton",
        "stub",
    }
)


def _is_env_file(lower: str) -> bool:
    """`.env` and `.env.<stage>` (`.env.production`, `.env.local`), not `.env.example`."""
    if lower == ".env":
        return True
    if not lower.startswith(".env."):
        return False
    return not set(lower[len(".env.") :].split(".")) & _ENV_TEMPLATE_WORDS


_CONFIG_FOLDERS = frozenset({"config", "configs", "conf", "settings"})
#: JSON files of a config folder that hold no settings: schemas, TypeScript and lint
#: options, and node-config's map of environment-variable names.
_NOT_SETTINGS = re.compile(
    r"(?:^|[.-])(?:schema|example|sample|template|tsconfig|jsconfig|eslintrc|babelrc|"
    r"custom-environment-variables)(?:[.-]|$)"
)


def _is_config_json(lower: str, path: Path) -> bool:
    """`config/default.json`, `config/config.json`: not a schema or a template."""
    return path.parent.name.lower() in _CONFIG_FOLDERS and not _NOT_SETTINGS.search(lower)


def _looks_like_kubernetes(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    return all(marker.search(head) for marker in _K8S_MARKERS)


#: More .gitignore than anyone writes by hand; the rest of a larger file is not read.
_GITIGNORE_BYTES = 1_000_000


class _Jail:
    """The scanned folder: what lies outside it is read only with --follow-symlinks."""

    def __init__(self, root: Path, follow_symlinks: bool) -> None:
        self.root = _real(root)
        self.follow = follow_symlinks

    def outside(self, real: str) -> bool:
        return not self.follow and os.path.commonpath((self.root, real)) != self.root

    def allows(self, path: Path) -> bool:
        return not self.outside(_real(path))

    def skip(self, rel: str, real: str) -> Skip:
        return Skip(
            rel,
            f"symlink points outside the scanned folder: {real}; not followed "
            "(--follow-symlinks to allow)",
        )


class _IgnoreRules:
    """.gitignore files found on the way down, each applying to its own folder."""

    def __init__(self, extra: tuple[str, ...]) -> None:
        #: (folder, its .gitignore, the search for any of its ignoring patterns)
        self._specs: list[tuple[str, pathspec.PathSpec[Any], re.Pattern[str] | None]] = []
        #: --exclude patterns: they apply to every file, lockfiles included.
        self._exclude = pathspec.PathSpec.from_lines("gitignore", extra) if extra else None

    def load(self, directory: Path, rel_dir: str, jail: _Jail) -> None:
        gitignore = directory / ".gitignore"
        try:
            if not jail.allows(gitignore) or not stat.S_ISREG(gitignore.stat().st_mode):
                return
            with gitignore.open("rb") as handle:
                head = handle.read(_GITIGNORE_BYTES)
        except OSError:
            return
        lines = head.decode("utf-8", errors="replace").splitlines()
        spec = pathspec.PathSpec.from_lines("gitignore", lines)
        self._specs.append((rel_dir, spec, _any_ignoring(spec)))

    def ignored(self, rel: str, is_dir: bool, *, gitignore: bool = True) -> bool:
        """Whether --exclude or (when `gitignore`) a .gitignore leaves `rel` out."""
        if self._exclude is not None and self._exclude.match_file(rel + "/" if is_dir else rel):
            return True
        if not gitignore:
            return False
        for base, spec, ignoring in self._specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1 :] if base else rel
            path = sub + "/" if is_dir else sub
            if ignoring is not None and not ignoring.search(pathspec.util.normalize_file(path)):
                continue  # no pattern of it ignores the path: most paths, in one search
            if spec.match_file(path):
                return True
        return False


def _any_ignoring(spec: pathspec.PathSpec[Any]) -> re.Pattern[str] | None:
    """One search for all of a .gitignore's ignoring patterns (not the `!` ones): a path
    that none of them matches is not ignored, whichever patterns follow, and PathSpec tries
    them one by one (each a regular expression searched in the path: ~70 of them per file
    of an app whose .gitignore lists its build outputs). None when they cannot be joined."""
    regexes = [
        p.regex
        for p in spec.patterns
        if isinstance(p, pathspec.RegexPattern) and p.include and p.regex is not None
    ]
    if not regexes:
        return re.compile(r"(?!)")  # nothing is ignored
    if len({r.flags for r in regexes}) > 1 or not all(isinstance(r.pattern, str) for r in regexes):
        return None
    try:
        return re.compile("|".join(f"(?:{r.pattern})" for r in regexes), regexes[0].flags)
    except re.error:  # e.g. two patterns naming the same group
        return None


def discover(root: Path, options: DiscoveryOptions) -> Inventory:
    """Walk `root` (a folder or a single file) and classify what nodeward can analyze."""
    root = root.resolve() if not root.is_symlink() else root.absolute()
    inventory = Inventory(root=root if root.is_dir() else root.parent, options=options)
    if root.is_file():  # a file named on the command line is analysed, whatever its name
        _add_file(inventory, root, root.name, options)
        return inventory
    rules = _IgnoreRules(options.exclude)
    jail = _Jail(root, options.follow_symlinks)
    for path, rel in _walk(root, "", rules, options, {_real(root)}, inventory, jail):
        exclusion = _excluded(rel, options)
        if exclusion is None:
            _add_file(inventory, path, rel, options)
        else:
            _set_aside(inventory, path, rel, exclusion)
    inventory.files.sort(key=lambda f: f.rel)
    inventory.skips += inventory.exclusions.skips(include_tests=options.include_tests)
    return inventory


def _excluded(rel: str, options: DiscoveryOptions) -> Exclusion | None:
    if not options.default_excludes:
        return None
    found = exclusion_of(rel)
    if found is None or (found.treatment is Treatment.TEST and options.include_tests):
        return None
    return found


_DEPLOYMENT_KINDS = frozenset({FileKind.DOCKERFILE, FileKind.COMPOSE, FileKind.KUBERNETES})


def _set_aside(inventory: Inventory, path: Path, rel: str, exclusion: Exclusion) -> None:
    """A default-excluded file: a library script is kept for the dependency audit (DEP002
    identifies served libraries by content), other scripts wait for readmit(). In build
    and vendor folders the deployment files (a `build/Dockerfile`) are read as usual."""
    kind = classify(path.name, path) if may_analyze(path.name) else None
    if kind in _DEPLOYMENT_KINDS and exclusion.treatment is Treatment.LIBRARY:
        _add_file(inventory, path, rel, inventory.options)
        return
    if kind is not FileKind.SCRIPT:
        return
    inventory.exclusions.note(rel, exclusion)
    if exclusion.treatment is Treatment.LIBRARY:
        before = len(inventory.files)
        _add_file(inventory, path, rel, inventory.options)
        for index in range(before, len(inventory.files)):
            found = inventory.files[index]
            inventory.files[index] = replace(found, kind=FileKind.STATIC_LIBRARY)
            inventory.kept_as_library.add(rel)
    else:
        inventory.set_aside.append((path, rel))


def _real(path: Path) -> str:
    return os.path.realpath(path)


def _walk(
    directory: Path,
    rel_dir: str,
    rules: _IgnoreRules,
    options: DiscoveryOptions,
    ancestors: set[str],
    inventory: Inventory,
    jail: _Jail,
) -> Iterator[tuple[Path, str]]:
    rules.load(directory, rel_dir, jail)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as error:
        inventory.skips.append(Skip(rel_dir or ".", f"cannot read folder: {error.strerror}"))
        return
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir and not entry.is_symlink() and not may_analyze(entry.name):
            # a plain file nodeward never reads: _add_file and _set_aside would pass it over
            # (both ask may_analyze), so neither its path nor .gitignore is worth asking
            continue
        path = Path(entry.path)
        if is_dir:
            if entry.name in ALWAYS_PRUNED_DIRS:
                continue
            if entry.name == "node_modules" and not options.include_node_modules:
                continue
            if rules.ignored(rel, is_dir=True):
                continue
            real = _real(path)
            if entry.is_symlink() and (real in ancestors or not Path(real).exists()):
                inventory.skips.append(Skip(rel, "symlink loop: the link points back up the tree"))
                continue
            if entry.is_symlink() and jail.outside(real):
                inventory.skips.append(jail.skip(rel, real))
                continue
            yield from _walk(path, rel, rules, options, ancestors | {real}, inventory, jail)
        # Lockfiles are data, not source: a .gitignore'd lockfile still says what is installed.
        elif not rules.ignored(rel, is_dir=False, gitignore=entry.name not in LOCKFILE_NAMES):
            if entry.is_symlink() and not path.exists():
                inventory.skips.append(Skip(rel, "broken or looping symlink"))
                continue
            if entry.is_symlink() and jail.outside(_real(path)):
                if may_analyze(entry.name, path.parent.name):
                    inventory.skips.append(jail.skip(rel, _real(path)))
                continue
            yield path, rel


def _add_file(inventory: Inventory, path: Path, rel: str, options: DiscoveryOptions) -> None:
    if not may_analyze(path.name):
        return
    try:
        status = path.stat()
    except OSError as error:
        inventory.skips.append(Skip(rel, f"cannot read file: {error.strerror}"))
        return
    if not stat.S_ISREG(status.st_mode):
        inventory.skips.append(Skip(rel, "not a regular file (a FIFO, socket or device)"))
        return
    kind = classify(path.name, path)
    if kind is None:
        return
    size = status.st_size
    if kind is FileKind.LOCKFILE:
        if size > LOCKFILE_MAX_BYTES:
            over = f"file is {size:,} bytes, over the lockfile limit ({LOCKFILE_MAX_BYTES:,} bytes)"
            inventory.skips.append(Skip(rel, over))
            return
    elif size > options.max_file_size:
        limit = options.max_file_size
        over = f"file is {size:,} bytes, over --max-file-size ({limit:,} bytes)"
        library = _bundle_reason(path) if kind is FileKind.SCRIPT else None
        if library is None:
            inventory.skips.append(Skip(rel, over))
            return
        # Kept, not analyzed: the dependency audit identifies served libraries by content.
        inventory.skips.append(Skip(rel, f"{over}; {library}"))
        kind = FileKind.STATIC_LIBRARY
    inventory.files.append(DiscoveredFile(path=path, rel=rel, kind=kind, size=size))


def _bundle_reason(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return bundle_reason(handle.read(HEAD_BYTES))
    except OSError:
        return None
