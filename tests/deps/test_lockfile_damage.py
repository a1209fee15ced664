"""Damaged lockfiles are errors with the reason, never read as an empty install."""

from __future__ import annotations

import pytest

from nodeward.deps.lockfiles import npm, yarn_classic
from nodeward.deps.lockfiles.interface import LockfileError


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
