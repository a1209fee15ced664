"""The project's own modules: which file an import names, and what each file exports.

Both the app model (a router exported from one file and mounted in another) and the taint
engine (a helper imported from a data-access module) resolve code across files through
this one graph. Only the project's files are resolved; packages are modelled as data.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar, cast

from nodeward.source import syntax
from nodeward.source.context import CALL, FileContext
from nodeward.source.parse import Node

DEFAULT = "default"
_EXTENSIONS = (".js", ".ts", ".tsx", ".mjs", ".cjs", ".jsx", ".mts", ".cts")
_MAX_REEXPORT_HOPS = 8
T = TypeVar("T")


@dataclass(frozen=True)
class ReExport:
    """`export * from "./x"` (name None) or `export { a as b } from "./x"`."""

    specifier: str
    name: str | None
    alias: str | None


@dataclass(frozen=True)
class Resolved:
    """An exported value and the file it is defined in."""

    ctx: FileContext
    node: Node


class ModuleGraph:
    def __init__(self, files: list[FileContext]) -> None:
        self._files = {ctx.rel: ctx for ctx in files}
        self._exports: dict[str, dict[str, Node]] = {}
        self._reexports: dict[str, list[ReExport]] = {}
        self._facts: dict[Callable[[ModuleGraph], object], object] = {}
        self._imported: dict[str, tuple[frozenset[str], bool]] = {}
        #: (file, specifier) -> resolve()'s answer: the engines resolve the same few
        #: specifiers of a file at every call through an import (~12,000 times in a
        #: 400-file app), and the files of the graph never change
        self._resolved: dict[tuple[str, str], FileContext | None] = {}

    def fact(self, compute: Callable[[ModuleGraph], T]) -> T:
        """`compute(self)`, computed once per graph: a fact about the whole project (the
        app-wide validation pipes) lives as long as the graph, in no module-level cache."""
        if compute not in self._facts:
            self._facts[compute] = compute(self)
        return cast(T, self._facts[compute])

    def file(self, rel: str) -> FileContext | None:
        return self._files.get(rel)

    def files(self) -> Iterable[FileContext]:
        return self._files.values()

    def resolve(self, from_rel: str, specifier: str) -> FileContext | None:
        """The project file a relative `require`/`import` specifier names, as Node resolves
        it (exact name, added extension, folder index), plus TypeScript's `./x.js` -> x.ts."""
        if not specifier.startswith("."):
            return None
        key = (from_rel, specifier)
        if key not in self._resolved:
            self._resolved[key] = self._resolve_in(posixpath.dirname(from_rel), specifier)
        return self._resolved[key]

    def _resolve_in(self, folder: str, specifier: str) -> FileContext | None:
        base = posixpath.normpath(posixpath.join(folder, specifier))
        candidates = [base]
        stem, ext = posixpath.splitext(base)
        if ext in (".js", ".mjs", ".cjs", ".jsx"):
            candidates += [stem + ".ts", stem + ".tsx", stem + ".mts", stem + ".cts"]
        candidates += [base + e for e in _EXTENSIONS]
        candidates += [f"{base}/index{e}" for e in _EXTENSIONS]
        for candidate in candidates:
            if candidate in self._files:
                return self._files[candidate]
        return None

    def imported_files(self, ctx: FileContext) -> frozenset[str]:
        """The other project files that `ctx` names by a specifier this graph resolves:
        its imports and requires (side-effect imports too) and the sources of its
        `export ... from` re-exports. Every crossing from one file to another goes along
        one of these links; the app model's relevance pass and the taint engine's
        importers both read them, computed once per file of the graph."""
        return self._links(ctx)[0]

    def names_project_file(self, ctx: FileContext) -> bool:
        """Whether some specifier of `ctx` resolves to a project file, itself included."""
        return self._links(ctx)[1]

    def _links(self, ctx: FileContext) -> tuple[frozenset[str], bool]:
        """imported_files(ctx), and whether some specifier of it resolves at all (to
        another file or to itself)."""
        known = self._imported.get(ctx.rel)
        if known is not None and self._files.get(ctx.rel) is ctx:
            return known
        targets = {
            target.rel
            for specifier in _specifiers(ctx)
            if (target := self.resolve(ctx.rel, specifier)) is not None
        }
        found = (frozenset(targets - {ctx.rel}), bool(targets))
        if self._files.get(ctx.rel) is ctx:  # a file outside the graph may share a rel
            self._imported[ctx.rel] = found
        return found

    def exports(self, ctx: FileContext) -> dict[str, Node]:
        """Exported name -> the expression or declaration it is bound to. `module.exports = X`
        and `export default X` are DEFAULT; an object literal assigned to module.exports also
        exports each of its keys."""
        if ctx.rel not in self._exports:
            self._exports[ctx.rel], self._reexports[ctx.rel] = _collect_exports(ctx)
        return self._exports[ctx.rel]

    def lookup(self, ctx: FileContext, name: str, _hops: int = 0) -> Resolved | None:
        """Find export `name` of `ctx`, following re-exports and local names to the
        definition (a function, class or expression)."""
        if _hops > _MAX_REEXPORT_HOPS:
            return None
        exported = self.exports(ctx).get(name)
        if exported is not None:
            return Resolved(ctx, _definition(ctx, exported))
        for reexport in self._reexports.get(ctx.rel, []):
            if reexport.name is not None and (reexport.alias or reexport.name) != name:
                continue
            target = self.resolve(ctx.rel, reexport.specifier)
            if target is not None:
                found = self.lookup(target, reexport.name or name, _hops + 1)
                if found is not None:
                    return found
        return None

    def resolve_import(self, ctx: FileContext, node: Node) -> Resolved | None:
        """What an expression that comes from a project module (`require("./a").f`,
        an imported name) is defined as, or None."""
        if not self.names_project_file(ctx):
            # every access path starts at a specifier the file writes (ref_of): none
            # names a project file, so no expression of it comes from one (a vendored
            # library asks this of each of its thousands of calls)
            return None
        ref = ctx.ref_of(node)
        if ref is None:
            return None
        target = self.resolve(ctx.rel, ref.module)
        if target is None:
            return None
        members = _export_path(ref.path)
        if members is None:
            return None
        if not members:
            return self.lookup(target, DEFAULT)
        found = self.lookup(target, members[0])
        if found is None:
            default = self.lookup(target, DEFAULT)
            if default is not None:  # module.exports = { f } read as require(...).f
                value = syntax.object_get(default.node, members[0])
                if value is not None:
                    found = Resolved(target, _definition(target, value))
        for member in members[1:]:  # `dao.users.find`: nested object literals, or barrels
            if found is None:
                return None
            found = self._member(found, member)
        return found

    def _member(self, found: Resolved, member: str) -> Resolved | None:
        """Member `member` of an exported value: a key of an object literal, or an export
        of the module a barrel file re-exports as a value
        (`module.exports.userService = require("./user.service")`)."""
        value = syntax.unwrap(found.ctx.value_of(found.node))
        specifier = _required_specifier(value) or _namespace_specifier(found.ctx, value)
        if specifier is not None:
            target = self.resolve(found.ctx.rel, specifier)
            if target is None:
                return None
            inner = self.lookup(target, member)
            if inner is None and (default := self.lookup(target, DEFAULT)) is not None:
                item = syntax.object_get(default.ctx.value_of(default.node), member)
                inner = Resolved(target, _definition(target, item)) if item else None
            return inner
        item = syntax.object_get(value, member)
        return Resolved(found.ctx, _definition(found.ctx, item)) if item else None


