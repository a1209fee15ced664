"""RUN001: Dockerfiles whose final stage runs as root."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.runtime import DOCKERFILE_ROOT
from nodeward.checks import Checker
from nodeward.findings import Finding, Skip
from nodeward.manifests.dockerfile import Stage, lineage
from nodeward.manifests.files import dockerfiles, location

#: Images that already run as an unprivileged user unless told otherwise.
NON_ROOT_IMAGES = re.compile(
    r"(:|-)nonroot\b|^gcr\.io/distroless/.*:nonroot|^cgr\.dev/chainguard/", re.IGNORECASE
)
_ROOT_USERS = frozenset({"root", "0"})


def is_root_user(value: str) -> bool:
    user = value.strip().strip("\"'").split(":", 1)[0]
    return user.lower() in _ROOT_USERS


def _check_project(analysis: AnalysisContext) -> Iterator[Finding | Skip]:
    project = analysis.project
    images = dockerfiles(project)
    yield from images.skips
    for text, all_stages in images.items:
        final = all_stages[-1]
        users = [i for stage in lineage(all_stages, final) for i in reversed(stage.of("USER"))]
        if users:
            last = users[0]
            if is_root_user(last.arguments):
                yield DOCKERFILE_ROOT.finding(
                    location(text, last.line),
                    f"The final stage switches to `USER {last.arguments}`, so the app runs "
                    "as root; switch to an unprivileged user (`USER node`) before CMD",
                )
            continue
        if _non_root_base(all_stages, final):
            continue
        yield DOCKERFILE_ROOT.finding(
            location(text, final.from_line),
            f"The final stage (FROM {final.base}) has no USER instruction, so the container "
            "runs as root; add `USER node` (or another unprivileged user) before CMD",
        )


def _non_root_base(all_stages: list[Stage], final: Stage) -> bool:
    return bool(NON_ROOT_IMAGES.search(lineage(all_stages, final)[-1].base))


CHECKER = Checker(rules=(DOCKERFILE_ROOT,), check_project=_check_project)
