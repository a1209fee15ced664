"""RUN002: docker-compose services that run privileged or share the host's namespaces."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.checks import Checker
from nodeward.discover import FileKind
from nodeward.findings import Confidence, Finding, Severity, Skip
from nodeward.manifests import yamlnodes
from nodeward.manifests.containers import is_root_user
from nodeward.manifests.files import location, yaml_files
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta
from nodeward.source.parse import SourceText

#: Capabilities that amount to root on the host (ALL, or the catch-all SYS_ADMIN).
DANGEROUS_CAPS = frozenset({"ALL", "SYS_ADMIN", "CAP_SYS_ADMIN"})

COMPOSE_PRIVILEGED = RuleMeta(
    code="RUN002",
    name="compose-privileged",
    title="A docker-compose service runs privileged, as root, or in the host's namespaces",
    cwe=(250, 269),
    owasp=Owasp.A05,
    practices=(Practice.NOT_ROOT,),
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    what=(
        "Checks every service of a docker-compose file for `privileged: true`, "
        "`user: root` / `0` / `0:0`, `cap_add` with `ALL` or `SYS_ADMIN`, and "
        "`network_mode: host` or `pid: host`. `<<: *anchor` merges are followed."
    ),
    why=(
        "A privileged container or one with SYS_ADMIN can mount the host's disks and load "
        "kernel modules: a bug in the Node.js app becomes control of the host. `user: root` "
        "overrides a Dockerfile's `USER node`. Host networking exposes every port the "
        "container opens (debuggers, metrics) on the host's interfaces and lets the "
        "container reach services bound to the host's localhost; `pid: host` lets it see and "
        "signal every host process."
    ),
    example="services:\n  web:\n    build: .\n    privileged: true\n    user: root",
    use_instead=(
        "services:\n  web:\n    build: .\n    user: node\n    cap_drop: [ALL]\n"
        "    security_opt: [no-new-privileges:true]\n    ports: ['3000:3000']"
    ),
    fix="Remove privileged/root/host settings; run as `user: node`, drop capabilities",
    references=(
        "Docker Compose services reference: https://docs.docker.com/reference/compose-file/services/",
        "OWASP Docker Security Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html",
    ),
)


def _check_project(analysis: AnalysisContext) -> Iterator[Finding | Skip]:
    project = analysis.project
    manifests = yaml_files(project, FileKind.COMPOSE)
    yield from manifests.skips
    for text, docs in manifests.items:
        for doc in docs:
            for name, _key, service in yamlnodes.items(yamlnodes.get(doc, "services")):
                yield from _check_service(text, name, service)


def _check_service(text: SourceText, name: str, service: object) -> Iterator[Finding]:
    import yaml

    if not isinstance(service, yaml.MappingNode):
        return
    for key, key_node, value in yamlnodes.items(service):
        where = location(text, yamlnodes.line_of(key_node))
        scalar = yamlnodes.scalar(value) or ""
        if key == "privileged" and yamlnodes.is_true(value):
            yield COMPOSE_PRIVILEGED.finding(
                where,
                f"Service `{name}` runs with `privileged: true`, which gives it every "
                "capability and the host's devices; remove it and add only the capabilities "
                "the service needs",
            )
        elif key == "user" and scalar and is_root_user(scalar):
            yield COMPOSE_PRIVILEGED.finding(
                where,
                f"Service `{name}` runs as `user: {scalar}`; run it as an unprivileged user "
                "(`user: node`)",
            )
        elif key == "cap_add":
            for item in yamlnodes.sequence(value):
                cap = (yamlnodes.scalar(item) or "").upper()
                if cap in DANGEROUS_CAPS:
                    yield COMPOSE_PRIVILEGED.finding(
                        location(text, yamlnodes.line_of(item)),
                        f"Service `{name}` adds capability {cap}, which is as good as root "
                        "on the host; drop it (`cap_drop: [ALL]`) and add only what is needed",
                    )
        elif key in ("network_mode", "pid") and scalar == "host":
            yield COMPOSE_PRIVILEGED.finding(
                where,
                f"Service `{name}` uses `{key}: host`, sharing the host's "
                f"{'network stack' if key == 'network_mode' else 'process table'}; use the "
                "default isolated namespace and publish ports with `ports:`",
            )


CHECKER = Checker(rules=(COMPOSE_PRIVILEGED,), check_project=_check_project)
