"""Does the application load a vulnerable package -- this installed copy of it?

Node resolves `require("lodash")` from a file by walking up from the file's folder to the
nearest `node_modules/lodash`. npm lockfiles (v1-v3) and an installed node_modules record
that install tree (`node_modules/a/node_modules/b`), so an import resolves to the very copy
Node would load. yarn.lock and pnpm-lock.yaml record no layout: there an import resolves to
the copy the project or one of its workspaces declares, else to every copy of that name
(approximate: yarn's hoisting and pnpm's hoist patterns are not modelled).

A copy is reachable when an application file's import resolves to it, or when a reachable
copy depends on it (transitively). For a copy the app imports itself, the functions an
advisory names are looked for among the calls of the files whose import resolves to it,
through the name resolution of `FileContext.callee`.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nodeward.deps.exports import exported, exports_of
from nodeward.deps.lockfiles.interface import Package, SourceKind
from nodeward.findings import Reachability, SourceLocation
from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext, Ref, normalize_module
from nodeward.source.parse import Node

_TEST_FILE = re.compile(r"(^|/)(tests?|__tests__|spec)/|\.(test|spec)\.[cm]?[jt]sx?$")
_SCRIPT_SUFFIX = re.compile(r"\.[cm]?js$")


@dataclass(frozen=True)
class FunctionUse:
    """An advisory's affected function and the first call of it found (None: no call)."""

    function: str  # as nodeward prints it: `lodash.merge`
    call: SourceLocation | None


@dataclass(frozen=True)
class Verdict:
    reachability: Reachability
    note: str
    evidence: tuple[SourceLocation, ...] = ()
    functions: tuple[FunctionUse, ...] = ()


@dataclass(frozen=True)
class ImportSite:
    """An import of package `name` (as installed: an alias stays the alias), of the module
    `subpath` inside it (`merge` for `lodash/merge`, empty for the package itself)."""

    name: str
    location: SourceLocation
    subpath: str = ""

    @property
    def in_test(self) -> bool:
        return _TEST_FILE.search(self.location.path) is not None


def package_of(specifier: str) -> str | None:
    """The npm package an import specifier names (`lodash/template` -> lodash)."""
    specifier = normalize_module(specifier)
    if not specifier or specifier.startswith((".", "/")) or ":" in specifier:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) > 1 else None
    return parts[0]


def function_path(spec: str, package: str) -> tuple[str, ...] | None:
    """An advisory's function name as a member path of the package: GitHub writes
    `(lodash).merge`, OSV records and summaries `lodash.merge`, some `_.merge`; a record
    for lodash-es may still say `lodash.baseSet`. The package's own name (`lodash.merge`
    for the per-method package) is its export itself, the empty path. None: no name."""
    text = spec.strip()
    if not text:
        return None
    head = text.split(".", 1)[0]
    if text.startswith("(") and ")" in text:
        text = text[text.index(")") + 1 :]
    elif text == package:
        return ()
    elif text.startswith(package + "."):
        text = text[len(package) + 1 :]
    elif text.startswith("_."):
        text = text[2:]
    elif "." in text and package.startswith((head + "-", head + ".")):
        text = text[len(head) + 1 :]  # the library's family name: lodash for lodash-es
    return tuple(part for part in text.strip(".").split(".") if part)


def calls_function(ref: Ref, name: str, path: tuple[str, ...]) -> bool:
    """Whether a callee's access path is `path` of package `name`: `_.merge`, a named or
    namespace import of `merge`, or the per-function module `lodash/merge`. The separate
    package `lodash.merge` is another package, with advisories of its own."""
    members = tuple(step for step in ref.path if step != CALL)
    if ref.module == name:
        return members[: len(path)] == path
    if ref.module.startswith(name + "/"):
        subpath = _SCRIPT_SUFFIX.sub("", ref.module[len(name) + 1 :]).removesuffix("/index")
        return (*subpath.split("/"), *members)[: len(path)] == path
    return False


