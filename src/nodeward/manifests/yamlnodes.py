"""YAML read as PyYAML node trees, so that every value keeps the line it was written on.

`yaml.compose_all` stops before construction: nodes carry `start_mark.line` and nothing
from the file is ever turned into Python objects beyond plain scalars. Each file stands
alone: one that nests too deep for PyYAML's recursive composer, or asks for Python objects
(`!!python/object`), is skipped with its reason and the other files are still read."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeGuard

from nodeward.findings import Skip
from nodeward.source.parse import SourceText

if TYPE_CHECKING:
    import yaml

# Every node comes from documents(), so PyYAML is loaded by the time any other function
# runs; each imports it where it is used so that a scan without YAML manifests (most of
# them) never loads it.

_TRUE_WORDS = frozenset({"true", "yes", "on", "y"})
_MERGE_KEY = "<<"


def documents(text: SourceText) -> list[yaml.Node] | Skip:
    """Every document of a (multi-document) YAML file, or a Skip saying why it is not
    analysed."""
    import yaml

    try:
        nodes = list(yaml.compose_all(text.source.decode("utf-8"), Loader=yaml.SafeLoader))
    except UnicodeDecodeError as error:
        return Skip(text.rel, f"not valid YAML: not UTF-8 at byte {error.start}")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        return Skip(text.rel, f"not valid YAML{where}: {problem}")
    except RecursionError:
        return Skip(text.rel, "YAML nests too deep to analyse safely; not analyzed")
    found = [node for node in nodes if node is not None]
    tag = _python_tag(found)
    if tag is not None:
        return Skip(text.rel, f"YAML tag {tag} asks for a Python object; not analyzed")
    return found


_PYTHON_TAG = "tag:yaml.org,2002:python/"


def _python_tag(roots: list[yaml.Node]) -> str | None:
    """The first `!!python/...` tag in the node trees (walked without recursion; aliases
    make them graphs, so each node is visited once)."""
    import yaml

    stack: list[yaml.Node] = list(roots)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if str(node.tag).startswith(_PYTHON_TAG):
            return "!!" + str(node.tag).removeprefix("tag:yaml.org,2002:")
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return None


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def scalar(node: yaml.Node | None) -> str | None:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return None


def is_mapping(node: yaml.Node | None) -> TypeGuard[yaml.MappingNode]:
    import yaml

    return isinstance(node, yaml.MappingNode)


def is_true(node: yaml.Node | None) -> bool:
    """`true` (and YAML 1.1's yes/on, as Docker Compose and Kubernetes accept them)."""
    value = scalar(node)
    return value is not None and value.lower() in _TRUE_WORDS


def items(node: yaml.Node | None) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping, with `<<: *anchor` merges applied: keys
    written in the mapping win over merged ones, as in YAML's merge-key spec.

    Merged mappings are visited once each: an alias names the same node
    wherever it is used, so chains of `<<: [*a, *a, ...]` (an alias bomb) or a mapping
    that merges itself cost one visit per node, not one per path."""
    import yaml

    seen: set[str] = set()
    visited: set[int] = set()
    pending: list[yaml.Node] = [node] if node is not None else []
    while pending:  # depth first, in order: earlier merges win over later ones
        current = pending.pop()
        if not isinstance(current, yaml.MappingNode) or id(current) in visited:
            continue
        visited.add(id(current))
        merged: list[yaml.Node] = []
        for key_node, value_node in current.value:
            key = scalar(key_node)
            if key is None:
                continue
            if key == _MERGE_KEY:
                merged.extend(
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
            elif key not in seen or current is node:  # a mapping's own keys all count
                seen.add(key)
                yield key, key_node, value_node
        pending.extend(reversed(merged))


def get(node: yaml.Node | None, *path: str) -> yaml.Node | None:
    """The value at `path` inside nested mappings, or None."""
    current = node
    for part in path:
        found = None
        for key, _key_node, value in items(current):
            if key == part:
                found = value
                break
        if found is None:
            return None
        current = found
    return current


def key_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The key node of `key` in a mapping (where a finding about that key should point)."""
    for name, knode, _value in items(node):
        if name == key:
            return knode
    return None


def unique(nodes: Iterable[yaml.Node]) -> list[yaml.Node]:
    """Each node once, in order: the aliases of one anchor are the same node."""
    return list({id(node): node for node in nodes}.values())


def sequence(node: yaml.Node | None) -> list[yaml.Node]:
    import yaml

    return list(node.value) if isinstance(node, yaml.SequenceNode) else []
