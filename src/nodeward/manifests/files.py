"""Reading manifests from the project: each file read once, problems recorded as skips."""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from nodeward.discover import FileKind
from nodeward.findings import Skip, SourceLocation
from nodeward.manifests import yamlnodes
from nodeward.manifests.dockerfile import Stage, stages
from nodeward.project import PackageManifest, Project
from nodeward.source.parse import SourceText


def location(text: SourceText, line: int) -> SourceLocation:
    return SourceLocation(path=text.rel, line=line, snippet=text.line(line).strip())


def texts(project: Project, kind: FileKind) -> Iterator[SourceText]:
    for discovered in project.inventory.of_kind(kind):
        text = project.text_of(discovered)
        if isinstance(text, Skip):
            project.add_skip(text)
        else:
            yield text


def dockerfiles(project: Project) -> Iterator[tuple[SourceText, list[Stage]]]:
    for text in texts(project, FileKind.DOCKERFILE):
        parsed = stages(text)
        if not parsed:
            project.add_skip(Skip(text.rel, "Dockerfile has no FROM instruction"))
            continue
        yield text, parsed


def yaml_files(project: Project, kind: FileKind) -> Iterator[tuple[SourceText, list[yaml.Node]]]:
    for text in texts(project, kind):
        docs = yamlnodes.documents(text)
        if isinstance(docs, Skip):
            project.add_skip(docs)
            continue
        yield text, docs


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