class InstallTree:
    """The copies one lockfile installs, and which of them an import resolves to."""

    def __init__(
        self, manifest: str, packages: Iterable[Package], root: Path | None = None
    ) -> None:
        self.folder = posixpath.dirname(manifest)
        self.root = root  # the scan root, to read installed copies' package.json
        self._exports: dict[str, Any] = {}
        self.by_key = {p.key: p for p in packages}
        #: npm layouts key packages by install path; Node's walk applies to them exactly.
        self.nested = any(k.startswith("node_modules/") for k in self.by_key)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for package in self.by_key.values():
            self.by_name[package.alias or package.name].append(package.key)
        workspaces = [p for p in self.by_key.values() if p.kind is SourceKind.WORKSPACE]
        #: npm links workspaces and `file:` folders into node_modules; the lockfile keeps
        #: them under their own folder (`packages/web`), so an import by name lands there.
        self.linked = {
            p.alias or p.name: p.key
            for p in self.by_key.values()
            if p.kind in (SourceKind.WORKSPACE, SourceKind.FILE) and "node_modules/" not in p.key
        }
        self.declared = {p.key for p in self.by_key.values() if p.is_direct} | {
            k for p in workspaces for k in p.requires
        }

    def loaded_by(self, site: ImportSite) -> tuple[str, ...]:
        """The copies an import loads: those it resolves to, less those whose package.json
        `exports` hides the subpath it asks for (Node throws instead of loading them)."""
        keys = self.resolve(site.location.path, site.name)
        root = self.root
        if not site.subpath or root is None or not self.nested:
            return keys
        return tuple(k for k in keys if exported(self._exports_of(root, k), site.subpath))

    def _exports_of(self, root: Path, key: str) -> Any:
        if key not in self._exports:
            self._exports[key] = exports_of(root / self.folder / key, root)
        return self._exports[key]

    def resolve(self, importer: str, name: str) -> tuple[str, ...]:
        """The keys of the copies an import of `name` from file `importer` (relative to the
        scan root) loads; empty when it resolves to none of this lockfile's packages."""
        if self.folder:
            if not importer.startswith(self.folder + "/"):
                return ()
            importer = importer[len(self.folder) + 1 :]
        if not self.nested:
            copies = self.by_name.get(name, [])
            return tuple(k for k in copies if k in self.declared) or tuple(copies)
        base = posixpath.dirname(importer)
        while True:
            if posixpath.basename(base) != "node_modules":
                candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
                if candidate in self.by_key:
                    return (candidate,)
            if not base:
                linked = self.linked.get(name)
                return (linked,) if linked is not None else ()
            base = posixpath.dirname(base)


@dataclass(frozen=True)
class _Reached:
    site: ImportSite  # the import that loads this copy, or the copy it comes through
    through: Package | None  # the imported copy it is loaded through; None: imported itself


def _reach(tree: InstallTree, sites: Iterable[ImportSite]) -> dict[str, _Reached]:
    """Every copy the imports load, directly or through the copies they depend on."""
    reached: dict[str, _Reached] = {}
    queue: deque[str] = deque()
    for site in sites:
        for key in tree.loaded_by(site):
            if key not in reached:
                reached[key] = _Reached(site, None)
                queue.append(key)
    while queue:
        key = queue.popleft()
        origin = reached[key]
        through = origin.through or tree.by_key[key]
        for child in tree.by_key[key].requires:
            if child not in reached and child in tree.by_key:
                reached[child] = _Reached(origin.site, through)
                queue.append(child)
    return reached


def _import_source(statement: Node) -> Node | None:
    """The module string of an import or re-export that loads code at run time: TypeScript's
    `import x = require("m")` included, `import type` / `export type` (erased) left out."""
    if any(child.type == "type" for child in statement.children[:2]):
        return None
    source = statement.child_by_field_name("source")
    if source is not None:
        return source
    for clause in statement.children:
        if clause.type == "import_require_clause":
            return next((c for c in clause.children if c.type == "string"), None)
    return None


@dataclass(frozen=True)
class _TreeReach:
    tree: InstallTree
    app: dict[str, _Reached]
    tests: dict[str, _Reached]


