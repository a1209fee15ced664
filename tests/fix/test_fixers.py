"""`nodeward fix`: each fixer's before/after fixture pair byte for byte (through --apply
and through `git apply` of the printed diff), the re-scan, the verifier dropping what it
cannot prove, --apply's refusals and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fix_helpers import FIXTURES, PAIRS, committed_copy, files_of, git
from tree import write_file

from nodeward.cli import main
from nodeward.deps.advisories import osv_db
from nodeward.findings import Confidence, Finding, Severity, SourceLocation
from nodeward.fix.diff import file_diff
from nodeward.fix.model import Edit, Fix
from nodeward.fix.verify import path_of, verify
from nodeward.scan import scan_path

ROOT_FIXTURES = FIXTURES.parent
#: The findings each fixture keeps after the fix: (rule, file) that need a person.
LEFT_FOR_A_PERSON = {
    "bcrypt": set(),
    # the upgrade in package.json settles after `npm install` updates the lockfile
    "dependencies": {("DEP001", "package.json")},
    "body-limits": set(),
    "cookie-flags": set(),
    "dockerfile": {("RUN001", "worker/Dockerfile")},
    "error-details": {("NW401", "api.ts")},
    "exec-file": {("NW103", "tools.js")},
    "hardening": set(),
    "jwt": {("NW202", "tokens.ts")},
    "knex": set(),
    # a pin in overrides/resolutions settles after the lockfile is updated too
    "overrides": {("DEP001", "package.json"), ("DEP001", "reports/package.json")},
    "password-hash": {("NW210", "signup.js")},
    "rate-limit": set(),
    "redirect": set(),
    "send-file": {("NW105", "files.js")},
    "session": set(),
    "sql": {("NW101", "users.js"), ("NW101", "shop.ts")},
}
#: The rules each fixture's fixes are for.
FIXED_RULES = {
    "bcrypt": {"NW212"},
    "dependencies": {"DEP001"},
    "body-limits": {"NW701"},
    "cookie-flags": {"NW803", "NW806"},
    "dockerfile": {"RUN001", "NW410"},
    "error-details": {"NW401"},
    "exec-file": {"NW103", "NW151"},
    "hardening": {"NW301", "NW302", "NW402"},
    "jwt": {"NW202"},
    "knex": {"NW101"},
    "overrides": {"DEP001"},
    "password-hash": {"NW210"},
    "rate-limit": {"NW720", "NW702", "NW402"},
    "redirect": {"NW540"},
    "send-file": {"NW105"},
    "session": {"NW801", "NW802", "NW804", "NW805"},
    "sql": {"NW101"},
}


def test_every_pair_is_listed() -> None:
    assert set(PAIRS) == set(LEFT_FOR_A_PERSON) == set(FIXED_RULES)


@pytest.fixture
def advisories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled NSWG advisories in a private cache, for the dependency audit."""
    monkeypatch.setenv("NODEWARD_CACHE_DIR", str(tmp_path / "cache"))
    assert osv_db.import_records(ROOT_FIXTURES / "deps" / "npm-nswg-osv.zip") == 467


def _rules_left(root: Path, rules: set[str]) -> set[tuple[str, str]]:
    report = scan_path(root, offline=True, quiet=True)
    return {(f.rule, path_of(f) or "") for f in report.findings if f.rule in rules}


@pytest.mark.usefixtures("advisories")
@pytest.mark.parametrize("fixer", PAIRS)
def test_apply_gives_the_after_fixture_byte_for_byte(fixer: str, tmp_path: Path) -> None:
    project = committed_copy(FIXTURES / fixer / "before", tmp_path / fixer)
    before = _rules_left(project, FIXED_RULES[fixer])
    settles_later = fixer in ("dependencies", "overrides")  # after the lockfile command
    assert before - LEFT_FOR_A_PERSON[fixer] or settles_later  # work to do
    assert main(["fix", str(project), "--offline", "--apply", "-q"]) == 0
    assert files_of(project) == files_of(FIXTURES / fixer / "after")
    assert _rules_left(project, FIXED_RULES[fixer]) == LEFT_FOR_A_PERSON[fixer]