def _specifiers(ctx: FileContext) -> set[str]:
    """Every module specifier the file writes: imports and requires, and the sources of
    `import "./x"` and `export ... from "./x"` statements."""
    found = set(ctx.imported_modules())
    for statement in ctx.nodes("import_statement", "export_statement"):
        source = syntax.string_value(statement.child_by_field_name("source"))
        if source is not None:
            found.add(source)
    return found


def _namespace_specifier(ctx: FileContext, node: Node | None) -> str | None:
    """`"./x"` when `node` names `import * as name from "./x"` (re-exported by a barrel
    with `export { name }`)."""
    if node is None or node.type != "identifier":
        return None
    name = syntax.text(node)
    for statement in ctx.nodes("import_statement"):
        for namespace in syntax.walk(statement):
            if namespace.type == "namespace_import" and any(
                c.type == "identifier" and syntax.text(c) == name for c in namespace.children
            ):
                return syntax.string_value(statement.child_by_field_name("source"))
    return None


def _required_specifier(node: Node | None) -> str | None:
    """`"./x"` for `require("./x")`."""
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    args = syntax.call_arguments(node)
    if fn is None or syntax.text(fn) != "require" or len(args) != 1:
        return None
    return syntax.string_value(args[0])


def _export_path(path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The members of a module an access path reads, or None when it reads a member of
    something a call returned: `memos.map` where `memos = await dao.getAll()` is
    `Ref("./dao", ("getAll", "()", "map"))`, an Array method, not the export `getAll`. One
    trailing call is the export being called (`makeRouter()` resolves to `makeRouter`)."""
    if path[-1:] == (CALL,):
        path = path[:-1]
    return None if CALL in path else path


def _definition(ctx: FileContext, node: Node) -> Node:
    """Follow a local name (`{ getUser }` too) to what it was declared as."""
    if node.type in ("identifier", "shorthand_property_identifier"):
        declared = ctx.declaration(syntax.text(node))
        if declared is not None:
            return declared
    return node


def _collect_exports(ctx: FileContext) -> tuple[dict[str, Node], list[ReExport]]:
    exports: dict[str, Node] = {}
    reexports: list[ReExport] = []
    for assign in ctx.nodes("assignment_expression"):
        left, right = assign.child_by_field_name("left"), assign.child_by_field_name("right")
        chain = syntax.member_chain(left)
        if right is None or chain is None:
            continue
        if chain == ["module", "exports"]:
            exports[DEFAULT] = right
            value = ctx.value_of(right)
            for key, item, _pair in syntax.object_entries(value):
                exports.setdefault(key, item)
        elif len(chain) == 3 and chain[:2] == ["module", "exports"]:
            exports[chain[2]] = right
        elif len(chain) == 2 and chain[0] == "exports":
            exports[chain[1]] = right
    for statement in ctx.nodes("export_statement"):
        _collect_export_statement(statement, exports, reexports)
    return exports, reexports


def _collect_export_statement(
    statement: Node, exports: dict[str, Node], reexports: list[ReExport]
) -> None:
    source = syntax.string_value(statement.child_by_field_name("source"))
    declaration = statement.child_by_field_name("declaration")
    value = statement.child_by_field_name("value")
    # `export default X`, and TypeScript's CommonJS `export = X` (what require() returns)
    is_default = any(c.type in ("default", "=") for c in statement.children)
    if is_default:
        named = statement.named_children
        target = declaration or value or (named[-1] if named else None)
        if target is not None:
            exports[DEFAULT] = target
        return
    if declaration is not None:
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                init = declarator.child_by_field_name("value")
                if name is not None and init is not None and name.type == "identifier":
                    exports[syntax.text(name)] = init
        else:
            name = declaration.child_by_field_name("name")
            if name is not None:
                exports[syntax.text(name)] = declaration
        return
    clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
    if source is not None and clause is None:
        reexports.append(ReExport(source, None, None))
        return
    if clause is None:
        return
    for spec in clause.named_children:
        name_node, alias_node = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
        if name_node is None:
            continue
        local = syntax.text(name_node)
        alias = syntax.text(alias_node) if alias_node is not None else None
        if source is not None:
            reexports.append(ReExport(source, local, alias))
        else:
            exports[alias or local] = name_node
