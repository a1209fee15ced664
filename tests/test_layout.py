"""Tests mirror src/ (issue #12): src/nodeward/<path>/<module>.py is tested by
tests/<path>/test_<module>.py (or test_<module>_<aspect>.py), unless SEAMS names the test
that covers it through a wider seam. docs/architecture.md ("Tests") describes the layout."""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "nodeward"
TESTS = ROOT / "tests"

#: Modules without a mirrored test module, by glob over their path under src/nodeward (the
#: first match wins), each with the test that covers it through its seam.
SEAMS: dict[str, str] = {
    # `python -m nodeward` is cli.main.
    "__main__.py": "tests/test_cli.py",
    # Command-line plumbing the CLI contract tests go through: argument types, config
    # files, the baseline, suppression comments, the `explain` and `rules` subcommands.
    "argtypes.py": "tests/test_cli.py",
    "baseline.py": "tests/test_cli.py",
    "config.py": "tests/test_cli.py",
    "suppressions.py": "tests/test_cli.py",
    "commands/explain.py": "tests/test_cli.py",
    "commands/rules.py": "tests/test_cli.py",
    # CI flags: --changed, the `ignore` table, the pre-commit hook.
    "changed.py": "tests/commands/test_flags.py",
    "ignores.py": "tests/commands/test_flags.py",
    "commands/pre_commit.py": "tests/commands/test_flags.py",
    # The subcommands' shared pieces: report formats and flags agree with the parser.
    "commands/emit.py": "tests/commands/test_common.py",
    # What a hostile tree cannot steer: entry points and bundled files.
    "entrypoints.py": "tests/test_untrusted_tree.py",
    "source/bundles.py": "tests/test_untrusted_tree.py",
    # Atomic report writing and the progress display.
    "output.py": "tests/test_init_progress_output.py",
    "commands/init.py": "tests/test_init_progress_output.py",
    "progress_display.py": "tests/test_progress.py",
    "stopping.py": "tests/test_parallel_signals.py",
    "commands/scan.py": "tests/test_errors.py",
    # Rule identities, the checker registry and the Check protocol agree.
    "rulemeta.py": "tests/test_catalog.py",
    "rules.py": "tests/test_catalog.py",
    "checks.py": "tests/test_catalog.py",
    "catalog/*.py": "tests/test_catalog.py",
    # The data reports are made of.
    "findings.py": "tests/report/test_formats.py",
    "report/json_report.py": "tests/report/test_formats.py",
    "report/common.py": "tests/report/test_text.py",
    "report/redact.py": "tests/report/test_html.py",
    "practices.py": "tests/test_scorecard.py",
    "repository.py": "tests/report/test_sarif.py",
    # The analyzers scan.py runs over one AnalysisContext, and the project they read.
    "project.py": "tests/analysis/test_context.py",
    "analysis/*.py": "tests/analysis/test_context.py",
    # The dependency audit's suite (tests/deps/) is one folder for the whole package.
    "commands/db.py": "tests/deps/test_db_import.py",
    "deps/advisories/cvss.py": "tests/deps/test_cvss.py",
    "deps/advisories/download.py": "tests/deps/test_deps_sources.py",
    "deps/advisories/osv_api.py": "tests/deps/test_deps_sources.py",
    "deps/lockfiles/*.py": "tests/deps/test_lockfile_damage.py",
    "deps/registry/catalog.py": "tests/deps/test_fix_catalog.py",
    "deps/registry/*.py": "tests/deps/test_registry.py",
    "deps/fixes.py": "tests/deps/test_deps_fixes.py",
    "deps/anchors.py": "tests/deps/test_deps_fixes.py",
    "deps/managers.py": "tests/deps/test_deps_fixes.py",
    "deps/placement.py": "tests/deps/test_deps_fixes.py",
    "deps/outdated.py": "tests/deps/test_registry.py",
    "deps/exports.py": "tests/deps/test_reachability.py",
    "deps/sources.py": "tests/deps/test_deps_sources.py",
    "deps/*.py": "tests/deps/test_deps_audit.py",
    # `nodeward fix`: each fixer's before/after fixture pair.
    "commands/fix.py": "tests/fix/test_fixers.py",
    "fix/*.py": "tests/fix/test_fixers.py",
    # Config-file rules (Dockerfile, compose, Kubernetes, package.json scripts).
    "manifests/*.py": "tests/manifests/test_rules.py",
    # The app model: exact route tables, and the `routes` command that prints them.
    "commands/routes.py": "tests/source/appmodel/test_builder.py",
    "source/appmodel/*.py": "tests/source/appmodel/test_builder.py",
    "source/frameworks/base.py": "tests/source/frameworks/test_registry.py",
    "source/frameworks/express.py": "tests/source/appmodel/test_builder.py",
    "source/frameworks/koa.py": "tests/source/appmodel/test_builder.py",
    "source/frameworks/nest*.py": "tests/source/frameworks/test_fastify_nest.py",
    "source/frameworks/decorator_routes.py": "tests/source/frameworks/test_fastify_nest.py",
    "source/decorators.py": "tests/source/frameworks/test_fastify_nest.py",
    "source/frameworks/routing_controllers_routes.py": (
        "tests/source/frameworks/test_routing_controllers.py"
    ),
    "source/frameworks/graphql_servers.py": "tests/source/frameworks/test_graphql_prefix.py",
    # Parsing and scopes under name resolution.
    "source/scopes.py": "tests/source/test_context.py",
    "source/regex_syntax.py": "tests/source/taint/test_regex.py",
    # pure-syntax loop helpers shared by the route table and the taint engine
    "source/loop_bindings.py": "tests/source/taint/test_function_values.py",
    # Rule modules and the taint engine's steps: their `ruleid`/`ok` fixtures (RPC and
    # socket handlers included), one parametrized case each.
    "source/frameworks/rpc.py": "tests/test_fixtures.py",
    "source/frameworks/sockets.py": "tests/test_fixtures.py",
    "source/rules/*.py": "tests/test_fixtures.py",
    "source/taint/*.py": "tests/test_fixtures.py",
    # The live probe's suite (tests/web/, test_probe_*): every check fires against
    # tests/apps/vulnerable; the other modules by concern.
    "web/checks/*.py": "tests/web/test_probe_apps.py",
    "web/client.py": "tests/web/test_probe_client.py",
    "web/exchange.py": "tests/web/test_probe_client.py",
    "web/inputs.py": "tests/web/test_probe_inputs_units.py",
    "web/examples.py": "tests/web/test_probe_inputs_units.py",
    "web/crawl.py": "tests/web/test_probe_inputs_units.py",
    "web/login.py": "tests/web/test_probe_login_openapi.py",
    "web/openapi.py": "tests/web/test_probe_login_openapi.py",
    "web/safety.py": "tests/web/test_probe_safety_units.py",
    "web/coverage.py": "tests/web/test_probe_safety_units.py",
    "web/health.py": "tests/web/test_probe_safety_units.py",
    "web/launch.py": "tests/web/test_probe_limits.py",
    "web/deadline.py": "tests/web/test_probe_limits.py",
    "web/browser.py": "tests/web/test_probe_browser.py",
    "web/*.py": "tests/web/test_probe_cli.py",
    "commands/probe.py": "tests/web/test_probe_cli.py",
}