@pytest.mark.usefixtures("advisories")
@pytest.mark.parametrize("fixer", PAIRS)
def test_git_apply_accepts_the_diff(
    fixer: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = committed_copy(FIXTURES / fixer / "before", tmp_path / fixer)
    assert main(["fix", str(project), "--offline", "-q"]) == 1  # fixes shown, not written
    diff = capsys.readouterr().out
    assert files_of(project) == files_of(FIXTURES / fixer / "before")  # nothing written
    patch = tmp_path / "fix.patch"
    patch.write_text(diff, encoding="utf-8")
    checked = git(project, "apply", "--check", str(patch), check=False)
    assert checked.returncode == 0, checked.stderr
    git(project, "apply", str(patch))
    assert files_of(project) == files_of(FIXTURES / fixer / "after")


def test_clean_project_exits_0_with_an_empty_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = committed_copy(FIXTURES / "bcrypt" / "after", tmp_path / "p")
    assert main(["fix", str(project), "--offline", "-q"]) == 0
    assert capsys.readouterr().out == ""


def test_select_limits_the_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = committed_copy(FIXTURES / "hardening" / "before", tmp_path / "p")
    assert main(["fix", str(project), "--offline", "--select", "NW302", "-q"]) == 1
    diff = capsys.readouterr().out
    assert diff.count('+app.disable("x-powered-by");') == 1
    assert "helmet" not in diff
    assert "process.on" not in diff


def test_apply_refuses_a_file_with_uncommitted_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = committed_copy(FIXTURES / "bcrypt" / "before", tmp_path / "p")
    edited = (project / "hash.js").read_bytes() + b"// work in progress\n"
    (project / "hash.js").write_bytes(edited)
    assert main(["fix", str(project), "--offline", "--apply"]) == 2
    err = capsys.readouterr().err
    assert "nodeward: error: uncommitted changes (or untracked files) in hash.js" in err
    assert (project / "hash.js").read_bytes() == edited
    assert (project / "hash.ts").read_bytes() == (FIXTURES / "bcrypt/before/hash.ts").read_bytes()


def test_apply_refuses_a_staged_change(tmp_path: Path) -> None:
    project = committed_copy(FIXTURES / "bcrypt" / "before", tmp_path / "p")
    (project / "hash.ts").write_bytes((project / "hash.ts").read_bytes() + b"\n")
    git(project, "add", "hash.ts")
    git(project, "checkout", "--", "hash.ts")  # the work tree matches the index, not HEAD
    assert main(["fix", str(project), "--offline", "--apply", "-q"]) == 2


def test_apply_refuses_an_untracked_file(tmp_path: Path) -> None:
    project = committed_copy(FIXTURES / "bcrypt" / "before", tmp_path / "p")
    write_file(project, "extra.js", 'require("bcrypt").hashSync("x", 5);\n')
    assert main(["fix", str(project), "--offline", "--apply", "-q"]) == 2
    assert (project / "hash.js").read_bytes() == (FIXTURES / "bcrypt/before/hash.js").read_bytes()


def test_force_writes_a_dirty_file(tmp_path: Path) -> None:
    project = committed_copy(FIXTURES / "bcrypt" / "before", tmp_path / "p")
    (project / "hash.js").write_bytes((project / "hash.js").read_bytes() + b"// wip\n")
    assert main(["fix", str(project), "--offline", "--apply", "--force", "-q"]) == 0
    after = (FIXTURES / "bcrypt/after/hash.js").read_bytes() + b"// wip\n"
    assert (project / "hash.js").read_bytes() == after


def test_apply_outside_git_refuses_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "bcrypt" / "before", project)
    assert main(["fix", str(project), "--offline", "--apply"]) == 2
    assert "is not in a git repository" in capsys.readouterr().err
    assert files_of(project) == files_of(FIXTURES / "bcrypt" / "before")
    assert main(["fix", str(project), "--offline", "--apply", "--force", "-q"]) == 0
    assert files_of(project) == files_of(FIXTURES / "bcrypt" / "after")


