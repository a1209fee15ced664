"""The example app (examples/vulnerable-app) after `nodeward fix --apply`: only findings
that need a person are left, and the fixed app still starts and answers its routes (run
with node on 127.0.0.1, with tests/fixtures/fix/example-deps' node_modules, which `./run test`
installs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fix_helpers import committed_copy, git
from web.app_runner import free_port, wait_for_port

from nodeward.cli import main
from nodeward.scan import scan_path

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "vulnerable-app"
LISTEN_LOCAL = Path(__file__).parents[1] / "fixtures" / "fix" / "listen_local.js"
DEPENDENCIES = Path(__file__).parents[1] / "fixtures" / "fix" / "example-deps" / "node_modules"

#: What the fix leaves, each with its reason class: no mechanical fix exists.
NEEDS_A_PERSON = {
    ("NW101", "lib/db.js:12"),
    ("NW109", "routes/users.js:17"),
    ("NW220", "routes/login.js:7"),
    ("NW224", "routes/login.js:7"),
    ("NW901", "routes/users.js:18"),
}


@pytest.fixture
def fixed_example() -> Iterator[tuple[Path, dict[str, object]]]:
    """A committed copy of the example app after `nodeward fix --apply`, in a folder other
    users can read (the app runs as nobody when the tests run as root)."""
    folder = Path(tempfile.mkdtemp(prefix="nodeward-fix-example-"))
    try:
        folder.chmod(0o755)
        project = committed_copy(EXAMPLE, folder / "app")
        before = main(["fix", str(project), "--offline", "--format", "json", "-q"])
        assert before == 1
        assert git(project, "status", "--porcelain").stdout == ""  # the diff wrote nothing
        yield project, _fix_json(project)
    finally:
        shutil.rmtree(folder)


def _fix_json(project: Path) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "nodeward",
            "fix",
            str(project),
            "--offline",
            "--format",
            "json",
            "--apply",
            "-q",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    document: dict[str, object] = json.loads(out.stdout)
    return document


def test_only_findings_that_need_a_person_remain(
    fixed_example: tuple[Path, dict[str, object]],
) -> None:
    project, document = fixed_example
    assert document["applied"] is True
    assert document["dropped"] == []
    listed = {(n["rule"], n["where"]) for n in document["needs_person"]}  # type: ignore[attr-defined]
    assert listed == NEEDS_A_PERSON
    left = {
        (f.rule, f"{f.location.path}:{f.location.line}")  # type: ignore[union-attr]
        for f in scan_path(project, offline=True, quiet=True).findings
    }
    # the lines of server.js moved: compare rules and files
    assert {(r, w.split(":")[0]) for r, w in left} == {
        (r, w.split(":")[0]) for r, w in NEEDS_A_PERSON
    }
    fixed = [(f["rule"], f["where"]) for fix in document["fixes"] for f in fix["resolves"]]  # type: ignore[attr-defined]
    also = [(f["rule"], f["where"]) for f in document["also_resolved"]]  # type: ignore[attr-defined]
    assert len(fixed) + len(also) == 18 - len(NEEDS_A_PERSON)
    assert sorted(also) == [("NW501", "server.js:8"), ("NW702", "server.js:8")]


def _request(
    url: str, method: str = "GET", body: bytes | None = None
) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 (127.0.0.1)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_the_fixed_app_starts_and_answers(
    fixed_example: tuple[Path, dict[str, object]],
) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not DEPENDENCIES.is_dir():
        pytest.skip("tests/fixtures/fix/example-deps/node_modules missing: run `./run test`")
    project, _document = fixed_example
    (project / "node_modules").symlink_to(DEPENDENCIES)
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "NODE_ENV": "development",
        "SESSION_SECRET": "a-test-secret-of-more-than-32-characters",
    }
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    process = subprocess.Popen(
        ["node", "--require", str(LISTEN_LOCAL), "server.js"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        user="nobody" if as_root else None,
        group="nogroup" if as_root else None,
        extra_groups=[] if as_root else None,
    )
    try:
        wait_for_port(port, process)
        base = f"http://127.0.0.1:{port}"
        status, headers, body = _request(f"{base}/users/preferences?user=ann", "POST", b"{}")
        assert (status, body) == (200, "<p>Saved preferences for ann</p>")
        lower = {k.lower(): v for k, v in headers.items()}
        assert "x-powered-by" not in lower  # helmet and app.disable
        assert "default-src 'self'" in lower["content-security-policy"]
        # The login route passes the rate limiter, then fails on the missing database;
        # the sixth attempt in the window is refused.
        statuses = []
        for _attempt in range(6):
            status, headers, _body = _request(f"{base}/login", "POST", b"{}")
            statuses.append(status)
        assert statuses == [500] * 5 + [429]
        assert {k.lower(): v for k, v in headers.items()}["x-ratelimit-limit"] == "5"
        assert process.poll() is None  # still running
    finally:
        process.kill()
        process.wait()
