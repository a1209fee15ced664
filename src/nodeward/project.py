"""The scanned project: discovered files, parsed once, shared by every analyzer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from nodeward import entrypoints
from nodeward.config import Config
from nodeward.discover import DiscoveredFile, FileKind, Inventory
from nodeward.entrypoints import EntryPoints
from nodeward.findings import Skip
from nodeward.manifests.dockerfile import instructions
from nodeward.progress import track
from nodeward.source.context import FileContext
from nodeward.source.parse import SourceText, parse_path, read_text


@dataclass(frozen=True)
class PackageManifest:
    rel: str
    data: dict[str, Any]
    text: SourceText

    @property
    def dependency_names(self) -> set[str]:
        names: set[str] = set()
        for key in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
            section = self.data.get(key)
            if isinstance(section, dict):
                names.update(str(k) for k in section)
        return names


@dataclass
class Project:
    """Everything a checker may read. `config` is the run's configuration, for analyzers
    with options of their own (advisory source, live target, ...). `skips` are what loading
    the project found (discovery, unreadable or unparsable files); analyzers return their
    own skips (analysis/result.py) and never add to these."""

    root: Path
    inventory: Inventory
    config: Config = field(default_factory=Config)
    files: list[FileContext] = field(default_factory=list)
    manifests: list[PackageManifest] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    _texts: dict[str, SourceText | Skip] = field(default_factory=dict)

    def text_of(self, discovered: DiscoveredFile) -> SourceText | Skip:
        """Read a non-script file once (Dockerfiles, YAML); a Skip says why it could not be."""
        if discovered.rel not in self._texts:
            self._texts[discovered.rel] = read_text(discovered.path, discovered.rel)
        return self._texts[discovered.rel]

    def read_notes(self) -> list[Skip]:
        """The notes on the non-script files read so far (not valid UTF-8), for the
        report: the files analyzers read are known only once they ran."""
        return [
            Skip(text.rel, UNDECODABLE_NOTE, note=True)
            for text in self._texts.values()
            if isinstance(text, SourceText) and text.undecodable
        ]

    def loaded_texts(self) -> list[SourceText]:
        """Every text file read so far (scripts and manifests), for inline suppressions."""
        texts = [ctx.parsed.text for ctx in self.files]
        texts += [m.text for m in self.manifests]
        texts += [t for t in self._texts.values() if isinstance(t, SourceText)]
        return texts

    @cached_property
    def dependency_names(self) -> set[str]:
        """Every package any package.json in the project depends on."""
        names: set[str] = set()
        for manifest in self.manifests:
            names |= manifest.dependency_names
        return names

    @cached_property
    def imported_modules(self) -> set[str]:
        modules: set[str] = set()
        for ctx in self.files:
            modules |= ctx.imported_modules()
        return modules

    def uses_package(self, name: str) -> bool:
        """Whether the code imports `name` or a package.json declares it."""
        return name in self.imported_modules or name in self.dependency_names


#: Files whose syntax tree nests deeper than this are not analysed: each `Node.parent`
#: costs O(depth) in tree-sitter. Hand-written code nests a few dozen levels, generated
#: code (a 3,000-call method chain) a few thousand, which the analyses bound themselves
#: (the app model stops at DEEP_FILE, the taint engine cuts expressions short).
MAX_SYNTAX_DEPTH = 10_000


def load_project(inventory: Inventory, config: Config | None = None) -> Project:
    project = Project(
        root=inventory.root,
        inventory=inventory,
        config=config if config is not None else Config(path=inventory.root),
    )
    for discovered in inventory.of_kind(FileKind.PACKAGE_JSON):
        manifest = _load_manifest(discovered)
        if isinstance(manifest, Skip):
            project.skips.append(manifest)
        else:
            project.manifests.append(manifest)
            _note_undecodable(project, manifest.text)
    entries = _entry_points(project)
    inventory.readmit(entries.__contains__)  # it updates the default excludes' notes
    project.skips[:0] = inventory.skips
    scripts = [f for f in inventory.files if f.kind is FileKind.SCRIPT]
    for discovered in track(scripts, "parse", "files", quiet=project.config.quiet):
        parsed = parse_path(discovered.path, discovered.rel, library=discovered.rel not in entries)
        if isinstance(parsed, Skip):
            project.skips.append(parsed)
            continue
        _note_undecodable(project, parsed.text)
        if parsed.syntax_error is not None:
            line, col = parsed.syntax_error
            project.skips.append(
                Skip(
                    discovered.rel,
                    f"syntax error at line {line}, column {col}; the rest of the file was analyzed",
                )
            )
        ctx = FileContext(parsed)
        if ctx.max_depth > MAX_SYNTAX_DEPTH:
            reason = (
                f"syntax tree nests {ctx.max_depth:,} levels deep (bound {MAX_SYNTAX_DEPTH:,}): "
                "too deep to analyse safely; not analyzed"
            )
            project.skips.append(Skip(discovered.rel, reason))
            continue
        project.files.append(ctx)
    return project


def _note_undecodable(project: Project, text: SourceText) -> None:
    if text.undecodable:
        project.skips.append(Skip(text.rel, UNDECODABLE_NOTE, note=True))


#: The note for a file that is not valid UTF-8; it is analysed all the same.
UNDECODABLE_NOTE = "not valid UTF-8: undecodable bytes replaced; analysed anyway"


def _entry_points(project: Project) -> EntryPoints:
    points = EntryPoints()
    for manifest in project.manifests:
        entrypoints.from_package(points, manifest.rel, manifest.data)
    for discovered in project.inventory.of_kind(FileKind.DOCKERFILE):
        text = project.text_of(discovered)
        if isinstance(text, SourceText):
            commands = [
                i.command_text() for i in instructions(text) if i.keyword in ("CMD", "ENTRYPOINT")
            ]
            entrypoints.from_dockerfile(points, discovered.rel, commands)
    return points


def _load_manifest(discovered: DiscoveredFile) -> PackageManifest | Skip:
    text = read_text(discovered.path, discovered.rel)
    if isinstance(text, Skip):
        return text
    try:
        data = json.loads(text.source)
    except json.JSONDecodeError as error:
        return Skip(discovered.rel, f"invalid JSON at line {error.lineno}: {error.msg}")
    except RecursionError:
        return Skip(discovered.rel, "invalid JSON: nested too deeply")
    if not isinstance(data, dict):
        return Skip(discovered.rel, "package.json is not a JSON object")
    return PackageManifest(rel=discovered.rel, data=data, text=text)
