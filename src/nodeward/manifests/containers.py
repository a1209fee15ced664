"""RUN001: Dockerfiles whose final stage runs as root."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.findings import Confidence, Finding, Severity, Skip
from nodeward.manifests.dockerfile import Stage, lineage
from nodeward.manifests.files import dockerfiles, location
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

#: Images that already run as an unprivileged user unless told otherwise.
NON_ROOT_IMAGES = re.compile(
    r"(:|-)nonroot\b|^gcr\.io/distroless/.*:nonroot|^cgr\.dev/chainguard/", re.IGNORECASE
)
_ROOT_USERS = frozenset({"root", "0"})

DOCKERFILE_ROOT = RuleMeta(
    code="RUN001",
    name="dockerfile-runs-as-root",
    title="The container's final stage runs as root",
    cwe=(250,),
    owasp=Owasp.A05,
    practices=(Practice.NOT_ROOT,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks the final stage of each Dockerfile (the one that becomes the image) for a "
        "`USER` instruction; it reports a stage with none, pointing at its `FROM` line, and "
        "a last `USER` that is `root`, `0` or `0:<group>`. A `USER` set in an earlier stage "
        "the final stage is built `FROM` counts; so do images that are non-root by default "
        "(distroless `:nonroot`, Chainguard)."
    ),
    why=(
        "Official Node.js images run as root unless told otherwise. A remote code execution "
        "or path traversal bug in the app then runs with root inside the container, which "
        "can write anywhere in the image, bind low ports and, with a kernel or runtime flaw "
        "or a mounted socket, escape to the host."
    ),
    example='FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]',
    use_instead=(
        "FROM node:20-alpine\nWORKDIR /app\nCOPY --chown=node:node . .\nUSER node\n"
        'CMD ["node", "server.js"]'
    ),
    fix="Add `USER node` (or another unprivileged user) to the final stage before CMD",
    references=(
        "Docker docs, USER: https://docs.docker.com/reference/dockerfile/#user",
        "Node.js Docker best practices (non-root user): https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md#non-root-user",
        "OWASP Docker Security Cheat Sheet, rule #2: https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html",
    ),
)


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
