"""NW410: production start paths that never set NODE_ENV=production."""

from __future__ import annotations

import re
from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.discover import FileKind
from nodeward.findings import Confidence, Finding, Severity, Skip
from nodeward.manifests.dockerfile import Instruction, Stage, lineage
from nodeward.manifests.files import dockerfiles, location, script_line, scripts, texts
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

#: A command that starts a Node.js process (directly or through a package manager).
_NODE_COMMAND = re.compile(
    r"(?:^|[\s/;&|\"'])(?:node|nodejs|npm|npx|yarn|pnpm|pm2(?:-runtime)?|ts-node|nest|next|tsx)"
    r"(?:\s|$|[\"'])"
)
_SETS_PRODUCTION = re.compile(r"NODE_ENV\s*[=:]\s*[\"']?(?:production|prod\b|\$)")
_ENV_PAIR = re.compile(r"NODE_ENV(?:=|\s+)")
#: `NODE_ENV=production` (compose lists), `NODE_ENV: production` (maps) and Kubernetes
#: `- name: NODE_ENV` followed by `value: production`.
_DEPLOYMENT_SETS_PRODUCTION = re.compile(
    r"NODE_ENV[\"']?\s*[=:]\s*[\"']?production|name:\s*[\"']?NODE_ENV[\"']?\s*\n\s*value:\s*[\"']?production"
)
_DIRECT_NODE = re.compile(r"^(?:exec\s+)?node(?:js)?\s")

NODE_ENV_NOT_PRODUCTION = RuleMeta(
    code="NW410",
    name="node-env-not-production",
    title="The production start path does not set NODE_ENV=production",
    cwe=(489, 209),
    owasp=Owasp.A05,
    practices=(Practice.ERROR_HANDLING,),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks how the app is started in production. A Dockerfile whose final stage runs "
        "node, npm, yarn, pnpm or pm2 (CMD or ENTRYPOINT) must set `ENV NODE_ENV=production` "
        "in that stage or a stage it is built from (or in the command itself). Without a "
        "Dockerfile, docker-compose or Kubernetes file setting it, a package.json `start` "
        "script that runs `node` must set it. One finding per start path, at the CMD line or "
        "the `start` script."
    ),
    why=(
        "Express and many libraries switch on NODE_ENV: without `production` Express "
        "answers errors with full stack traces (file paths, library versions), does not "
        "cache view templates, and logs verbosely. The stack traces hand an attacker a map "
        "of the server."
    ),
    example='FROM node:20-alpine\nCOPY . .\nUSER node\nCMD ["node", "server.js"]',
    use_instead=(
        "FROM node:20-alpine\nENV NODE_ENV=production\nCOPY . .\nUSER node\n"
        'CMD ["node", "server.js"]'
    ),
    fix="Set NODE_ENV=production where the app starts (`ENV NODE_ENV=production`)",
    references=(
        "Express performance best practices: https://expressjs.com/en/advanced/best-practice-performance.html#set-node_env-to-production",
        "Express error handling (stack traces outside production): https://expressjs.com/en/guide/error-handling.html",
    ),
)


def _check_project(analysis: AnalysisContext) -> Iterator[Finding | Skip]:
    project = analysis.project
    production_elsewhere = False
    images = dockerfiles(project)
    yield from images.skips
    for text, all_stages in images.items:
        final = all_stages[-1]
        if _stage_sets_production(all_stages, final):
            production_elsewhere = True
            continue
        start = _start_instruction(lineage(all_stages, final))
        if start is None:
            continue
        if _SETS_PRODUCTION.search(start.command_text()):
            production_elsewhere = True
            continue
        yield NODE_ENV_NOT_PRODUCTION.finding(
            location(text, start.line),
            f"The image starts the app with `{start.keyword} {start.arguments}` but no stage "
            "it is built from sets NODE_ENV; add `ENV NODE_ENV=production` to the final stage",
        )
    for kind in (FileKind.COMPOSE, FileKind.KUBERNETES):
        deployments = texts(project, kind)
        yield from deployments.skips
        for text in deployments.items:
            if _DEPLOYMENT_SETS_PRODUCTION.search("\n".join(text.lines)):
                production_elsewhere = True
    if production_elsewhere or project.inventory.of_kind(FileKind.DOCKERFILE):
        return
    for manifest in project.manifests:
        command = scripts(manifest).get("start")
        if command is None or "NODE_ENV" in command:
            continue
        if not any(_DIRECT_NODE.match(part.strip()) for part in re.split(r"&&|;|\|\|", command)):
            continue
        yield NODE_ENV_NOT_PRODUCTION.finding(
            location(manifest.text, script_line(manifest, "start")),
            f'The "start" script runs `{command}` without NODE_ENV=production and no '
            "Dockerfile or deployment manifest sets it; set it where the app is deployed "
            '(or use "NODE_ENV=production node ..." in the start script)',
        )


def _start_instruction(chain: list[Stage]) -> Instruction | None:
    """The CMD or ENTRYPOINT that starts Node.js (`ENTRYPOINT ["docker-entrypoint.sh"]`
    with `CMD ["node", ...]` starts it in the CMD); inherited from the stage's bases."""
    for keyword in ("CMD", "ENTRYPOINT"):
        for stage in chain:
            found = stage.of(keyword)
            if found:
                if _NODE_COMMAND.search(" " + found[-1].command_text()):
                    return found[-1]
                break
    return None


def _stage_sets_production(all_stages: list[Stage], final: Stage) -> bool:
    for stage in lineage(all_stages, final):
        for env in stage.of("ENV"):
            arguments = env.arguments
            if _ENV_PAIR.search(arguments) and _SETS_PRODUCTION.search(
                re.sub(r"NODE_ENV\s+", "NODE_ENV=", arguments, count=1)
            ):
                return True
    return False


CHECKER = Checker(rules=(NODE_ENV_NOT_PRODUCTION,), check_project=_check_project)
