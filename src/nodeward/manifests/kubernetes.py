"""RUN003: Kubernetes workloads whose containers may run as root or escalate privileges."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nodeward.analysis.context import AnalysisContext
from nodeward.catalog.runtime import KUBERNETES_ROOT
from nodeward.checks import Checker
from nodeward.discover import FileKind
from nodeward.findings import Finding, Skip
from nodeward.manifests import yamlnodes
from nodeward.manifests.files import location, yaml_files
from nodeward.source.parse import SourceText

if TYPE_CHECKING:
    import yaml  # loaded by yamlnodes.documents(), when a manifest is read

#: kind -> path from the document to its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}


@dataclass(frozen=True)
class _Setting:
    """A securityContext field as the container sees it, and where it was written."""

    node: yaml.Node
    key: yaml.Node


def _check_project(analysis: AnalysisContext) -> Iterator[Finding | Skip]:
    project = analysis.project
    manifests = yaml_files(project, FileKind.KUBERNETES)
    yield from manifests.skips
    for text, docs in manifests.items:
        for doc in docs:
            for workload in _workloads(doc):
                yield from _check_workload(text, workload)


def _workloads(doc: yaml.Node) -> Iterator[yaml.Node]:
    """The workloads of a document (through nested Lists), each node once: YAML aliases make
    one node appear in many places, or inside itself, and a thousand aliases of one workload
    must cost one check, not a thousand."""
    seen: set[int] = set()
    pending = [doc]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        kind = yamlnodes.scalar(yamlnodes.get(node, "kind"))
        if kind == "List":
            pending.extend(reversed(yamlnodes.sequence(yamlnodes.get(node, "items"))))
        elif kind in POD_SPEC_PATHS:
            yield node


def _check_workload(text: SourceText, workload: yaml.Node) -> Iterator[Finding]:
    kind = yamlnodes.scalar(yamlnodes.get(workload, "kind")) or ""
    name = yamlnodes.scalar(yamlnodes.get(workload, "metadata", "name")) or "(unnamed)"
    spec = yamlnodes.get(workload, *POD_SPEC_PATHS[kind])
    if not yamlnodes.is_mapping(spec):
        return
    pod_context = yamlnodes.get(spec, "securityContext")
    containers = [
        *yamlnodes.sequence(yamlnodes.get(spec, "initContainers")),
        *yamlnodes.sequence(yamlnodes.get(spec, "containers")),
    ]
    for container in yamlnodes.unique(containers):
        container_name = yamlnodes.scalar(yamlnodes.get(container, "name")) or "?"
        label = f"{kind} `{name}` container `{container_name}`"
        context = yamlnodes.get(container, "securityContext")
        yield from _check_container(text, label, container, context, pod_context)


def _effective(key: str, container: yaml.Node | None, pod: yaml.Node | None) -> _Setting | None:
    for context in (container, pod):
        value = yamlnodes.get(context, key)
        key_node = yamlnodes.key_node(context, key)
        if value is not None and key_node is not None:
            return _Setting(value, key_node)
    return None


def _check_container(
    text: SourceText,
    label: str,
    container: yaml.Node,
    context: yaml.Node | None,
    pod_context: yaml.Node | None,
) -> Iterator[Finding]:
    for key in ("privileged", "allowPrivilegeEscalation"):
        setting = _effective(key, context, None)
        if setting is not None and yamlnodes.is_true(setting.node):
            yield KUBERNETES_ROOT.finding(
                location(text, yamlnodes.line_of(setting.key)),
                f"{label} sets `{key}: true`; set it to false so a compromised process "
                "cannot gain the node's privileges",
            )
    user = _effective("runAsUser", context, pod_context)
    user_value = yamlnodes.scalar(user.node) if user is not None else None
    if user is not None and user_value == "0":
        yield KUBERNETES_ROOT.finding(
            location(text, yamlnodes.line_of(user.key)),
            f"{label} runs with `runAsUser: 0` (root); use a non-zero UID and `runAsNonRoot: true`",
        )
        return
    non_root = _effective("runAsNonRoot", context, pod_context)
    if non_root is not None and yamlnodes.is_true(non_root.node):
        return
    if user_value is not None and user_value.isdigit():
        return  # a fixed non-zero UID is not root, even without runAsNonRoot
    where = non_root.key if non_root is not None else container
    yield KUBERNETES_ROOT.finding(
        location(text, yamlnodes.line_of(where)),
        f"{label} does not set `runAsNonRoot: true` (pod or container securityContext), so "
        "it runs as whatever user the image names, root for node images; add "
        "`securityContext: { runAsNonRoot: true }`",
    )


CHECKER = Checker(rules=(KUBERNETES_ROOT,), check_project=_check_project)
