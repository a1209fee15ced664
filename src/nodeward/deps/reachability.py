"""Does the application use a vulnerable package? From the source analysis: the imports
of every parsed project file (require, import, dynamic import), the direct dependency a
transitive package comes through, and calls of the functions an advisory names."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from nodeward.deps.lockfiles.interface import Package
from nodeward.findings import Reachability, SourceLocation
from nodeward.source import syntax
from nodeward.source.context import FileContext, normalize_module

_TEST_FILE = re.compile(r"(^|/)(tests?|__tests__|spec)/|\.(test|spec)\.[cm]?[jt]sx?$")


@dataclass(frozen=True)
class Verdict:
    reachability: Reachability
    note: str
    evidence: tuple[SourceLocation, ...] = ()


def package_of(specifier: str) -> str | None:
    """The npm package an import specifier names (`lodash/template` -> lodash)."""
    specifier = normalize_module(specifier)
    if not specifier or specifier.startswith((".", "/")) or ":" in specifier:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) > 1 else None
    return parts[0]


class ImportIndex:
    """Where each package is imported, built once per scan."""

    def __init__(self, files: Iterable[FileContext]) -> None:
        self.files = list(files)
        self.sites: dict[str, list[SourceLocation]] = defaultdict(list)
        self.dynamic = False  # a require(expression) could load anything
        for ctx in self.files:
            for call in ctx.nodes("call_expression"):
                module = ctx.required_module(call)
                if module is not None:
                    self._add(module, ctx.location(call))
                elif ctx.callee_name(call) == "require":
                    self.dynamic = True
            for statement in ctx.nodes("import_statement", "export_statement"):
                source = syntax.string_value(statement.child_by_field_name("source"))
                if source is not None:
                    self._add(source, ctx.location(statement))

    def _add(self, specifier: str, location: SourceLocation) -> None:
        package = package_of(specifier)
        if package is not None:
            self.sites[package].append(location)

    def app_sites(self, package: str) -> list[SourceLocation]:
        return [s for s in self.sites.get(package, []) if not _TEST_FILE.search(s.path)]

    def test_sites(self, package: str) -> list[SourceLocation]:
        return [s for s in self.sites.get(package, []) if _TEST_FILE.search(s.path)]

    def function_calls(self, package: str, function: str) -> list[SourceLocation]:
        """Calls of `package.function`, `require("package/function")()` or the
        per-method package `package.function`."""
        found = []
        for ctx in self.files:
            for call in ctx.calls:
                ref = ctx.callee(call)
                if ref is None:
                    continue
                module = ref.module
                members = [step for step in ref.path if step != "()"]
                if (module == package and members[:1] == [function]) or module in (
                    f"{package}/{function}",
                    f"{package}.{function}",
                ):
                    found.append(ctx.location(call))
        return found


def judge(package: Package, index: ImportIndex, functions: tuple[str, ...]) -> Verdict:
    if not index.files:
        return Verdict(Reachability.UNKNOWN, "no application code was analyzed")
    name = package.alias or package.name
    direct = index.app_sites(name)
    if direct:
        first = direct[0]
        note = f"imported at {first.path}:{first.line}"
        return _with_functions(
            Verdict(Reachability.REACHABLE, note, (first,)), package, index, functions
        )
    via = package.direct
    if via is not None and len(package.path) > 1:
        sites = index.app_sites(via.name)
        if sites:
            note = f"loaded through {via.name}, imported at {sites[0].path}:{sites[0].line}"
            return Verdict(Reachability.REACHABLE, note, (sites[0],))
    if index.test_sites(name):
        return Verdict(Reachability.UNREACHABLE, "only test files import it")
    if index.dynamic:
        return Verdict(
            Reachability.UNKNOWN, "not imported by name, but the app has dynamic requires"
        )
    return Verdict(Reachability.UNREACHABLE, "no application file imports it")


def _with_functions(
    verdict: Verdict, package: Package, index: ImportIndex, functions: tuple[str, ...]
) -> Verdict:
    if not functions:
        return verdict
    notes = []
    evidence = list(verdict.evidence)
    for function in functions:
        calls = index.function_calls(package.alias or package.name, function)
        if calls:
            notes.append(f"calls {package.name}.{function} at {calls[0].path}:{calls[0].line}")
            evidence.append(calls[0])
        else:
            notes.append(f"no call to {package.name}.{function} found")
    return Verdict(verdict.reachability, f"{verdict.note}; {'; '.join(notes)}", tuple(evidence))
