"""The shape the analysis code keeps (issue 12): no module of src/nodeward/source over
800 lines and no function over 60 lines, so that each module has one job and each
function can be read at once. Cyclomatic complexity (at most 25) is ruff's C901, set in
pyproject.toml."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "nodeward" / "source"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(SOURCE.rglob("*.py"))


def _long_functions(tree: ast.AST) -> list[str]:
    return [
        f"{node.name} (line {node.lineno}, {node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_the_source_package_is_found() -> None:
    assert len(_modules()) > 50  # a wrong path would make the checks below pass vacuously


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SOURCE).as_posix())
def test_module_and_function_sizes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    assert _long_functions(ast.parse(text)) == []


def test_a_long_function_is_reported() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert _long_functions(ast.parse(f"def short():\n    pass\n\ndef long():\n{body}\n")) == [
        f"long (line 4, {MAX_FUNCTION_LINES + 1} lines)"
    ]
