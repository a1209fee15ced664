"""Damaged lockfiles are errors with the reason, never read as an empty install."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nodeward.deps.lockfiles import npm, yarn_classic
from nodeward.deps.lockfiles.interface import LockfileError
from nodeward.deps.lockfiles.manifest import installed_graph, read_manifest


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"lockfileVersion": 3, "packages": 5}', '"packages" is a JSON int, not an object'),
        ('{"lockfileVersion": 3}', '"packages" is missing, not an object'),
        ('{"lockfileVersion": 2, "packages": ["a"]}', '"packages" is a JSON list, not an object'),
    ],
)
def test_npm_lockfile_without_a_packages_object_is_an_error(text: str, reason: str) -> None:
    with pytest.raises(LockfileError) as caught:
        npm.parse(text, "package-lock.json", {})
    assert str(caught.value) == f"package-lock.json: {reason}"


def test_npm_v2_lockfile_without_packages_reads_dependencies() -> None:
    text = '{"lockfileVersion": 2, "dependencies": {"a": {"version": "1.0.0"}}}'
    graph = npm.parse(text, "package-lock.json", {"dependencies": {"a": "^1.0.0"}})
    assert [(n.name, n.version) for n in graph.nodes.values()] == [("a", "1.0.0")]


def test_yarn_classic_unterminated_string_is_an_error() -> None:
    text = '"a@^1":\n  version "1.2\n'
    with pytest.raises(LockfileError) as caught:
        yarn_classic.parse(text, "yarn.lock", {})
    assert str(caught.value) == "yarn.lock: line 2: unterminated string in '\"1.2'"


def test_yarn_classic_escaped_quote_is_not_unterminated() -> None:
    text = '"a@^1":\n  version "1.2.3"\n  resolved "https://x/a-1.2.3.tgz#\\"q\\""\n'
    graph = yarn_classic.parse(text, "yarn.lock", {})
    assert [(n.name, n.version) for n in graph.nodes.values()] == [("a", "1.2.3")]


def test_installed_versions_are_read_only_inside_the_tree(tmp_path: Path) -> None:
    """Dependency names and node_modules symlinks come from the scanned tree: neither may
    make the audit read a package.json outside it, nor block on a FIFO."""
    outside = tmp_path / "outside"
    (outside / "secret-project").mkdir(parents=True)
    (outside / "secret-project" / "package.json").write_text('{"version": "6.6.6"}')
    project = tmp_path / "project"
    modules = project / "node_modules"
    modules.mkdir(parents=True)
    (modules / "linked").symlink_to(outside / "secret-project")
    (modules / "fifo").mkdir()
    os.mkfifo(modules / "fifo" / "package.json")
    (modules / "inside").mkdir()
    (modules / "inside" / "package.json").write_text('{"version": "1.0.0"}')
    manifest = {
        "dependencies": {
            "../../outside/secret-project": "6.6.6",
            "linked": "*",
            "fifo": "*",
            "inside": "^1.0.0",
        }
    }
    graph = installed_graph(project, manifest, project)
    assert graph is not None
    assert {(n.name, n.version) for n in graph.nodes.values()} == {("inside", "1.0.0")}
    assert read_manifest(outside / "secret-project" / "package.json", project) == {}
