"""RUN002: docker-compose services that run privileged or share the host's namespaces."""

from __future__ import annotations

from collections.abc import Iterator

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.runtime import COMPOSE_PRIVILEGED
from nodeward.checks import Checker
from nodeward.discover import FileKind
from nodeward.findings import Finding, Skip
from nodeward.manifests import yamlnodes
from nodeward.manifests.containers import is_root_user
from nodeward.manifests.files import location, yaml_files
from nodeward.source.parse import SourceText

#: Capabilities that amount to root on the host (ALL, or the catch-all SYS_ADMIN).
DANGEROUS_CAPS = frozenset({"ALL", "SYS_ADMIN", "CAP_SYS_ADMIN"})


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