#: The test modules of tests/ that mirror no module of src/nodeward: they cut across
#: packages, so they stay in tests/ (docs/architecture.md, "Tests"). Any other test module
#: there mirrors a top-level module (tests/test_cli.py for cli.py) or package.
CROSS_CUTTING: dict[str, str] = {
    "test_golden_reports.py": "pins the whole JSON report of each fixture app",
    "test_fixtures.py": "one case per annotated fixture under tests/fixtures/rules/",
    "test_fixture_coverage.py": "every catalogue rule has fixtures or a named test",
    "test_hostile_tree.py": "a planted repository cannot steer any part of the scan",
    "test_untrusted_tree.py": "hostile config, symlinks, names and bytes, end to end",
    "test_untrusted_output.py": "no scanned or probed byte reaches any report format raw",
    "test_fuzz_loaders.py": "fuzzes every loader of untrusted input",
    "test_fuzz_scan.py": "fuzzes the JS/TS scan with mutated fixtures",
    "test_regex_linear.py": "every regular expression of the package runs in linear time",
    "test_deterministic.py": "a report does not depend on the string-hash seed",
    "test_xss_dedupe.py": "one finding per problem across the XSS rules",
    "test_errors.py": "every failure exits 2 with one line, whatever the subcommand",
    "test_ci_integrations.py": "./run, .ci/run, action.yml and the README's commands",
    "test_code_shape.py": "module and function size limits over src/nodeward/source",
    "test_layers.py": "what each entry point loads",
    "test_layout.py": "this file: tests mirror src",
    "test_issue11_coverage.py": "docs/issue11-coverage.md cites real annotated fixture lines",
}