def test_json_lists_fixes_and_what_needs_a_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = committed_copy(FIXTURES / "jwt" / "before", tmp_path / "p")
    assert main(["fix", str(project), "--offline", "--format", "json", "-q"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["applied"] is False
    assert [(f["rules"], f["resolves"][0]["where"]) for f in document["fixes"]] == [
        (["NW202"], "middleware.ts:8"),
        (["NW202"], "signed.mjs:9"),
        (["NW202"], "tokens.js:4"),
        (["NW202"], "tokens.js:8"),
        (["NW202"], "tokens.js:12"),
        (["NW202"], "tokens.ts:8"),
    ]
    assert document["fixes"][0]["title"] == "accept only RS256 in express-jwt"
    assert document["fixes"][1]["title"] == "accept only RS256 in jwt.verify()"
    assert document["fixes"][2]["diff"].startswith("diff --git a/tokens.js b/tokens.js\n")
    person = [(n["rule"], n["where"], n["reason"]) for n in document["needs_person"]]
    assert person == [
        (
            "NW202",
            "tokens.ts:13",
            "the key may be asymmetric: pin the algorithm the issuer signs with",
        ),
    ]
    assert document["dropped"] == []


def _finding(rule: str, path: str, line: int, snippet: str) -> Finding:
    location = SourceLocation(path, line, snippet=snippet)
    return Finding(rule, "m", location, Severity.LOW, Confidence.HIGH, "fix")


def test_verifier_drops_a_fix_whose_finding_stays() -> None:
    before = [_finding("NW212", "a.js", 1, "hash(x, 8)")]
    fix = Fix("raise", tuple(before), (Edit("a.js", 0, 0, "// c\n"),))
    verdict = verify([fix], before, {"a.js": b"hash(x, 8)\n"}, {}, lambda _patched: before)
    assert verdict.kept == ()
    assert [d.reason for d in verdict.dropped] == ["the re-scan still reports NW212: m"]


def test_verifier_drops_a_fix_that_brings_a_new_finding() -> None:
    before = [_finding("NW212", "a.js", 1, "hash(x, 8)")]
    fix = Fix("raise", tuple(before), (Edit("a.js", 8, 9, "12"),))
    new = _finding("NW999", "a.js", 1, "hash(x, 12)")
    verdict = verify([fix], before, {"a.js": b"hash(x, 8)\n"}, {}, lambda _patched: [new])
    assert verdict.kept == ()
    assert [d.reason for d in verdict.dropped] == ["the re-scan reports something new: NW999 m"]


def test_verifier_keeps_findings_that_moved_lines() -> None:
    """A finding the fix does not claim, pushed down a line by an insertion, is not new."""
    claimed = _finding("NW302", "a.js", 1, "const app = express();")
    other = _finding("NW401", "a.js", 2, "res.send(err.stack);")
    fix = Fix("disable", (claimed,), (Edit("a.js", 22, 22, "\napp.disable(1);"),))
    moved = _finding("NW401", "a.js", 3, "res.send(err.stack);")
    source = b"const app = express();\nres.send(err.stack);\n"
    verdict = verify([fix], [claimed, other], {"a.js": source}, {}, lambda _p: [moved])
    assert verdict.kept == (fix,)


def test_parse_failures_are_dropped_before_the_rescan(tmp_path: Path) -> None:
    from nodeward.fix.plan import _first_wins

    broken = Fix("broken", (), (Edit("a.js", 0, 0, "const = ;\n"),))
    fine = Fix("fine", (), (Edit("a.js", 0, 0, "// ok\n"),))
    accepted, dropped = _first_wins([broken, fine], {"a.js": b"let x = 1;\n"})
    assert accepted == [fine]
    assert [d.reason for d in dropped] == ["the patched a.js does not parse"]


def test_overlapping_fixes_keep_the_first() -> None:
    from nodeward.fix.plan import _first_wins

    first = Fix("one", (), (Edit("a.js", 4, 5, "y"),))
    second = Fix("two", (), (Edit("a.js", 4, 9, "z = 2"),))
    accepted, dropped = _first_wins([first, second], {"a.js": b"let x = 1;\n"})
    assert accepted == [first]
    assert [d.reason for d in dropped] == ["it edits the same code as an earlier fix"]


def test_diff_marks_a_missing_final_newline() -> None:
    diff = file_diff("a.js", b"let x = 1;", b"let x = 2;")
    assert diff == (
        "diff --git a/a.js b/a.js\n--- a/a.js\n+++ b/a.js\n@@ -1 +1 @@\n"
        "-let x = 1;\n\\ No newline at end of file\n"
        "+let x = 2;\n\\ No newline at end of file\n"
    )


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    project = tmp_path / "p"
    source = 'const bcrypt = require("bcrypt");\r\nbcrypt.hashSync("pw", 6);\r\n'
    write_file(project, "a.js", source.encode())
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "x")
    assert main(["fix", str(project), "--offline", "--apply", "-q"]) == 0
    assert (project / "a.js").read_bytes() == source.replace("6", "12").encode()


@pytest.mark.usefixtures("advisories")
def test_an_upgrade_settles_once_the_lockfile_follows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The upgrade is verified for what a re-scan can see (nothing new); the advisory goes
    once the package manager has updated the lockfile, which nodeward never runs."""
    project = committed_copy(FIXTURES / "dependencies" / "before", tmp_path / "p")
    assert main(["fix", str(project), "--offline", "--apply"]) == 0
    err = capsys.readouterr().err
    assert "  fixed   DEP001 package.json lodash@4.17.4  upgrade lodash to ^4.17.11\n" in err
    assert "          then run: npm install\n" in err
    lockfile = project / "package-lock.json"
    lockfile.write_text(lockfile.read_text().replace('"4.17.4"', '"4.17.11"'))  # npm install
    assert _rules_left(project, {"DEP001"}) == set()


@pytest.mark.usefixtures("advisories")
def test_an_exact_version_stays_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = FIXTURES.parent.parent.parent / "examples" / "vulnerable-app"
    project = committed_copy(example, tmp_path / "p")
    assert main(["fix", str(project), "--offline", "--select", "DEP", "-q"]) == 1
    diff = capsys.readouterr().out
    assert '-    "lodash": "4.17.4",\n+    "lodash": "4.17.11",\n' in diff


def test_a_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", str(tmp_path / "nope")]) == 2
    assert (
        capsys.readouterr().err
        == f"nodeward: error: {tmp_path / 'nope'}: no such file or directory\n"
    )


def test_a_byte_order_mark_is_kept(tmp_path: Path) -> None:
    project = tmp_path / "p"
    source = 'const bcrypt = require("bcrypt");\nbcrypt.hashSync("pw", 6);\n'
    write_file(project, "a.js", b"\xef\xbb\xbf" + source.encode())
    assert main(["fix", str(project), "--offline", "--apply", "--force", "-q"]) == 0
    assert (project / "a.js").read_bytes() == b"\xef\xbb\xbf" + source.replace("6", "12").encode()


def test_something_new_elsewhere_drops_only_the_fix_that_brings_it() -> None:
    """A new finding in a file no fix touched (a project-wide rule) is traced to the fix
    that brings it alone; the other fix stays."""
    first = _finding("NW212", "a.js", 1, "hash(x, 8)")
    second = _finding("NW212", "b.js", 1, "hash(y, 8)")
    fix_a = Fix("a", (first,), (Edit("a.js", 8, 9, "12"),))
    fix_b = Fix("b", (second,), (Edit("b.js", 8, 9, "12"),))
    elsewhere = _finding("NW999", "c.js", 1, "app.listen()")

    def scan(patched: dict[str, bytes]) -> list[Finding]:
        return [elsewhere] if "b.js" in patched else []

    sources = {"a.js": b"hash(x, 8)\n", "b.js": b"hash(y, 8)\n"}
    verdict = verify([fix_a, fix_b], [first, second], sources, {}, scan)
    assert verdict.kept == (fix_a,)
    assert [(d.fix.title, d.reason) for d in verdict.dropped] == [
        ("b", "the re-scan reports something new: NW999 m")
    ]
