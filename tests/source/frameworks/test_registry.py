"""The framework registry: every framework implements the protocol the route table and
the taint engine read, no two frameworks claim the same creation call, fix texts exist
for every framework that makes apps, and the registry order keeps Express's generic
handler shape last."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nodeward.source import frameworks
from nodeward.source.frameworks.base import Framework
from nodeward.source.frameworks.registry import BY_NAME, CREATIONS, EXPRESS, FRAMEWORKS, MODULES


def test_every_framework_has_a_unique_name_and_a_label() -> None:
    names = [f.name for f in FRAMEWORKS]
    assert len(names) == len(set(names)) == len(BY_NAME)
    assert all(f.label for f in FRAMEWORKS)


def test_no_creation_call_belongs_to_two_frameworks() -> None:
    total = sum(len(f.creations) for f in FRAMEWORKS)
    assert total == len(CREATIONS)
    for framework in FRAMEWORKS:
        for ref in framework.creations:
            assert CREATIONS[ref][0] is framework
            assert ref.module in MODULES  # a project importing it gets a route table


def test_apps_of_every_framework_get_fixes_in_their_own_words() -> None:
    app_frameworks: list[Framework] = [f for f in FRAMEWORKS if any(f.creations.values())]
    assert {f.name for f in app_frameworks} == {"express", "koa", "fastify", "nestjs", "hapi"}
    for framework in app_frameworks:
        fixes = framework.fixes
        assert fixes.rate_limit and fixes.global_rate_limit and fixes.csrf and fixes.helmet
        if framework is not EXPRESS:
            assert fixes.rate_limit != EXPRESS.fixes.rate_limit


def test_express_generic_shape_is_asked_last() -> None:
    """`(req, res)` matches nearly any two-parameter function: the frameworks that
    recognise a handler by a specific shape must be asked first."""
    assert FRAMEWORKS[-1] is EXPRESS


def test_every_framework_module_imports_on_its_own() -> None:
    """The registry imports every framework and some framework modules read the registry:
    a module that reads it at import time fails when imported first (as a test or a tool
    importing that one module does), though not behind the registry."""
    package = Path(frameworks.__file__).parent
    names = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
    code = "import importlib, sys; importlib.import_module(sys.argv[1])"
    failed = [
        name
        for name in names
        if subprocess.run(
            [sys.executable, "-c", code, f"nodeward.source.frameworks.{name}"],
            capture_output=True,
            check=False,
        ).returncode
    ]
    assert len(names) > 10 and failed == []
