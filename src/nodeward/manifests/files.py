"""Reading manifests from the project: each file read once, problems returned as skips."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from nodeward.discover import FileKind
from nodeward.findings import Skip, SourceLocation
from nodeward.manifests import yamlnodes
from nodeward.manifests.dockerfile import Stage, stages
from nodeward.project import PackageManifest, Project
from nodeward.source.parse import SourceText

if TYPE_CHECKING:
    import yaml  # loaded by yamlnodes.documents() when a manifest is read

T = TypeVar("T")


def location(text: SourceText, line: int) -> SourceLocation:
    return SourceLocation(path=text.rel, line=line, snippet=text.line(line).strip())


@dataclass(frozen=True)
class Read(Generic[T]):
    """The files of one kind that could be read, and a Skip for each that could not: the
    check that read them yields the skips with its findings."""

    items: tuple[T, ...]
    skips: tuple[Skip, ...]


def texts(project: Project, kind: FileKind) -> Read[SourceText]:
    items: list[SourceText] = []
    skips: list[Skip] = []
    for discovered in project.inventory.of_kind(kind):
        text = project.text_of(discovered)
        if isinstance(text, Skip):
            skips.append(text)
        else:
            items.append(text)
    return Read(tuple(items), tuple(skips))


def dockerfiles(project: Project) -> Read[tuple[SourceText, list[Stage]]]:
    read = texts(project, FileKind.DOCKERFILE)
    items: list[tuple[SourceText, list[Stage]]] = []
    skips = list(read.skips)
    for text in read.items:
        parsed = stages(text)
        if parsed:
            items.append((text, parsed))
        else:
            skips.append(Skip(text.rel, "Dockerfile has no FROM instruction"))
    return Read(tuple(items), tuple(skips))


def yaml_files(project: Project, kind: FileKind) -> Read[tuple[SourceText, list[yaml.Node]]]:
    read = texts(project, kind)
    items: list[tuple[SourceText, list[yaml.Node]]] = []
    skips = list(read.skips)
    for text in read.items:
        docs = yamlnodes.documents(text)
        if isinstance(docs, Skip):
            skips.append(docs)
        else:
            items.append((text, docs))
    return Read(tuple(items), tuple(skips))


def script_line(manifest: PackageManifest, script: str) -> int:
    """The line of `"script": ...` inside the "scripts" object of a package.json (the
    first match after the `"scripts"` key), or 1 when it cannot be found."""
    lines = manifest.text.lines
    start = next((n for n, line in enumerate(lines) if re.search(r'"scripts"\s*:', line)), 0)
    pattern = re.compile(r'"' + re.escape(script) + r'"\s*:')
    for number in range(start, len(lines)):
        if pattern.search(lines[number]):
            return number + 1
    return 1


def scripts(manifest: PackageManifest) -> dict[str, str]:
    section = manifest.data.get("scripts")
    if not isinstance(section, dict):
        return {}
    return {str(k): v for k, v in section.items() if isinstance(v, str)}
