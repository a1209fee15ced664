"""The scanned project: discovered files, parsed once, shared by every analyzer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from nodeward.config import Config
from nodeward.discover import DiscoveredFile, FileKind, Inventory
from nodeward.findings import Skip
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
    with options of their own (advisory source, live target, ...)."""

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

    def add_skip(self, skip: Skip) -> None:
        """Record something a checker could not analyze (an unparsable Dockerfile, a
        dynamic require); every report format shows it."""
        self.skips.append(skip)

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


def load_project(inventory: Inventory, config: Config | None = None) -> Project:
    project = Project(
        root=inventory.root,
        inventory=inventory,
        config=config if config is not None else Config(path=inventory.root),
        skips=list(inventory.skips),
    )
    for discovered in track(inventory.files, "Parsing", quiet=project.config.quiet):
        if discovered.kind is FileKind.SCRIPT:
            parsed = parse_path(discovered.path, discovered.rel)
            if isinstance(parsed, Skip):
                project.skips.append(parsed)
                continue
            if parsed.syntax_error is not None:
                line, col = parsed.syntax_error
                project.skips.append(
                    Skip(
                        discovered.rel,
                        f"syntax error at line {line}, column {col}; "
                        "the rest of the file was analyzed",
                    )
                )
            project.files.append(FileContext(parsed))
        elif discovered.kind is FileKind.PACKAGE_JSON:
            manifest = _load_manifest(discovered)
            if isinstance(manifest, Skip):
                project.skips.append(manifest)
            else:
                project.manifests.append(manifest)
    return project


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
