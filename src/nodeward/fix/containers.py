"""Dockerfile: `ENV NODE_ENV=production` (NW410) and `USER node` (RUN001) in the final
stage, before the command that starts the app. `USER node` only on an official node image,
where that user exists."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from nodeward.findings import Finding, SourceLocation
from nodeward.fix.model import Edit, Fix, Fixer, NeedsPerson, Proposal
from nodeward.fix.workspace import FileText, Workspace
from nodeward.manifests.dockerfile import Stage, stages

#: node, node:20-alpine, docker.io/library/node@sha256:...: images with a `node` user.
OFFICIAL_NODE = re.compile(r"(?:(?:docker\.io|index\.docker\.io)/)?(?:library/)?node(?:[:@].*)?")


def _final_stage(file: FileText) -> Stage | None:
    found = stages(file.text)
    return found[-1] if found else None


def _start_line(stage: Stage) -> int | None:
    starts = [i.line for i in stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")]
    return starts[0] if starts else None


def _insert_before(file: FileText, line: int | None, text: str) -> Edit:
    newline = "\r\n" if b"\r\n" in file.source else "\n"
    if line is None:  # no start command: at the end of the file
        end = len(file.source)
        lead = "" if not file.source or file.source.endswith(b"\n") else newline
        return Edit(file.rel, end, end, lead + text + newline)
    at = file.offset_of_line(line)
    return Edit(file.rel, at, at, text + newline)


def _containers(findings: Sequence[Finding], workspace: Workspace) -> Iterator[Proposal]:
    ordered = sorted(findings, key=lambda f: f.rule != "NW410")  # ENV before USER
    for finding in ordered:
        location = finding.location
        file = workspace.file(location.path) if isinstance(location, SourceLocation) else None
        stage = _final_stage(file) if file is not None else None
        if file is None or stage is None:
            yield NeedsPerson(finding, "not a Dockerfile (the start path is elsewhere)")
            continue
        start = _start_line(stage)
        if finding.rule == "NW410":
            edit = _insert_before(file, start, "ENV NODE_ENV=production")
            yield Fix("set NODE_ENV=production in the final stage", (finding,), (edit,))
        elif not OFFICIAL_NODE.fullmatch(stage.base.strip()):
            yield NeedsPerson(
                finding, f"the final stage is FROM {stage.base}: create an unprivileged user"
            )
        else:
            edit = _insert_before(file, start, "USER node")
            yield Fix("run the final stage as the image's node user", (finding,), (edit,))


FIXERS: Iterable[Fixer] = (Fixer("dockerfile", frozenset({"RUN001", "NW410"}), _containers),)