def _only_reexports(module: Path) -> bool:
    """A package's __init__ that defines nothing (docstring, imports, constants) is its
    modules' entry point and is tested through them."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    defines = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return module.name == "__init__.py" and not any(isinstance(n, defines) for n in tree.body)


def _mirrored(module: Path) -> bool:
    rel = module.relative_to(SRC)
    if module.name == "__init__.py":
        folder, stem = TESTS / rel.parent.parent, rel.parent.name
    else:
        folder, stem = TESTS / rel.parent, module.stem
    return (folder / f"test_{stem}.py").is_file() or any(folder.glob(f"test_{stem}_*.py"))


def _unmirrored() -> list[str]:
    modules = sorted(SRC.rglob("*.py"))
    return [
        m.relative_to(SRC).as_posix()
        for m in modules
        if not _only_reexports(m) and not _mirrored(m)
    ]


def _seam(module: str) -> str | None:
    """The first SEAMS pattern that matches the module."""
    return next((pattern for pattern in SEAMS if fnmatch(module, pattern)), None)


def test_every_module_has_a_mirrored_test_or_a_seam() -> None:
    missing = [m for m in _unmirrored() if _seam(m) is None]
    assert not missing, (
        f"modules with no tests/<path>/test_<module>.py: {missing}; add one, or name the "
        "test that covers the module in tests/test_layout.py SEAMS"
    )


def test_every_seam_entry_is_used_and_names_a_test_that_exists() -> None:
    """The allow-list shrinks as mirrored tests appear: an entry that matches no
    unmirrored module, or names a missing test, fails."""
    used = {_seam(m) for m in _unmirrored()}
    unused = [p for p in SEAMS if p not in used]
    missing = sorted({t for t in SEAMS.values() if not (ROOT / t).is_file()})
    assert not unused, f"SEAMS entries matching no unmirrored module: {unused}"
    assert not missing, f"SEAMS names tests that do not exist: {missing}"


def test_tests_at_the_root_mirror_a_top_level_module_or_cut_across() -> None:
    # Top-level modules, and packages whose __init__ holds code (tests/test_catalog.py).
    packages = {p.parent.name for p in SRC.glob("*/__init__.py") if not _only_reexports(p)}
    top_level = {m.stem for m in SRC.glob("*.py")} | packages
    stray = [
        t.name
        for t in sorted(TESTS.glob("test_*.py"))
        if t.name not in CROSS_CUTTING
        and not any(t.stem == f"test_{m}" or t.stem.startswith(f"test_{m}_") for m in top_level)
    ]
    assert not stray, (
        f"test modules in tests/ that mirror no top-level module: {stray}; move each under "
        "tests/<package>/ (test_<module>.py), or list it in CROSS_CUTTING with the reason"
    )
    assert sorted(n for n in CROSS_CUTTING if not (TESTS / n).is_file()) == []


def test_mirror_rule_examples() -> None:
    assert _mirrored(SRC / "source" / "taint" / "engine.py")
    assert _mirrored(SRC / "report" / "sarif.py")
    assert _mirrored(SRC / "catalog" / "__init__.py")  # tests/test_catalog.py
    assert not _mirrored(SRC / "source" / "taint" / "zod.py")