class ImportIndex:
    """Where each package is imported, and which installed copies that reaches; built once
    per scan, each lockfile's tree resolved on first use."""

    def __init__(
        self,
        files: Iterable[FileContext],
        packages: Iterable[Package] = (),
        root: Path | None = None,
    ) -> None:
        self.root = root
        self.files = {ctx.rel: ctx for ctx in files}
        self.sites: list[ImportSite] = []
        self.dynamic = False  # a require(expression) could load anything
        for ctx in self.files.values():
            for call in ctx.nodes("call_expression"):
                module = ctx.required_module(call)
                if module is not None:
                    self._add(module, ctx.location(call))
                elif ctx.callee_name(call) == "require":
                    self.dynamic = True
            for statement in ctx.nodes("import_statement", "export_statement"):
                source = syntax.string_value(_import_source(statement))
                if source is not None:
                    self._add(source, ctx.location(statement))
        self.by_name: dict[str, list[ImportSite]] = defaultdict(list)
        for site in self.sites:
            self.by_name[site.name].append(site)
        self._packages: dict[str, list[Package]] = defaultdict(list)
        for package in packages:
            self._packages[package.manifest].append(package)
        self._trees: dict[str, _TreeReach] = {}

    def _add(self, specifier: str, location: SourceLocation) -> None:
        name = package_of(specifier)
        if name is not None:
            subpath = normalize_module(specifier)[len(name) :].lstrip("/")
            self.sites.append(ImportSite(name, location, subpath))

    def reach_of(self, package: Package) -> _TreeReach:
        found = self._trees.get(package.manifest)
        if found is None:
            copies = self._packages.get(package.manifest) or [package]
            tree = InstallTree(package.manifest, copies, self.root)
            app = _reach(tree, (s for s in self.sites if not s.in_test))
            tests = _reach(tree, (s for s in self.sites if s.in_test))
            found = self._trees[package.manifest] = _TreeReach(tree, app, tests)
        return found

    def function_calls(
        self, tree: InstallTree, key: str, name: str, path: tuple[str, ...]
    ) -> list[SourceLocation]:
        """Calls of `path` of the copy `key` in the application files that import it."""
        files = dict.fromkeys(
            s.location.path
            for s in self.by_name.get(name, ())
            if not s.in_test and key in tree.loaded_by(s)
        )
        found = []
        for rel in files:
            ctx = self.files[rel]
            for call in ctx.calls:
                ref = ctx.callee(call)
                if ref is not None and calls_function(ref, name, path):
                    found.append(ctx.location(call))
        return found


def judge(package: Package, index: ImportIndex, functions: tuple[str, ...]) -> Verdict:
    if not index.files:
        return Verdict(Reachability.UNKNOWN, "no application code was analyzed")
    reach = index.reach_of(package)
    reached = reach.app.get(package.key)
    if reached is not None and reached.through is None:
        site = reached.site.location
        verdict = Verdict(Reachability.REACHABLE, f"imported at {site.path}:{site.line}", (site,))
        return _with_functions(verdict, package, reach.tree, index, functions)
    if reached is not None and reached.through is not None:
        site = reached.site.location
        via = reached.through.alias or reached.through.name
        note = f"loaded through {via}, imported at {site.path}:{site.line}"
        return Verdict(Reachability.REACHABLE, note, (site,))
    in_tests = reach.tests.get(package.key)
    if in_tests is not None:
        if in_tests.through is None:
            return Verdict(Reachability.UNREACHABLE, "only test files import it")
        via = in_tests.through.alias or in_tests.through.name
        return Verdict(Reachability.UNREACHABLE, f"only test files load it (through {via})")
    if index.dynamic:
        return Verdict(
            Reachability.UNKNOWN, "not imported by name, but the app has dynamic requires"
        )
    name = package.alias or package.name
    sites = index.by_name.get(name, [])
    hidden = next((s for s in sites if _hidden_by_exports(s, package, reach.tree)), None)
    if hidden is not None:
        where = f"{hidden.location.path}:{hidden.location.line}"
        return Verdict(
            Reachability.UNREACHABLE,
            f"its package.json `exports` hides {name}/{hidden.subpath}, imported at {where}",
        )
    if any(not s.in_test for s in sites):
        return Verdict(
            Reachability.UNREACHABLE, f"the app imports {name}, but not this copy ({package.key})"
        )
    return Verdict(Reachability.UNREACHABLE, "no application file imports it")


def _hidden_by_exports(site: ImportSite, package: Package, tree: InstallTree) -> bool:
    """An app import that resolves to this copy but asks for a subpath it does not export."""
    return (
        not site.in_test
        and package.key in tree.resolve(site.location.path, site.name)
        and package.key not in tree.loaded_by(site)
    )


def _with_functions(
    verdict: Verdict,
    package: Package,
    tree: InstallTree,
    index: ImportIndex,
    functions: tuple[str, ...],
) -> Verdict:
    if not functions:
        return verdict
    name = package.alias or package.name
    notes = []
    uses = []
    evidence = list(verdict.evidence)
    for spec in dict.fromkeys(functions):
        path = function_path(spec, package.name)
        if path is None:
            continue
        label = ".".join((package.name, *path))
        calls = index.function_calls(tree, package.key, name, path)
        if calls:
            notes.append(f"calls {label} at {calls[0].path}:{calls[0].line}")
            evidence.append(calls[0])
        else:
            notes.append(f"no call to {label} found")
        uses.append(FunctionUse(label, calls[0] if calls else None))
    if not notes:
        return verdict
    return Verdict(
        verdict.reachability, f"{verdict.note}; {'; '.join(notes)}", tuple(evidence), tuple(uses)
    )
